"""Pseudonymous Rasa sender ids: no raw Telegram chat id reaches Rasa's store or the logs."""

from __future__ import annotations

import hashlib
import hmac

SENDER_PREFIX = "tg-"
_HEX_LENGTH = 32


def sender_id(key: bytes, chat_id: int) -> str:
    """ "tg-" and a keyed hash (HMAC-SHA256) of the chat id, 32 hex characters."""
    digest = hmac.new(key, str(chat_id).encode("ascii"), hashlib.sha256).hexdigest()
    return SENDER_PREFIX + digest[:_HEX_LENGTH]
