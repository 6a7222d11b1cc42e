"""Builds the knowledge base from the files in a knowledge directory, all or nothing: files
with any error never become a KnowledgeBase (KnowledgeBaseError lists the problems)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any, Dict, Optional

from knowledge_base import rules
from knowledge_base.base import (
    Contact,
    KnowledgeBase,
    LocalPlace,
    Municipality,
    Period,
    Project,
    Region,
)
from knowledge_base.problems import KnowledgeBaseError
from knowledge_base.safety import compile_patterns
from knowledge_base.validation import Validated, validate

DEFAULT_DIR = Path(__file__).resolve().parent.parent / "knowledge"
DIRECTORY_ENV = "PERHENEUVO_KNOWLEDGE_DIR"


def knowledge_dir(directory: Optional[Path] = None) -> Path:
    """The given directory, else PERHENEUVO_KNOWLEDGE_DIR, else the project's knowledge/."""
    return Path(directory or os.environ.get(DIRECTORY_ENV) or DEFAULT_DIR)


def load(directory: Optional[Path] = None) -> KnowledgeBase:
    """Loads and validates the knowledge base; KnowledgeBaseError lists every error."""
    return build(validate(knowledge_dir(directory)))


def build(validated: Validated) -> KnowledgeBase:
    if not validated.usable:
        raise KnowledgeBaseError(validated.problems)
    raw = validated.documents
    regions, municipalities = [], {}
    for region in raw["municipalities.yml"]["regions"]:
        names = []
        for item in region["municipalities"]:
            municipalities[item["name"]] = Municipality(
                item["name"], item["in"], region["id"], item.get("ambiguous", False)
            )
            names.append(item["name"])
        regions.append(
            Region(
                region["id"],
                region["name"],
                region["in"],
                region["covered"],
                tuple(names),
                region.get("often_meant"),
            )
        )
    projects = {
        item["id"]: Project(
            item["id"],
            item["name"],
            tuple(item["aliases"]),
            item["organisation"],
            item["region"],
            _period(item["period"]),
            item["source"],
            tuple(item.get("organisation_aliases") or ()),
            _checked(item),
        )
        for item in raw["projects.yml"]["projects"]
    }
    contacts = [
        Contact(
            item["id"],
            item["name"],
            item["role"],
            item["organisation"],
            item["region"],
            item["project"],
            tuple(item.get("phone", ())),
            item.get("email"),
            item.get("primary", False),
            item["source"],
            _period(item["valid"]),
            _checked(item),
            tuple(item.get("fields") or ()),
        )
        for item in raw["contacts.yml"]["contacts"]
    ]
    places = [
        LocalPlace(
            item["id"],
            item["name"],
            item["kind"],
            item["municipality"],
            item.get("note"),
            item["source"],
            _period(item["valid"]),
            _checked(item),
        )
        for item in raw["places.yml"]["places"]
    ]
    safety = raw["safety.yml"]
    return KnowledgeBase(
        regions,
        municipalities,
        contacts,
        projects,
        places,
        safety=compile_patterns(safety),
        local_help=safety.get("local_help") or {},
        version=validated.version,
    )


def _period(raw: Dict[str, Any]) -> Period:
    return Period(_date(raw["from"]), _date(raw["until"]))


def _checked(item: Dict[str, Any]) -> Optional[dt.date]:
    return _date(item["checked"]) if "checked" in item else None


def _date(value: Any) -> dt.date:
    day = rules.parse_date(value)
    if day is None:  # validation has checked every date
        raise ValueError(f"not a date: {value!r}")
    return day
