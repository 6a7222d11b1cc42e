"""How the tools reach the running bot and its conversation store: the same settings the
bot's processes use (bot/settings.py), so the API token is the one the server was started with."""

from __future__ import annotations

import os
from typing import List

from bot.settings import Settings


def rasa_url() -> str:
    """PERHENEUVO_RASA_URL, else the launcher's port on localhost."""
    return (
        os.environ.get("PERHENEUVO_RASA_URL", "").strip().rstrip("/")
        or f"http://localhost:{Settings.from_env().rasa_port}"
    )


def rasa_urls() -> List[str]:
    """Every Rasa server a new model must reach: PERHENEUVO_RASA_URLS (space-separated; the
    production profile runs two behind nginx), else the one of rasa_url()."""
    urls = os.environ.get("PERHENEUVO_RASA_URLS", "").split()
    return [url.rstrip("/") for url in urls] or [rasa_url()]


def actions_url() -> str:
    """The action server: PERHENEUVO_ACTIONS_URL without its /webhook, else the launcher's port."""
    configured = os.environ.get("PERHENEUVO_ACTIONS_URL", "").strip().rstrip("/")
    if configured:
        return configured[: -len("/webhook")] if configured.endswith("/webhook") else configured
    return f"http://127.0.0.1:{Settings.from_env().actions_port}"


def api_token() -> str:
    """PERHENEUVO_API_TOKEN, else the token kept in var/api-token (made on first use)."""
    return Settings.from_env().resolved_api_token()


def tracker_db() -> str:
    """PERHENEUVO_TRACKER_DB: the SQLite file (default var/conversations.db) or a SQLAlchemy URL."""
    return os.environ.get("PERHENEUVO_TRACKER_DB", "").strip() or str(
        Settings.from_env().tracker_db
    )
