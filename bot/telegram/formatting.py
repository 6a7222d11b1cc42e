"""Rasa's replies as Telegram messages: plain text (no parse mode, so nothing in an answer can
inject or break markup), split at Telegram's length limit on natural boundaries."""

from __future__ import annotations

import re
from typing import List

# Telegram allows 4,096 characters a message; counted here in UTF-16 code units, as Telegram
# counts, so emoji and other astral characters never push a part over the limit.
MAX_MESSAGE_LENGTH = 4096
# Boundaries tried in turn: paragraph, line, sentence, word.
_BOUNDARIES = (
    re.compile(r"\n\s*\n"),
    re.compile(r"\n"),
    re.compile(r"(?<=[.!?…])\s+"),
    re.compile(r"\s+"),
)


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def split_message(text: str, limit: int = MAX_MESSAGE_LENGTH) -> List[str]:
    """`text` in parts of at most `limit` UTF-16 units, in order, cut at the last paragraph,
    line, sentence or word boundary that fits (mid-word only when a word alone is too long)."""
    parts: List[str] = []
    rest = text.strip()
    while utf16_length(rest) > limit:
        window = _fitting_prefix(rest, limit)
        cut, resume = _boundary(window)
        parts.append(rest[:cut].rstrip())
        rest = rest[resume:].lstrip()
    if rest:
        parts.append(rest)
    return parts


def _fitting_prefix(text: str, limit: int) -> str:
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return text[:index]
    return text


def _boundary(window: str) -> "tuple[int, int]":
    """Where to end this part and where the next one begins."""
    for boundary in _BOUNDARIES:
        matches = [m for m in boundary.finditer(window) if m.start() > len(window) // 4]
        if matches:
            return matches[-1].start(), matches[-1].end()
    return len(window), len(window)
