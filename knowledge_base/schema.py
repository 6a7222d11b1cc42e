"""The JSON schemas of the knowledge base files: which fields an entry has and of what type.
The form of phone numbers, e-mail addresses and dates is checked by `rules`; cross-references
(a contact's project, a place's municipality) by `validation`."""

from __future__ import annotations

from typing import Any, Dict, Optional

_DATE = {"type": "string", "format": "date"}
_PERIOD = {
    "type": "object",
    "required": ["from", "until"],
    "additionalProperties": False,
    "properties": {"from": _DATE, "until": _DATE},
}
_TEXT = {"type": "string", "minLength": 1}
_TEXTS = {"type": "array", "items": _TEXT}
_ID = {"type": "string", "pattern": "^[a-z0-9-]+$"}
# Where a fact comes from, and when it is known to hold.
_VALIDITY = {"source": _TEXT, "valid": _PERIOD}
# When someone last checked an entry (optional: an entry without it counts as unchecked; its
# form is checked by validation, which says it better).
_CHECKED = {"checked": _DATE}


def _entries(
    key: str, fields: Dict[str, Any], optional: Optional[Dict[str, Any]] = None, closed: bool = True
) -> Dict[str, Any]:
    """A file holding a list `key` of entries that must have `fields` and may have `optional`."""
    entry: Dict[str, Any] = {
        "type": "object",
        "required": list(fields),
        "properties": {**fields, **(optional or {})},
    }
    if closed:
        entry["additionalProperties"] = False
    return {
        "type": "object",
        "required": [key],
        "properties": {key: {"type": "array", "items": entry}},
    }


_MUNICIPALITY = {
    "type": "object",
    "required": ["name", "in"],
    "properties": {"name": _TEXT, "in": _TEXT, "sv": _TEXT, "ambiguous": {"type": "boolean"}},
}

SCHEMAS: Dict[str, Dict[str, Any]] = {
    "municipalities.yml": _entries(
        "regions",
        {
            "id": {"type": "string", "pattern": "^[a-z-]+$"},
            "name": _TEXT,
            "in": _TEXT,
            "covered": {"type": "boolean"},
            "municipalities": {"type": "array", "minItems": 1, "items": _MUNICIPALITY},
        },
        # a covered region people often mean by this one's name ("Pohjanmaa" in Seinäjoki)
        {"often_meant": {"type": "string", "pattern": "^[a-z-]+$"}},
        closed=False,
    ),
    "contacts.yml": _entries(
        "contacts",
        {
            "id": _ID,
            "name": _TEXT,
            "role": _TEXT,
            "organisation": _TEXT,
            "region": _TEXT,
            "project": _TEXT,
            **_VALIDITY,
        },
        {
            # the form of numbers and addresses: rules.is_phone, rules.is_email
            "phone": {"type": "array", "minItems": 1, "items": {"type": "string"}},
            "email": {"type": "string"},
            "primary": {"type": "boolean"},
            "fields": _TEXTS,
            **_CHECKED,
        },
    ),
    "projects.yml": _entries(
        "projects",
        {
            "id": _ID,
            "name": _TEXT,
            "aliases": _TEXTS,
            "organisation": _TEXT,
            "region": _TEXT,
            "period": _PERIOD,
            "source": _TEXT,
        },
        {"organisation_aliases": _TEXTS, **_CHECKED},
    ),
    "places.yml": _entries(
        "places",
        {
            "id": _ID,
            "name": _TEXT,
            "kind": {"enum": ["perheneuvo", "kohtaamispaikka", "perhetalo"]},
            "municipality": _TEXT,
            **_VALIDITY,
        },
        {"note": _TEXT, **_CHECKED},
    ),
    "safety.yml": {
        "type": "object",
        "required": ["categories"],
        "properties": {
            "ignore": _TEXTS,
            "categories": {
                "type": "object",
                "minProperties": 1,
                "additionalProperties": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "required": ["any"],
                        "additionalProperties": False,
                        "properties": {
                            "any": {"type": "array", "minItems": 1, "items": _TEXT},
                            "with": _TEXTS,
                        },
                    },
                },
            },
            "local_help": {"type": "object", "additionalProperties": _TEXT},
            "child_voice": _TEXTS,
        },
    },
}
