"""The to-do list: each region's people, places and projects whose validity has ended or that
nobody has checked for 12 months (or ever). The same limits as `make check`'s warnings
(knowledge_base.rules); a project's period is when it ran, so only its checking counts."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Dict, List

from console.knowledge.store import KINDS, Entry, read
from console.knowledge.texts import say
from knowledge_base import rules
from staff.project import Project


@dataclasses.dataclass(frozen=True)
class Task:
    entry: Entry
    version: str  # of the entry's file, for the "checked today" button
    reasons: List[str]


@dataclasses.dataclass(frozen=True)
class RegionTasks:
    region: str  # id; "" when the entry's region cannot be told
    name: str
    tasks: List[Task]


def reasons(entry: Entry, today: dt.date) -> List[str]:
    found = []
    if entry.kind.may_end and entry.until and entry.until < today:
        found.append(say("todo.ended", date=rules.finnish_date(entry.until)))
    checked = entry.checked
    if checked is None:
        found.append(say("todo.never"))
    elif rules.needs_check(checked, today):
        found.append(say("todo.stale", date=rules.finnish_date(checked)))
    return found


def by_region(project: Project, today: dt.date) -> List[RegionTasks]:
    """The regions that have something to do, in the order of municipalities.yml."""
    grouped: Dict[str, List[Task]] = {}
    names: Dict[str, str] = {}
    for kind in KINDS.values():
        entries = read(project, kind)
        names = entries.regions
        for entry in entries.entries:
            why = reasons(entry, today)
            if why:
                grouped.setdefault(entry.region, []).append(Task(entry, entries.version, why))
    order = list(names) + sorted(r for r in grouped if r not in names)
    return [RegionTasks(r, names.get(r, r), grouped[r]) for r in order if r in grouped]
