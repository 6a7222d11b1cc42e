"""Masks personal data (henkilötunnus, e-mail, phone numbers) in what users write.

The kinds, their labels and patterns are in bot/privacy.yml, where they can be reviewed.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any, List, Tuple

import yaml

RULES_FILE = Path(__file__).with_name("privacy.yml")


@functools.lru_cache(maxsize=1)
def masks() -> List[Tuple[str, re.Pattern, str]]:
    """(kind, pattern, label) for each kind of personal data in bot/privacy.yml, in order."""
    data = yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))
    return [
        (kind, re.compile(rule["pattern"]), rule["label"]) for kind, rule in data["masks"].items()
    ]


# Every kind needs a digit or an e-mail sign: most texts are passed over with one search.
_MAYBE_PERSONAL = re.compile(r"\d|@|\(at\)|\[at\]", re.IGNORECASE)


def mask_personal_data(text: str) -> str:
    """`text` with every henkilötunnus, e-mail address and phone number replaced by a label."""
    if not _MAYBE_PERSONAL.search(text):
        return text
    for _kind, pattern, label in masks():
        text = pattern.sub(label, text)
    return text


def mask_values(value: Any) -> Any:
    """Masks every string inside `value` (nested dicts and lists included)."""
    if isinstance(value, str):
        return mask_personal_data(value)
    if isinstance(value, dict):
        return {key: mask_values(item) for key, item in value.items()}
    if isinstance(value, list):
        return [mask_values(item) for item in value]
    return value
