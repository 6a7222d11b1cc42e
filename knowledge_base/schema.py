"""The JSON schemas of the knowledge base files: which fields an entry has and of what type.
The form of phone numbers, e-mail addresses and dates is checked by `rules`; cross-references
(a contact's project, a place's municipality) by `validation`."""

from __future__ import annotations

from typing import Any, Dict

_DATE = {"type": "string", "format": "date"}
_PERIOD = {
    "type": "object",
    "required": ["from", "until"],
    "additionalProperties": False,
    "properties": {"from": _DATE, "until": _DATE},
}
_TEXT = {"type": "string", "minLength": 1}
SCHEMAS: Dict[str, Dict[str, Any]] = {
    "municipalities.yml": {
        "type": "object",
        "required": ["regions"],
        "properties": {
            "regions": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["id", "name", "in", "covered", "municipalities"],
                    "properties": {
                        "id": {"type": "string", "pattern": "^[a-z-]+$"},
                        "name": _TEXT,
                        "in": _TEXT,
                        "covered": {"type": "boolean"},
                        "municipalities": {
                            "type": "array",
                            "minItems": 1,
                            "items": {
                                "type": "object",
                                "required": ["name", "in"],
                                "properties": {
                                    "name": _TEXT,
                                    "in": _TEXT,
                                    "sv": _TEXT,
                                    "ambiguous": {"type": "boolean"},
                                },
                            },
                        },
                    },
                },
            }
        },
    },
    "contacts.yml": {
        "type": "object",
        "required": ["contacts"],
        "properties": {
            "contacts": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": [
                        "id",
                        "name",
                        "role",
                        "organisation",
                        "region",
                        "project",
                        "source",
                        "valid",
                        "checked",
                    ],
                    "additionalProperties": False,
                    "properties": {
                        "id": {"type": "string", "pattern": "^[a-z0-9-]+$"},
                        "name": _TEXT,
                        "role": _TEXT,
                        "organisation": _TEXT,
                        "region": _TEXT,
                        "project": _TEXT,
                        # the form of numbers and addresses: rules.is_phone, rules.is_email
                        "phone": {"type": "array", "minItems": 1, "items": {"type": "string"}},
                        "email": {"type": "string"},
                        "primary": {"type": "boolean"},
                        "fields": {"type": "array", "items": _TEXT},
                        "source": _TEXT,
                        "valid": _PERIOD,
                        "checked": _DATE,
                    },
                },
            }
        },
    },
    "projects.yml": {
        "type": "object",
        "required": ["projects"],
        "properties": {
            "projects": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": [
                        "id",
                        "name",
                        "aliases",
                        "organisation",
                        "region",
                        "period",
                        "source",
                    ],
                    "additionalProperties": False,
                    "properties": {
                        "id": {"type": "string", "pattern": "^[a-z0-9-]+$"},
                        "name": _TEXT,
                        "aliases": {"type": "array", "items": _TEXT},
                        "organisation": _TEXT,
                        "organisation_aliases": {"type": "array", "items": _TEXT},
                        "region": _TEXT,
                        "period": _PERIOD,
                        "source": _TEXT,
                    },
                },
            }
        },
    },
    "places.yml": {
        "type": "object",
        "required": ["places"],
        "properties": {
            "places": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": [
                        "id",
                        "name",
                        "kind",
                        "municipality",
                        "source",
                        "valid",
                        "checked",
                    ],
                    "additionalProperties": False,
                    "properties": {
                        "id": {"type": "string", "pattern": "^[a-z0-9-]+$"},
                        "name": _TEXT,
                        "kind": {"enum": ["perheneuvo", "kohtaamispaikka", "perhetalo"]},
                        "municipality": _TEXT,
                        "note": _TEXT,
                        "source": _TEXT,
                        "valid": _PERIOD,
                        "checked": _DATE,
                    },
                },
            }
        },
    },
}


SAFETY_SCHEMA: Dict[str, Any] = {
    "type": "object",
    "required": ["categories"],
    "properties": {
        "ignore": {"type": "array", "items": _TEXT},
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
                        "with": {"type": "array", "items": _TEXT},
                    },
                },
            },
        },
        "local_help": {"type": "object", "additionalProperties": _TEXT},
        "child_voice": {"type": "array", "items": _TEXT},
    },
}
SCHEMAS["safety.yml"] = SAFETY_SCHEMA
