"""`python -m deploy`: starts the production profile and keeps it running until Ctrl-C or
SIGTERM (docs/production.md)."""

from __future__ import annotations

import signal
import sys

from bot import quiet_warnings
from bot.model_files import ModelFileError
from deploy.profile import Production
from deploy.settings import ProductionSettings


def _interrupt(signum, _frame):
    raise KeyboardInterrupt(f"signal {signum}")


def main() -> int:
    quiet_warnings.install()
    try:
        settings = ProductionSettings.from_env()
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    production = Production(settings)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        production.start()
        print(
            f"Perheneuvo's production profile is running.\n"
            f"  demo page and REST channel: {settings.public_url}/  "
            f"({settings.public_url}/webhooks/rest/webhook)\n"
            f"  staff console (its own address only): {settings.console_origin}/\n"
            f"  Rasa servers: {', '.join(f'127.0.0.1:{p}' for p in settings.rasa_ports)}; "
            f"actions: 127.0.0.1:{settings.actions_port}; PostgreSQL: 127.0.0.1:"
            f"{settings.postgres_port}; Redis: 127.0.0.1:{settings.redis_port}\n"
            f"  logs: {settings.path('logs')}\n  Ctrl-C stops everything",
            flush=True,
        )
        production.run()
        return 0
    except KeyboardInterrupt:
        return 0
    except (ModelFileError, RuntimeError, TimeoutError, OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        production.stop()


if __name__ == "__main__":
    sys.exit(main())
