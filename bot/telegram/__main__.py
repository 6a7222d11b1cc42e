"""The Telegram front end of Perheneuvo: relays Telegram chats to the Rasa server.

    TELEGRAM_BOT_TOKEN=... python -m bot.telegram

Long polling by default; webhook mode when TELEGRAM_WEBHOOK_URL is set. `make run` starts it
beside Rasa when the token is set. Settings: .env.example and docs/telegram.md.
"""

from __future__ import annotations

import logging
import sys

from telegram.error import InvalidToken

from bot import quiet_warnings
from bot.telegram.app import build_application
from bot.telegram.config import ConfigError, TelegramSettings
from bot.telegram.handlers import ALLOWED_UPDATES
from bot.telegram.logs import configure_logging

logger = logging.getLogger("bot.telegram")


def main() -> int:
    quiet_warnings.install(for_rasa=False)
    try:
        settings = TelegramSettings.from_env()
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level)
    application = build_application(settings)
    try:
        if settings.webhook:
            webhook = settings.webhook
            logger.info(
                "Telegram front end: webhook on %s:%d, Rasa at %s",
                webhook.listen,
                webhook.port,
                settings.rasa_url,
            )
            application.run_webhook(
                listen=webhook.listen,
                port=webhook.port,
                url_path=webhook.path,
                webhook_url=webhook.url,
                secret_token=webhook.secret,
                allowed_updates=ALLOWED_UPDATES,
                bootstrap_retries=-1,
            )
        else:
            logger.info("Telegram front end: long polling, Rasa at %s", settings.rasa_url)
            application.run_polling(allowed_updates=ALLOWED_UPDATES, bootstrap_retries=-1)
    except InvalidToken:
        print(
            "error: Telegram refused TELEGRAM_BOT_TOKEN: check the token from @BotFather",
            file=sys.stderr,
        )
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
