"""The knowledge base: regions, municipalities, contacts, projects and places.

Staff edit the YAML files in `knowledge/`; this module loads them, checks them
against a schema and cross-references, and answers look-ups. A broken file stops
the action server at start-up with a message that names the file and the entry.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import os
import re
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Tuple

import jsonschema
import yaml

from actions.finnish import analyses, fold, words
from actions.places import NameEntry, NameMatcher, Place, PlaceName, PlaceRecognizer

DEFAULT_DIR = Path(__file__).resolve().parent.parent / "knowledge"

PHONE_RE = re.compile(r"^(\+358 ?|0)\d{1,3}( ?\d{2,4}){1,3}$")
EMAIL_RE = re.compile(r"^[a-z0-9._%+-]+@[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}$")
ROLE_WORDS = (
    "muutosagentti", "koordinaattori", "hankepäällikkö", "projektityöntekijä",
    "hanketyöntekijä", "puheenjohtaja", "johtaja", "yhteyshenkilö",
)
ROLE_ALIASES = {"pj": "puheenjohtaja", "koordinaattoori": "koordinaattori"}

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
                    "required": ["id", "name", "role", "organisation", "region", "project",
                                 "source", "valid", "checked"],
                    "anyOf": [{"required": ["phone"]}, {"required": ["email"]}],
                    "additionalProperties": False,
                    "properties": {
                        "id": {"type": "string", "pattern": "^[a-z0-9-]+$"},
                        "name": _TEXT,
                        "role": _TEXT,
                        "organisation": _TEXT,
                        "region": _TEXT,
                        "project": _TEXT,
                        "phone": {"type": "array", "minItems": 1,
                                  "items": {"type": "string", "pattern": PHONE_RE.pattern}},
                        "email": {"type": "string", "pattern": EMAIL_RE.pattern},
                        "primary": {"type": "boolean"},
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
                    "required": ["id", "name", "aliases", "organisation", "region", "period",
                                 "source"],
                    "additionalProperties": False,
                    "properties": {
                        "id": {"type": "string", "pattern": "^[a-z0-9-]+$"},
                        "name": _TEXT,
                        "aliases": {"type": "array", "items": _TEXT},
                        "organisation": _TEXT,
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
                    "required": ["id", "name", "kind", "municipality", "source", "valid",
                                 "checked"],
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


class KnowledgeBaseError(ValueError):
    """The knowledge base files are broken; the message lists every problem."""

    def __init__(self, problems: List[str]):
        super().__init__("Knowledge base is invalid:\n" + "\n".join(f"- {p}" for p in problems))
        self.problems = problems


@dataclasses.dataclass(frozen=True)
class Period:
    start: dt.date
    until: dt.date

    @property
    def years(self) -> str:
        """"2019" or "2019–2021", the way the answers name a period."""
        if self.start.year == self.until.year:
            return str(self.start.year)
        return f"{self.start.year}–{self.until.year}"

    def ended(self, today: Optional[dt.date] = None) -> bool:
        return self.until < (today or dt.date.today())


@dataclasses.dataclass(frozen=True)
class Region:
    id: str
    name: str
    in_form: str
    covered: bool
    municipalities: Tuple[str, ...]


@dataclasses.dataclass(frozen=True)
class Municipality:
    name: str
    in_form: str
    region: str
    ambiguous: bool = False


@dataclasses.dataclass(frozen=True)
class Project:
    id: str
    name: str
    aliases: Tuple[str, ...]
    organisation: str
    region: str
    period: Period
    source: str


@dataclasses.dataclass(frozen=True)
class Contact:
    id: str
    name: str
    role: str
    organisation: str
    region: str
    project: str
    phones: Tuple[str, ...]
    email: Optional[str]
    primary: bool
    source: str
    valid: Period
    checked: dt.date


@dataclasses.dataclass(frozen=True)
class LocalPlace:
    id: str
    name: str
    kind: str
    municipality: str
    note: Optional[str]
    source: str
    valid: Period
    checked: dt.date


def _period(raw: Dict[str, Any]) -> Period:
    return Period(_date(raw["from"]), _date(raw["until"]))


def _date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _squash(text: str) -> str:
    """Folded text without spaces, hyphens or punctuation, for matching multi-word names."""
    return re.sub(r"[\W_]+", "", fold(text))


def _surname_stems(surname: str) -> Tuple[str, ...]:
    folded = fold(surname)
    if folded.endswith("nen"):
        return (folded, folded[:-3] + "se", folded[:-3] + "s")
    return (folded,)


class KnowledgeBase:
    def __init__(self, regions: List[Region], municipalities: Dict[str, Municipality],
                 contacts: List[Contact], projects: Dict[str, Project],
                 places: List[LocalPlace]):
        self.regions = {region.id: region for region in regions}
        self.municipalities = municipalities
        self.contacts = contacts
        self.projects = projects
        self.places = places
        self._region_by_name = {region.name: region for region in regions}
        self.places_recognizer = PlaceRecognizer(
            [PlaceName(m.name, m.in_form, m.ambiguous) for m in municipalities.values()],
            [PlaceName(r.name, r.in_form) for r in regions],
        )
        surnames: Dict[str, List[str]] = {}
        for contact in contacts:
            surnames.setdefault(contact.name.split()[-1], []).append(contact.id)
        self._surnames = surnames
        self._surname_matcher = NameMatcher(
            NameEntry(surname, _surname_stems(surname), self._is_common_word(surname))
            for surname in surnames
        )

    # -- look-ups ---------------------------------------------------------------------

    def region_of(self, municipality: str) -> Region:
        return self.regions[self.municipalities[municipality].region]

    def region_named(self, name: str) -> Optional[Region]:
        return self._region_by_name.get(name)

    def primary_contacts(self, region_id: str) -> List[Contact]:
        return [c for c in self.contacts if c.region == region_id and c.primary]

    def project_contacts(self, project_id: str) -> List[Contact]:
        return [c for c in self.contacts if c.project == project_id]

    def places_in(self, municipality: str, kinds: Iterable[str] = ()) -> List[LocalPlace]:
        kinds = tuple(kinds)
        return [p for p in self.places
                if p.municipality == municipality and (not kinds or p.kind in kinds)]

    # -- recognition in free text -------------------------------------------------------

    def find_places(self, text: str) -> Tuple[Place, ...]:
        return self.places_recognizer.find(text)

    def find_people(self, text: str) -> List[Contact]:
        """Contacts named in the text by surname (any case form) or full name."""
        tokens = words(text)
        found: List[str] = []
        for index, (word, _start, _end) in enumerate(tokens):
            surname = self._surname_matcher.match(word)
            if not surname:
                continue
            ids = self._surnames[surname]
            previous = fold(tokens[index - 1][0]) if index else ""
            with_first_name = [i for i in ids if fold(self.contact(i).name.split()[0]) == previous
                               or fold(self.contact(i).name.split()[0]).startswith(previous + "-")]
            if with_first_name:
                ids = with_first_name
            for contact_id in ids:
                if contact_id not in found:
                    found.append(contact_id)
        return [self.contact(i) for i in found]

    def find_projects(self, text: str) -> List[Project]:
        squashed = _squash(text)
        return [p for p in self.projects.values()
                if any(_squash(alias) in squashed for alias in p.aliases + (p.name,))]

    def find_roles(self, text: str) -> List[str]:
        """Role words in the text in base form, most specific first ("perhekeskuskoordinaattori")."""
        roles = []
        for word, _start, _end in words(text):
            candidates = [fold(b) for b, _c in analyses(word)] + [fold(word)]
            for candidate in candidates:
                candidate = ROLE_ALIASES.get(candidate, candidate)
                if any(candidate.endswith(fold(r)) for r in ROLE_WORDS):
                    roles.append(candidate)
                    break
        return roles

    def contacts_with_role(self, role: str, region_id: Optional[str] = None) -> List[Contact]:
        role = fold(role)
        pool = [c for c in self.contacts if region_id is None or c.region == region_id]
        exact = [c for c in pool if role in fold(c.role)]
        if exact:
            return exact
        generic = [fold(r) for r in ROLE_WORDS if role.endswith(fold(r))]
        return [c for c in pool if any(g in fold(c.role) for g in generic)]

    def contact(self, contact_id: str) -> Contact:
        return next(c for c in self.contacts if c.id == contact_id)

    @staticmethod
    def _is_common_word(name: str) -> bool:
        return any(cls in ("nimisana", "laatusana", "teonsana") for _b, cls in analyses(name))


# -- loading ---------------------------------------------------------------------------


def _read(directory: Path, name: str, problems: List[str]) -> Dict[str, Any]:
    path = directory / name
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        problems.append(f"{path}: file is missing")
        return {}
    except yaml.YAMLError as error:
        problems.append(f"{path}: not valid YAML: {error}")
        return {}
    validator = jsonschema.Draft7Validator(SCHEMAS[name], format_checker=jsonschema.FormatChecker())
    for error in sorted(validator.iter_errors(_dates_as_text(data)), key=lambda e: list(e.path)):
        where = "/".join(str(p) for p in error.path) or "(top level)"
        problems.append(f"{path}: {where}: {error.message}")
    return data if isinstance(data, dict) else {}


def _dates_as_text(value: Any) -> Any:
    """YAML reads 2019-01-01 as a date; the schema checks dates as ISO text."""
    if isinstance(value, dict):
        return {k: _dates_as_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_dates_as_text(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def load(directory: Optional[Path] = None) -> KnowledgeBase:
    """Loads and validates the knowledge base; raises KnowledgeBaseError listing every problem."""
    directory = Path(directory or os.environ.get("PERHENEUVO_KNOWLEDGE_DIR") or DEFAULT_DIR)
    problems: List[str] = []
    raw = {name: _read(directory, name, problems) for name in SCHEMAS}
    if problems:
        raise KnowledgeBaseError(problems)

    regions, municipalities = [], {}
    for region in raw["municipalities.yml"]["regions"]:
        names = []
        for item in region["municipalities"]:
            if item["name"] in municipalities:
                problems.append(f"municipalities.yml: {item['name']} is listed in two regions "
                                f"({municipalities[item['name']].region} and {region['id']})")
                continue
            municipalities[item["name"]] = Municipality(
                item["name"], item["in"], region["id"], item.get("ambiguous", False))
            names.append(item["name"])
        regions.append(Region(region["id"], region["name"], region["in"], region["covered"],
                              tuple(names)))
    region_ids = {r.id for r in regions}
    covered = {r.id for r in regions if r.covered}

    projects = {}
    for item in raw["projects.yml"]["projects"]:
        if item["region"] not in covered:
            problems.append(f"projects.yml: {item['id']}: unknown or uncovered region {item['region']}")
        projects[item["id"]] = Project(item["id"], item["name"], tuple(item["aliases"]),
                                       item["organisation"], item["region"],
                                       _period(item["period"]), item["source"])

    contacts = []
    for item in raw["contacts.yml"]["contacts"]:
        if item["region"] not in region_ids:
            problems.append(f"contacts.yml: {item['id']}: unknown region {item['region']}")
        if item["project"] not in projects:
            problems.append(f"contacts.yml: {item['id']}: unknown project {item['project']}")
        contacts.append(Contact(
            item["id"], item["name"], item["role"], item["organisation"], item["region"],
            item["project"], tuple(item.get("phone", ())), item.get("email"),
            item.get("primary", False), item["source"], _period(item["valid"]),
            _date(item["checked"])))

    places = []
    for item in raw["places.yml"]["places"]:
        if item["municipality"] not in municipalities:
            problems.append(f"places.yml: {item['id']}: unknown municipality {item['municipality']}")
        places.append(LocalPlace(item["id"], item["name"], item["kind"], item["municipality"],
                                 item.get("note"), item["source"], _period(item["valid"]),
                                 _date(item["checked"])))

    for kind, ids in (("contacts", [c.id for c in contacts]), ("projects", list(projects)),
                      ("places", [p.id for p in places])):
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            problems.append(f"{kind}.yml: duplicate ids {', '.join(duplicates)}")
    if problems:
        raise KnowledgeBaseError(problems)
    return KnowledgeBase(regions, municipalities, contacts, projects, places)


@functools.lru_cache(maxsize=None)
def shared(directory: Optional[str] = None) -> KnowledgeBase:
    """One loaded knowledge base per process and directory."""
    return load(Path(directory) if directory else None)
