"""Logging for the front end: no message text, and no bot token (which is part of every
Bot API address that httpx would log)."""

from __future__ import annotations

import logging


def configure_logging(level: str = "INFO") -> None:
    logging.basicConfig(
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        level=getattr(logging, level, logging.INFO),
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    # python-telegram-bot logs whole updates (with message text) at DEBUG level.
    logging.getLogger("telegram").setLevel(max(logging.INFO, logging.getLogger().level))
