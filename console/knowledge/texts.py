"""The Finnish texts of the contacts, places and projects pages that code shows (labels, help,
messages), kept in console/knowledge/messages.yml."""

from __future__ import annotations

from pathlib import Path

from knowledge_base.texts import Texts

MESSAGES_FILE = Path(__file__).with_name("messages.yml")
_TEXTS = Texts(MESSAGES_FILE)
text = _TEXTS.text
say = _TEXTS.say
