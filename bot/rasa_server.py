"""Rasa's command line (`rasa run ...`, `rasa run actions ...`) as every profile starts it,
with the HTTP API's token kept off the command line.

    python -m bot.rasa_server run --enable-api ...    (what bot/launcher.py and deploy/ run)

The token comes from PERHENEUVO_API_TOKEN, else var/api-token (bot.settings), and is added
to the arguments inside this process as `--auth-token=<token>`: it never shows in `ps` or in
/proc/<pid>/cmdline, and a token beginning with "-" cannot be taken for an option.
"""

from __future__ import annotations

import os
import sys
from typing import List, Optional, Sequence

from bot import quiet_warnings

API_TOKEN_ENV = "PERHENEUVO_API_TOKEN"


def with_auth_token(arguments: Sequence[str], token: str) -> List[str]:
    """`arguments` with `--auth-token=<token>` when they enable the HTTP API."""
    arguments = list(arguments)
    if any(a == "--auth-token" or a.startswith("--auth-token=") or a == "-t" for a in arguments):
        raise SystemExit(
            "error: the API token is not given on the command line; "
            "set PERHENEUVO_API_TOKEN or let var/api-token be made"
        )
    if "--enable-api" in arguments:
        if not token:
            raise SystemExit("error: --enable-api without an API token")
        arguments.append(f"--auth-token={token}")
    return arguments


def main(argv: Optional[Sequence[str]] = None) -> None:
    quiet_warnings.install()
    arguments = list(sys.argv[1:] if argv is None else argv)
    token = ""
    if "--enable-api" in arguments:
        from bot.settings import Settings

        token = Settings.from_env().resolved_api_token()
    # Rasa's processes need the token no further; children of this one do not inherit it.
    os.environ.pop(API_TOKEN_ENV, None)
    sys.argv = ["rasa", *with_auth_token(arguments, token)]
    import rasa.__main__ as rasa_cli

    # Rasa's CLI puts its own warning filters (e.g. "once" for every UserWarning, which
    # pyparsing's deprecations also are) in front of ours: ours go back in front after it.
    configure = rasa_cli.configure_logging_and_warnings

    def configure_then_quiet(*args, **kwargs) -> None:
        configure(*args, **kwargs)
        quiet_warnings.install()

    rasa_cli.configure_logging_and_warnings = configure_then_quiet
    rasa_cli.main()


if __name__ == "__main__":
    main()
