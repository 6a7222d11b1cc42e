"""What the front end itself says to a family (texts.yml); Rasa says everything else."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, Dict

import yaml

TEXTS_FILE = Path(__file__).with_name("texts.yml")


@dataclasses.dataclass(frozen=True)
class Texts:
    start: str  # greeting and the one-paragraph privacy notice (/start)
    help: str  # what the bot can do (/apua)
    privacy: str  # what is kept and for how long (/tietosuoja)
    forgotten: str  # the conversation was reset (/poista)
    text_only: str  # a photo, voice message, sticker, document, location ...
    edited: str  # an edited message
    unknown_command: str
    throttled: str  # the first message over the flood limit
    unavailable: str  # Rasa unreachable, slow or broken: apology with 112
    no_answer: str  # Rasa answered with nothing
    button_expired: str  # a button whose payload is no longer remembered
    buttons_prompt: str  # text of a keyboard-only reply
    chosen: str  # appended to a message whose button was pressed; {choice}
    helpful: str  # the "was this helpful?" buttons under an answer
    not_helpful: str
    rated: str  # appended to a rated answer; {rating} is the pressed button's title
    feedback_thanks: str  # the pop-up after a rating
    comment_prompt: str  # after "not helpful": a reply to this message is a comment
    comment_thanks: str


def load_texts(path: Path = TEXTS_FILE) -> Texts:
    data: Dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    fields = {field.name for field in dataclasses.fields(Texts)}
    missing = sorted(fields - set(data))
    if missing:
        raise ValueError(f"{path}: missing texts: {', '.join(missing)}")
    values = {}
    for name in fields:
        value = data[name]
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"{path}: text {name!r} must be a non-empty string")
        values[name] = value.strip()
    return Texts(**values)
