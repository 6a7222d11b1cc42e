"""Settings of the Telegram front end, read from the environment (see .env.example)."""

from __future__ import annotations

import dataclasses
import os
import re
from pathlib import Path
from typing import Mapping, Optional
from urllib.parse import urlparse

from bot.secret_files import read_or_create_secret_file
from bot.settings import ROOT

DEFAULT_API_BASE_URL = "https://api.telegram.org/bot"
DEFAULT_RASA_URL = "http://127.0.0.1:5005"
SENDER_KEY_FILE = ROOT / "var" / "telegram-sender-key"
# Telegram accepts 1-256 characters A-Z, a-z, 0-9, _ and - as a webhook secret token.
_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


class ConfigError(Exception):
    """A setting is missing or malformed; the message names the variable."""


@dataclasses.dataclass(frozen=True)
class WebhookSettings:
    url: str  # the public https address Telegram posts to
    secret: str
    listen: str = "127.0.0.1"
    port: int = 8443
    path: str = ""  # local path the webhook server answers on


@dataclasses.dataclass(frozen=True)
class TelegramSettings:
    token: str
    sender_key: bytes
    rasa_url: str = DEFAULT_RASA_URL
    api_base_url: str = DEFAULT_API_BASE_URL
    webhook: Optional[WebhookSettings] = None
    rasa_timeout: float = 10.0
    typing_interval: float = 4.0
    throttle_messages: int = 5
    throttle_seconds: float = 10.0
    concurrent_updates: int = 16
    log_level: str = "INFO"

    @classmethod
    def from_env(
        cls, env: Optional[Mapping[str, str]] = None, sender_key_file: Path = SENDER_KEY_FILE
    ) -> "TelegramSettings":
        env = os.environ if env is None else env
        token = env.get("TELEGRAM_BOT_TOKEN", "").strip()
        if not token:
            raise ConfigError(
                "TELEGRAM_BOT_TOKEN is not set: create a bot with @BotFather "
                "and set TELEGRAM_BOT_TOKEN to the token it gives"
            )
        return cls(
            token=token,
            sender_key=sender_key(env, sender_key_file),
            rasa_url=_url(env, "PERHENEUVO_RASA_URL", DEFAULT_RASA_URL).rstrip("/"),
            api_base_url=_url(env, "TELEGRAM_API_BASE_URL", DEFAULT_API_BASE_URL),
            webhook=webhook_settings(env),
            rasa_timeout=_number(env, "TELEGRAM_RASA_TIMEOUT", cls.rasa_timeout),
            typing_interval=_number(env, "TELEGRAM_TYPING_INTERVAL", cls.typing_interval),
            throttle_messages=int(
                _number(env, "TELEGRAM_THROTTLE_MESSAGES", cls.throttle_messages, integer=True)
            ),
            throttle_seconds=_number(env, "TELEGRAM_THROTTLE_SECONDS", cls.throttle_seconds),
            concurrent_updates=int(
                _number(env, "TELEGRAM_CONCURRENT_UPDATES", cls.concurrent_updates, integer=True)
            ),
            log_level=env.get("TELEGRAM_LOG_LEVEL", cls.log_level).strip().upper() or "INFO",
        )


def sender_key(env: Mapping[str, str], path: Path = SENDER_KEY_FILE) -> bytes:
    """The key of the sender-id hash: PERHENEUVO_SENDER_KEY, else the one kept in `path`
    (made on first use, mode 600), so a chat keeps its Rasa id across restarts."""
    configured = env.get("PERHENEUVO_SENDER_KEY", "").strip()
    return (configured or read_or_create_secret_file(path)).encode("utf-8")


def webhook_settings(env: Mapping[str, str]) -> Optional[WebhookSettings]:
    """Webhook mode when TELEGRAM_WEBHOOK_URL is set (long polling otherwise)."""
    url = env.get("TELEGRAM_WEBHOOK_URL", "").strip()
    if not url:
        return None
    parsed = urlparse(url)
    if parsed.scheme not in ("https", "http") or not parsed.netloc:
        raise ConfigError(
            f"TELEGRAM_WEBHOOK_URL must be the public https:// address "
            f"Telegram posts to, not {url!r}"
        )
    secret = env.get("TELEGRAM_WEBHOOK_SECRET", "").strip()
    if not secret:
        raise ConfigError(
            "TELEGRAM_WEBHOOK_SECRET is not set: webhook mode needs a secret "
            "(1-256 characters A-Z, a-z, 0-9, _ or -) so that only Telegram "
            "can post updates"
        )
    if not _SECRET_RE.match(secret):
        raise ConfigError(
            "TELEGRAM_WEBHOOK_SECRET may hold only 1-256 characters A-Z, a-z, 0-9, _ and -"
        )
    path = env.get("TELEGRAM_WEBHOOK_PATH", "").strip() or parsed.path
    return WebhookSettings(
        url=url,
        secret=secret,
        listen=env.get("TELEGRAM_WEBHOOK_LISTEN", "").strip() or WebhookSettings.listen,
        port=int(_number(env, "TELEGRAM_WEBHOOK_PORT", WebhookSettings.port, integer=True)),
        path=path.strip("/"),
    )


def _url(env: Mapping[str, str], name: str, default: str) -> str:
    value = env.get(name, "").strip() or default
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ConfigError(f"{name} must be an http(s) address, not {value!r}")
    return value


def _number(env: Mapping[str, str], name: str, default: float, integer: bool = False) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw) if integer else float(raw)
    except ValueError:
        raise ConfigError(
            f"{name} must be a {'whole ' if integer else ''}number, not {raw!r}"
        ) from None
    if value <= 0:
        raise ConfigError(f"{name} must be greater than zero, not {raw!r}")
    return value
