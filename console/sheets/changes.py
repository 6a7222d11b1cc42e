"""What an uploaded workbook changes in the editing project, whether the project's checks
(`make check`: staff.checks and knowledge_base.validate) still pass with the change, on a
staged copy, and writing it.

A topic or person missing from the workbook is left as it is; the workbook does not add or
remove topics or people. A topic's title is shown in the workbook but not taken from it."""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import hashlib
import re
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import yaml

from console.accounts.regions import known_regions
from console.content import faq
from console.sheets import contacts_yaml
from console.sheets.workbook import CONTACT_FIELDS, CONTACTS_SHEET, QA_SHEET, split_phones
from console.texts import say
from knowledge_base import validate
from knowledge_base.problems import Problem
from staff.checks import check_training
from staff.project import Project
from staff.safe_write import atomic_write, staged_copy

CONTACTS_FILE = "contacts.yml"
FIELD_LABELS = {
    "name": "nimi",
    "role": "rooli",
    "organisation": "organisaatio",
    "region": "alue",
    "phone": "puhelin",
    "email": "sähköposti",
    "source": "lähde",
    "valid.from": "voimassa alkaen",
    "valid.until": "voimassa asti",
}
_FINNISH_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_CONTACT_FIELD = re.compile(r"^contacts/(\d+)(?:/|$)")


class ChangedMeanwhile(Exception):
    """A file changed between the preview and the confirmation."""


@dataclasses.dataclass
class Note:
    """A problem (the import is refused) or a notice at a row of a sheet."""

    sheet: str
    row: int
    text: str


@dataclasses.dataclass
class TopicChange:
    topic: str
    file: str
    row: int
    answer_before: str
    answer_after: str
    examples_before: List[str]
    examples_after: List[str]
    findings: List[str] = dataclasses.field(default_factory=list)

    @property
    def answer_changed(self) -> bool:
        return self.answer_before != self.answer_after

    @property
    def added(self) -> List[str]:
        return [e for e in self.examples_after if e not in self.examples_before]

    @property
    def removed(self) -> List[str]:
        return [e for e in self.examples_before if e not in self.examples_after]

    @property
    def answer_diff(self) -> List[Tuple[str, str]]:
        """Word by word, when the answer was edited rather than rewritten."""
        matcher = difflib.SequenceMatcher(None, self.answer_before, self.answer_after)
        if matcher.ratio() < 0.5:
            return []
        return word_diff(self.answer_before, self.answer_after)


@dataclasses.dataclass
class FieldChange:
    field: str
    label: str
    before: str
    after: str


@dataclasses.dataclass
class ContactChange:
    id: str
    name: str
    row: int
    region: str
    fields: List[FieldChange]
    values: Dict[str, Any]  # field -> new value, for contacts_yaml.edit
    findings: List[str] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class Plan:
    topics: List[TopicChange]
    contacts: List[ContactChange]
    problems: List[Note]
    notices: List[Note]
    writes: List[Tuple[Path, str, str]]  # (file, its version now, new text)
    general: List[str] = dataclasses.field(default_factory=list)  # findings of no row
    checked: bool = False

    @property
    def empty(self) -> bool:
        return not self.topics and not self.contacts

    @property
    def ok(self) -> bool:
        return (
            self.checked
            and not self.problems
            and not self.general
            and not any(c.findings for c in self.topics)
            and not any(c.findings for c in self.contacts)
        )

    @property
    def fingerprint(self) -> str:
        """Changes with the same fingerprint write the same texts over the same files."""
        digest = hashlib.sha256()
        for path, version, text in self.writes:
            digest.update(f"{path}\0{version}\0{text}\0".encode())
        return digest.hexdigest()


def normalise_text(text: Optional[str]) -> str:
    return "\n".join(line.rstrip() for line in (text or "").strip().splitlines())


def word_diff(before: str, after: str) -> List[Tuple[str, str]]:
    """(kind, text) pieces, kind "same", "removed" or "added", word by word."""
    a, b = re.split(r"(\s+)", before), re.split(r"(\s+)", after)
    pieces: List[Tuple[str, str]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            pieces.append(("same", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            pieces.append(("removed", "".join(a[i1:i2])))
        if j2 > j1:
            pieces.append(("added", "".join(b[j1:j2])))
    return pieces


# -- planning ------------------------------------------------------------------------------------


def plan(project: Project, rows: Dict[str, List[Dict[str, Any]]], regions: Sequence[str]) -> Plan:
    """The changes the rows make to `project`, and the problems of rows that cannot be taken.
    `regions`: the regions whose contacts the account may change (empty: all)."""
    result = Plan([], [], [], [], [])
    _plan_topics(project, rows.get("topics", []), result)
    _plan_contacts(project, rows.get("contacts", []), list(regions), result)
    return result


def _plan_topics(project: Project, rows: List[Dict[str, Any]], result: Plan) -> None:
    topics, _broken = faq.list_topics(project)
    known = {t.name: t for t in topics}
    grouped: Dict[str, List[Dict[str, Any]]] = {}
    for row in rows:
        name = (row.get("topic") or "").strip().lower()
        if not name:
            result.problems.append(Note(QA_SHEET, row["row"], say("sheets.no_topic")))
        elif name not in known:
            close = difflib.get_close_matches(name, list(known), n=3)
            result.problems.append(
                Note(
                    QA_SHEET,
                    row["row"],
                    say("sheets.unknown_topic", topic=name, close=", ".join(close) or "-"),
                )
            )
        else:
            grouped.setdefault(name, []).append(row)
    for name, topic_rows in grouped.items():
        topic = known[name]
        first = topic_rows[0]["row"]
        answers = [
            (r["row"], normalise_text(r.get("answer"))) for r in topic_rows if r.get("answer")
        ]
        if not answers:
            result.problems.append(Note(QA_SHEET, first, say("sheets.no_answer", topic=name)))
            continue
        if len({text for _row, text in answers}) > 1:
            result.problems.append(
                Note(
                    QA_SHEET,
                    answers[1][0],
                    say("sheets.two_answers", topic=name, row=answers[0][0]),
                )
            )
            continue
        titles = [r for r in topic_rows if r.get("title")]
        if titles and " ".join(str(titles[0]["title"]).split()) != " ".join(topic.title.split()):
            result.notices.append(
                Note(QA_SHEET, titles[0]["row"], say("sheets.title_not_taken", topic=name))
            )
        examples = [" ".join(str(r["example"]).split()) for r in topic_rows if r.get("example")]
        if not examples:
            result.problems.append(Note(QA_SHEET, first, say("sheets.no_examples", topic=name)))
            continue
        answer = answers[0][1]
        current_examples = [" ".join(e.split()) for e in topic.examples]
        if answer == normalise_text(topic.answer) and examples == current_examples:
            continue
        path = faq.topic_path(project, name)
        source = path.read_text(encoding="utf-8")
        new_answer = answer if answer != normalise_text(topic.answer) else topic.answer
        text = faq.edited_source(source, path, name, new_answer, examples)
        result.writes.append((path, faq.version_of(source), text))
        result.topics.append(
            TopicChange(
                name, topic.file, first, topic.answer, new_answer, list(topic.examples), examples
            )
        )


def _plan_contacts(
    project: Project, rows: List[Dict[str, Any]], regions: List[str], result: Plan
) -> None:
    path = project.knowledge_dir / CONTACTS_FILE
    source = path.read_text(encoding="utf-8")
    document = yaml.safe_load(source) or {}
    current = {str(c.get("id")): c for c in document.get("contacts") or [] if isinstance(c, dict)}
    names_of_regions = region_names(project)
    by_name = {name.lower(): ident for ident, name in names_of_regions.items()}
    seen: Dict[str, int] = {}
    for row in rows:
        number = row["row"]
        ident = (row.get("id") or "").strip()
        if ident not in current:
            key = "sheets.unknown_contact" if ident else "sheets.no_contact_id"
            result.problems.append(Note(CONTACTS_SHEET, number, say(key, id=ident)))
            continue
        if ident in seen:
            result.problems.append(
                Note(CONTACTS_SHEET, number, say("sheets.contact_twice", id=ident, row=seen[ident]))
            )
            continue
        seen[ident] = number
        entry = current[ident]
        values: Dict[str, Any] = {}
        shown: List[FieldChange] = []
        for field in CONTACT_FIELDS:
            try:
                new = _new_value(field, row.get(field), by_name, names_of_regions)
            except ValueError as problem:
                result.problems.append(Note(CONTACTS_SHEET, number, str(problem)))
                continue
            old = old_value(entry, field)
            if new != old and not (isinstance(old, str) and new == " ".join(old.split())):
                values[field] = new
                shown.append(
                    FieldChange(
                        field,
                        FIELD_LABELS[field],
                        _show(field, old, names_of_regions),
                        _show(field, new, names_of_regions),
                    )
                )
        if not values:
            continue
        touched = {str(entry.get("region")), str(values.get("region", entry.get("region")))}
        if regions and not touched <= set(regions):
            result.problems.append(
                Note(
                    CONTACTS_SHEET,
                    number,
                    say(
                        "sheets.region_not_allowed",
                        id=ident,
                        regions=", ".join(names_of_regions.get(r, r) for r in sorted(touched)),
                    ),
                )
            )
            continue
        result.contacts.append(
            ContactChange(
                ident,
                str(entry.get("name", ident)),
                number,
                str(entry.get("region", "")),
                shown,
                values,
            )
        )
    if result.contacts:
        try:
            text = contacts_yaml.edit(source, {c.id: c.values for c in result.contacts})
        except contacts_yaml.ContactsEditError:
            result.general.append(say("sheets.contacts_layout"))
            return
        result.writes.append((path, faq.version_of(source), text))


def region_names(project: Project) -> Dict[str, str]:
    return known_regions(project.root)


def _new_value(field: str, cell: Any, by_name: Dict[str, str], names: Dict[str, str]) -> Any:
    text = " ".join(str(cell).split()) if cell is not None else ""
    if field == "phone":
        return split_phones(str(cell) if cell is not None else "") or None
    if field == "region":
        if not text:
            return None
        if text in names:
            return text
        if text.lower() in by_name:
            return by_name[text.lower()]
        raise ValueError(say("sheets.unknown_region", region=text, known=", ".join(names.values())))
    if field.startswith("valid."):
        label = FIELD_LABELS[field]
        if not text:
            raise ValueError(say("sheets.date_missing", field=label))
        match = _FINNISH_DATE.match(text)
        try:
            if match:
                return dt.date(int(match[3]), int(match[2]), int(match[1]))
            return dt.date.fromisoformat(text)
        except ValueError:
            raise ValueError(say("sheets.bad_date", field=label, value=text)) from None
    return text or None


def old_value(entry: Dict[str, Any], field: str) -> Any:
    if field.startswith("valid."):
        value = (entry.get("valid") or {}).get(field.split(".", 1)[1])
        return value if isinstance(value, dt.date) else (str(value) if value else None)
    value = entry.get(field)
    if field == "phone":
        items = value if isinstance(value, list) else [value] if value else []
        return [str(v) for v in items] or None
    return str(value) if value not in (None, "") else None


def _show(field: str, value: Any, names: Dict[str, str]) -> str:
    if value is None:
        return say("sheets.empty_value")
    if field == "phone":
        return ", ".join(value)
    if field == "region":
        return names.get(value, value)
    if isinstance(value, dt.date):
        return value.strftime("%-d.%-m.%Y")
    return str(value)


# -- checking ------------------------------------------------------------------------------------


def check(project: Project, result: Plan) -> Plan:
    """Runs the project's checks on a staged copy with the changes; the new errors go next to
    the change they belong to (or to `general`)."""
    if result.empty or result.problems or result.general:
        result.checked = not result.problems and not result.general
        return result
    contact_of_id = {c.id: c for c in result.contacts}
    with staged_copy(project) as staged:
        for path, _version, text in result.writes:
            _staged_path(project, staged, path).write_text(text, encoding="utf-8")
        training_after = check_training(staged)
        validated = validate(staged.knowledge_dir)
        for change in result.topics:
            topic = faq.read_topic(staged, change.topic)
            if topic.answer != change.answer_after or list(topic.examples) != change.examples_after:
                change.findings.append(say("edit.not_found_after"))
    staged_contacts = (validated.documents.get(CONTACTS_FILE) or {}).get("contacts") or []
    for finding in faq.new_errors(check_training(project), training_after):
        # At the changed topic whose file it is about, or names (a duplicate's other place).
        targets = [
            change
            for change in result.topics
            if finding.file == change.file or f"{change.file}:" in finding.text
        ]
        for target in targets:
            target.findings.append(str(finding))
        if not targets:
            result.general.append(str(finding))
    before = validate(project.knowledge_dir).problems
    for problem in _new_knowledge_errors(before, validated.problems):
        ident = _contact_of(problem, staged_contacts)
        contact = contact_of_id.get(ident or "")
        (contact.findings if contact else result.general).append(problem.message)
    result.checked = True
    return result


def _staged_path(project: Project, staged: Project, path: Path) -> Path:
    if path.parent == project.knowledge_dir:
        return staged.knowledge_dir / path.name
    return staged.root / project.relative(path)


def _new_knowledge_errors(before: List[Problem], after: List[Problem]) -> List[Problem]:
    def key(p: Problem) -> Tuple[str, str, str, str]:
        return p.code, p.file, p.field, faq.LINE_REFERENCE.sub("", p.message)

    known = {key(p) for p in before if p.level == "error"}
    return [p for p in after if p.level == "error" and key(p) not in known]


def _contact_of(problem: Problem, contacts: List[Any]) -> Optional[str]:
    match = _CONTACT_FIELD.match(problem.field) if problem.file == CONTACTS_FILE else None
    if not match or int(match[1]) >= len(contacts):
        return None
    entry = contacts[int(match[1])]
    return str(entry.get("id")) if isinstance(entry, dict) else None


# -- writing -------------------------------------------------------------------------------------


def apply(result: Plan) -> None:
    """Writes every changed file, each in one step, after making sure none of them changed
    since the plan was made."""
    if not result.ok:
        raise ValueError("not checked or refused")
    for path, version, _text in result.writes:
        if faq.version_of(path.read_text(encoding="utf-8")) != version:
            raise ChangedMeanwhile(str(path))
    for path, _version, text in result.writes:
        atomic_write(path, text)
