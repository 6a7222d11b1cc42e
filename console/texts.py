"""The console's Finnish texts that Python code shows (form errors, command-line prompts),
kept in console/messages.yml so that staff can read and correct them. Page texts are in the
templates."""

from __future__ import annotations

from pathlib import Path

from knowledge_base.texts import Texts

MESSAGES_FILE = Path(__file__).with_name("messages.yml")
_TEXTS = Texts(MESSAGES_FILE)
text = _TEXTS.text
say = _TEXTS.say
