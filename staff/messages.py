"""The tool's Finnish texts, kept in messages.yml so that staff can read and correct them."""
from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, Dict

import yaml

MESSAGES_FILE = Path(__file__).with_name("messages.yml")


@functools.lru_cache(maxsize=1)
def messages() -> Dict[str, Any]:
    return yaml.safe_load(MESSAGES_FILE.read_text(encoding="utf-8"))


def text(key: str) -> Any:
    """The entry at a dotted key ("check.summary"); a missing key is a programming error."""
    value: Any = messages()
    for part in key.split("."):
        value = value[part]
    return value


def say(key: str, **values: Any) -> str:
    """The message at `key` with its {placeholders} filled in."""
    return str(text(key)).format(**values).rstrip("\n")
