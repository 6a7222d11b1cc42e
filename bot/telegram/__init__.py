"""Perheneuvo on Telegram (python-telegram-bot): `python -m bot.telegram` (see __main__)."""

from bot.telegram.app import build_application
from bot.telegram.config import ConfigError, TelegramSettings

__all__ = ["ConfigError", "TelegramSettings", "build_application"]
