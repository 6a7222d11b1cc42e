"""A draft's or a version's changes as staff read them, in Finnish: for a FAQ topic what
happened to its answer and its example questions; for other files the changed lines."""

from __future__ import annotations

import dataclasses
import difflib
import tempfile
from pathlib import Path
from typing import List, Optional, Tuple

from console.content import faq
from console.publishing.draft import FileChange
from knowledge_base.yaml_lines import YamlProblem
from staff.project import Project

KNOWLEDGE_NAMES = {
    "knowledge/contacts.yml": "Yhteystiedot",
    "knowledge/municipalities.yml": "Kunnat ja alueet",
    "knowledge/projects.yml": "Hankkeet",
    "knowledge/places.yml": "Kohtaamispaikat",
    "knowledge/safety.yml": "Turvallisuus",
}


@dataclasses.dataclass
class FileDiff:
    path: str
    title: str  # "Aihe erokahvila", "Yhteystiedot (knowledge/contacts.yml)"
    kind: str  # "added", "removed", "changed"
    answer: Optional[Tuple[str, str]] = None  # (before, after) of a FAQ answer
    title_change: Optional[Tuple[str, str]] = None
    examples_added: List[str] = dataclasses.field(default_factory=list)
    examples_removed: List[str] = dataclasses.field(default_factory=list)
    lines: List[Tuple[str, str]] = dataclasses.field(default_factory=list)  # ("-"/"+"/" ", text)

    @property
    def is_topic(self) -> bool:
        return self.answer is not None or bool(self.examples_added or self.examples_removed)


def describe(changes: List[FileChange]) -> List[FileDiff]:
    return [describe_one(change) for change in changes]


def describe_one(change: FileChange) -> FileDiff:
    topic = topic_name(change.path)
    if topic:
        described = _describe_topic(change, topic)
        if described:
            return described
    name = KNOWLEDGE_NAMES.get(change.path)
    title = f"{name} ({change.path})" if name else change.path
    return FileDiff(change.path, title, change.kind, lines=_lines(change))


def topic_diff(name: str, before: str, after: str) -> FileDiff:
    """Two versions of one topic's file (the concurrent-edit view)."""
    path = f"{faq.FAQ_DIR.as_posix()}/{name}.yml"
    change = FileChange(path, before.encode("utf-8"), after.encode("utf-8"))
    return describe_one(change)


def topic_name(path: str) -> str:
    prefix = faq.FAQ_DIR.as_posix() + "/"
    if path.startswith(prefix) and path.endswith(".yml") and "/" not in path[len(prefix) :]:
        return path[len(prefix) : -len(".yml")]
    return ""


def _read_topic(name: str, content: Optional[bytes]) -> Optional[faq.Topic]:
    if content is None:
        return None
    with tempfile.TemporaryDirectory(prefix="perheneuvo-diff-") as directory:
        path = Path(directory) / faq.FAQ_DIR / f"{name}.yml"
        path.parent.mkdir(parents=True)
        path.write_bytes(content)
        try:
            return faq.read_topic(Project(Path(directory)), name)
        except (YamlProblem, faq.TopicNotFound, ValueError):
            return None


def _describe_topic(change: FileChange, name: str) -> Optional[FileDiff]:
    before, after = _read_topic(name, change.before), _read_topic(name, change.after)
    if (change.before is not None and before is None) or (
        change.after is not None and after is None
    ):
        return None  # a file that is not a readable topic: shown line by line
    old_examples = list(before.examples) if before else []
    new_examples = list(after.examples) if after else []
    diff = FileDiff(
        change.path,
        f"Aihe {name}",
        change.kind,
        examples_added=[e for e in new_examples if e not in old_examples],
        examples_removed=[e for e in old_examples if e not in new_examples],
    )
    old_answer, new_answer = (before.answer if before else ""), (after.answer if after else "")
    if old_answer != new_answer:
        diff.answer = (old_answer, new_answer)
    old_title, new_title = (before.title if before else ""), (after.title if after else "")
    if old_title != new_title:
        diff.title_change = (old_title, new_title)
    if not (diff.answer or diff.title_change or diff.examples_added or diff.examples_removed):
        diff.lines = _lines(change)  # comments or the order of examples
    return diff


def _lines(change: FileChange) -> List[Tuple[str, str]]:
    before = (change.before or b"").decode("utf-8", errors="replace").splitlines()
    after = (change.after or b"").decode("utf-8", errors="replace").splitlines()
    out: List[Tuple[str, str]] = []
    for group in difflib.SequenceMatcher(None, before, after, autojunk=False).get_grouped_opcodes(
        2
    ):
        if out:
            out.append(("…", ""))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                out += [(" ", line) for line in before[i1:i2]]
            else:
                out += [("-", line) for line in before[i1:i2]]
                out += [("+", line) for line in after[j1:j2]]
    return out
