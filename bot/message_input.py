"""Cleans what a user sends before Rasa sees or stores it.

Control characters, HTML tags and overlong text never reach the tracker store, so a
bad message cannot break later turns. A message with nothing readable left becomes
the `/empty_message` intent, answered with a clear request to write in words.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata

from bot.constants import MAX_MESSAGE_LENGTH, RESTART_COMMAND

EMPTY_MESSAGE_PAYLOAD = "/empty_message"
# Payloads a client may send on purpose (the widget's "start over" button).
ALLOWED_COMMANDS = {RESTART_COMMAND}

_TAG_RE = re.compile(r"<[^<>]{0,500}>")
_SPACE_RE = re.compile(r"\s+")


@dataclasses.dataclass(frozen=True)
class CleanMessage:
    text: str
    truncated: bool = False


def clean_message(raw: object, limit: int = MAX_MESSAGE_LENGTH) -> CleanMessage:
    text = raw if isinstance(raw, str) else ""
    text = unicodedata.normalize("NFC", text)
    text = "".join(
        " " if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch for ch in text
    )
    text = _TAG_RE.sub(" ", text)
    text = _SPACE_RE.sub(" ", text).strip()
    if text in ALLOWED_COMMANDS:
        return CleanMessage(text)
    text = text.lstrip("/").strip()  # no hand-typed intent payloads
    truncated = len(text) > limit
    if truncated:
        cut = text[:limit]
        text = cut.rsplit(" ", 1)[0] if " " in cut[limit // 2 :] else cut
    if not any(ch.isalnum() for ch in text):
        return CleanMessage(EMPTY_MESSAGE_PAYLOAD, truncated)
    return CleanMessage(text, truncated)
