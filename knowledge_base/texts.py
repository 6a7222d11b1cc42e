"""Finnish texts kept in a YAML file, so that staff can read and correct them without code."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, Dict

import yaml


class Texts:
    def __init__(self, path: Path):
        self.path = path

    @functools.cached_property
    def entries(self) -> Dict[str, Any]:
        return yaml.safe_load(self.path.read_text(encoding="utf-8"))

    def text(self, key: str) -> Any:
        """The entry at a dotted key ("check.summary"); a missing key is a programming error."""
        value: Any = self.entries
        for part in key.split("."):
            value = value[part]
        return value

    def say(self, key: str, **values: Any) -> str:
        """The text at `key` with its {placeholders} filled in."""
        return str(self.text(key)).format(**values).rstrip("\n")
