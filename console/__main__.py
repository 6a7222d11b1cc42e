"""python -m console: prepares the database, makes the first pääkäyttäjä when there is no
account, and serves the console with waitress on PERHENEUVO_CONSOLE_HOST:PORT
(127.0.0.1:8090). With arguments, runs that Django management command instead
(`python -m console staff_user`, `python -m console axes_reset_username <tunnus>`)."""

from __future__ import annotations

import os
import signal
import sys
from typing import List, Optional


def main(argv: Optional[List[str]] = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "console.settings")
    import django
    from django.core.management import call_command, execute_from_command_line

    if args:
        execute_from_command_line(["python -m console", *args])
        return 0
    django.setup()
    from django.conf import settings

    settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
    call_command("migrate", interactive=False, verbosity=0)
    call_command("first_admin")
    from waitress import serve

    from console.wsgi import application

    # SIGTERM ends the server like Ctrl-C, so that the servers the console started (draft
    # bot, evaluation) are stopped by their atexit handlers.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    serve(
        application,
        host=settings.CONSOLE_HOST,
        port=settings.CONSOLE_PORT,
        threads=4,
        ident="perheneuvo-console",
        clear_untrusted_proxy_headers=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
