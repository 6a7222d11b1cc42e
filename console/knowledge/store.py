"""The people, places and projects of knowledge/*.yml as the console reads, checks and writes
them. A change is made in the file's own text (yaml_entries), checked with every rule of
`make check` over the whole knowledge set on a staged copy of the project, and only then
written in one step; a file changed since the editor opened it is never overwritten."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import threading
from typing import Any, Dict, List, Optional, Sequence, Tuple

import yaml

from console.knowledge import yaml_entries
from knowledge_base import rules
from knowledge_base.problems import ERROR, Problem
from knowledge_base.validation import FILES, label, read_texts, validate
from staff.project import Project
from staff.safe_write import atomic_write, staged_copy


@dataclasses.dataclass(frozen=True)
class Kind:
    """One kind of entry: where it is kept and what its fields are."""

    slug: str  # the console's URL part: "yhteystiedot"
    file: str  # "contacts.yml"
    key: str  # the list in the file: "contacts"
    period: str  # the field of the period: "valid" (when the fact holds) or "period" (ran)
    order: Tuple[str, ...]  # the fields in their usual order
    lists: Tuple[str, ...] = ()  # fields holding a list of texts
    flags: Tuple[str, ...] = ()  # true/false fields
    may_add: bool = True
    may_end: bool = True  # whether "no longer valid from" applies (not to a project's period)

    @property
    def fields(self) -> Tuple[str, ...]:
        """The fields the console edits (`id` is fixed once an entry exists)."""
        return tuple(f for f in self.order if f != "id")


CONTACTS = Kind(
    "yhteystiedot",
    "contacts.yml",
    "contacts",
    "valid",
    (
        "id",
        "name",
        "role",
        "fields",
        "organisation",
        "region",
        "project",
        "phone",
        "email",
        "primary",
        "source",
        "valid",
        "checked",
    ),
    lists=("fields", "phone"),
    flags=("primary",),
)
PLACES = Kind(
    "paikat",
    "places.yml",
    "places",
    "valid",
    ("id", "name", "kind", "municipality", "note", "source", "valid", "checked"),
)
PROJECTS = Kind(
    "hankkeet",
    "projects.yml",
    "projects",
    "period",
    (
        "id",
        "name",
        "aliases",
        "organisation",
        "organisation_aliases",
        "region",
        "period",
        "source",
        "checked",
    ),
    lists=("aliases", "organisation_aliases"),
    may_add=False,
    may_end=False,
)
KINDS: Dict[str, Kind] = {kind.slug: kind for kind in (CONTACTS, PLACES, PROJECTS)}

# One save at a time in this process: check and write must not interleave.
SAVING = threading.Lock()


class EntryNotFound(Exception):
    pass


class ChangedMeanwhile(Exception):
    """The file changed after the editor opened it; `current` is the entry now (None when it
    is gone)."""

    def __init__(self, current: Optional[Dict[str, Any]], version: str):
        super().__init__("changed meanwhile")
        self.current = current
        self.version = version


@dataclasses.dataclass(frozen=True)
class Entry:
    kind: Kind
    index: int
    data: Dict[str, Any]
    region: str  # the region id the entry belongs to ("" when it cannot be told)

    @property
    def id(self) -> str:
        return str(self.data.get("id", ""))

    @property
    def name(self) -> str:
        return label(self.data)

    @property
    def checked(self) -> Optional[dt.date]:
        return rules.checked_date(self.data.get("checked"))

    @property
    def until(self) -> Optional[dt.date]:
        period = self.data.get(self.kind.period)
        return rules.parse_date(period.get("until")) if isinstance(period, dict) else None


@dataclasses.dataclass(frozen=True)
class Entries:
    """A file as read: its entries, and the hash of its text that a save compares."""

    kind: Kind
    source: str
    version: str
    entries: List[Entry]
    regions: Dict[str, str]  # region id -> name, in the file's order

    def get(self, entry_id: str) -> Entry:
        for entry in self.entries:
            if entry.id == entry_id:
                return entry
        raise EntryNotFound(entry_id)


@dataclasses.dataclass(frozen=True)
class Outcome:
    """What a change would do: the errors it brings (nothing is written then), and the
    warnings the entry has after it."""

    errors: List[Problem]
    warnings: List[Problem]
    written: bool


def version_of(source: str) -> str:
    return hashlib.sha256(source.encode("utf-8")).hexdigest()


def municipality_regions(project: Project) -> Tuple[Dict[str, str], Dict[str, str]]:
    """(region id -> name, municipality -> region id) from municipalities.yml."""
    path = project.knowledge_dir / "municipalities.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    names, of = {}, {}
    for region in data.get("regions") or []:
        names[str(region["id"])] = str(region.get("name", region["id"]))
        for item in region.get("municipalities") or []:
            if isinstance(item, dict) and item.get("name"):
                of[str(item["name"])] = str(region["id"])
    return names, of


def read(project: Project, kind: Kind) -> Entries:
    source = (project.knowledge_dir / kind.file).read_text(encoding="utf-8")
    data = yaml.safe_load(source) or {}
    names, municipality_region = municipality_regions(project)
    entries = []
    for index, item in enumerate(data.get(kind.key) or []):
        if not isinstance(item, dict):
            continue
        region = (
            municipality_region.get(str(item.get("municipality", "")), "")
            if kind is PLACES
            else str(item.get("region", ""))
        )
        entries.append(Entry(kind, index, item, region))
    return Entries(kind, source, version_of(source), entries, names)


def check_and_save(
    project: Project,
    kind: Kind,
    version: str,
    entry: Dict[str, Any],
    index: Optional[int] = None,
    today: Optional[dt.date] = None,
) -> Outcome:
    """Changes entry `index` (None: adds `entry` at the end) if the file is still `version`
    and the whole knowledge set has no new error after the change. Call it under SAVING."""
    today = today or dt.date.today()
    path = project.knowledge_dir / kind.file
    source = path.read_text(encoding="utf-8")
    data = yaml.safe_load(source) or {}
    if version_of(source) != version:
        raise _changed(source, kind, index)
    if index is None:
        changed = yaml_entries.append_entry(source, kind.key, entry, kind.order)
        index = len(data[kind.key])
    else:
        changed = yaml_entries.replace_entry(source, kind.key, index, entry, kind.order)
    texts = read_texts(project.knowledge_dir)
    before = validate(project.knowledge_dir, today).problems
    with staged_copy(project) as staged:
        staged.knowledge_dir.mkdir(parents=True, exist_ok=True)
        for name in FILES:  # the knowledge the servers read, wherever that is
            text = changed if name == kind.file else texts[name]
            if text is not None:
                (staged.knowledge_dir / name).write_text(text, encoding="utf-8")
        after = validate(staged.knowledge_dir, today).problems
    mine = [p for p in after if _is_of(p, kind, index, entry)]
    known = {_key(p) for p in before if p.level == ERROR}
    new_errors = [p for p in after if p.level == ERROR and (p in mine or _key(p) not in known)]
    warnings = [p for p in mine if p.level != ERROR]
    if new_errors:
        return Outcome(new_errors, warnings, False)
    now = path.read_text(encoding="utf-8")
    if version_of(now) != version:  # changed while this change was checked
        raise _changed(now, kind, index if len(data[kind.key]) > index else None)
    atomic_write(path, changed)
    return Outcome([], warnings, True)


def problems_of(project: Project, entry: Entry, today: dt.date) -> List[Problem]:
    """What `make check` says about one entry now (its warnings, and errors if any)."""
    problems = validate(project.knowledge_dir, today).problems
    return [p for p in problems if _is_of(p, entry.kind, entry.index, entry.data)]


def field_of(problem: Problem, kind: Kind) -> str:
    """The form field a problem belongs to ("" for the entry as a whole)."""
    if problem.code == "duplicate_ids":
        return "id"
    parts = problem.field.split("/")[2:] if problem.field else []
    if not parts:
        return {"no_source": "source", "no_period": f"{kind.period}_from"}.get(problem.code, "")
    name = parts[0]
    if name == kind.period:
        return (
            f"{name}_{parts[1]}"
            if len(parts) > 1 and parts[1] in ("from", "until")
            else (f"{name}_from")
        )
    return name if name in kind.order else ""


def changes(before: Dict[str, Any], after: Dict[str, Any], fields: Sequence[str]) -> Dict[str, Any]:
    """The fields that differ, as text, for the audit log and the conflict message."""
    return {
        f: {"before": as_text(before.get(f)), "after": as_text(after.get(f))}
        for f in fields
        if before.get(f) != after.get(f)
    }


def as_text(value: Any) -> str:
    """A field's value the way the console shows it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "kyllä" if value else "ei"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return ", ".join(as_text(v) for v in value)
    if isinstance(value, dict):
        return " – ".join(as_text(v) for v in value.values())
    return str(value)


def _changed(source: str, kind: Kind, index: Optional[int]) -> ChangedMeanwhile:
    entries = (yaml.safe_load(source) or {}).get(kind.key) or []
    current = entries[index] if index is not None and index < len(entries) else None
    return ChangedMeanwhile(current if isinstance(current, dict) else None, version_of(source))


def _is_of(problem: Problem, kind: Kind, index: int, entry: Dict[str, Any]) -> bool:
    if problem.file != kind.file:
        return False
    if problem.code == "duplicate_ids":
        return str(entry.get("id")) in problem.message
    return problem.field == f"{kind.key}/{index}" or problem.field.startswith(
        f"{kind.key}/{index}/"
    )


def _key(problem: Problem) -> Tuple[str, str, str]:
    return problem.code, problem.file, problem.message
