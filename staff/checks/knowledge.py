"""The project's own rules for the knowledge base (knowledge/*.yml): the schema the action
server enforces, well-formed phone numbers and e-mail addresses, a source and a validity
period for every entry, stale entries, and every municipality in exactly one region."""
from __future__ import annotations

import datetime as dt
import difflib
import re
from typing import Any, Dict, List, Optional, Tuple

import jsonschema

from actions import knowledge_base
from staff.findings import ERROR, WARNING, Finding, errors
from staff.messages import say, text
from staff.project import Project
from staff.sources import Lines, YamlProblem, read_yaml

STALE_AFTER = dt.timedelta(days=365)

# Finnish numbers: national ("044 123 4567", "09 2525 0111", "080 005 005", "0295 000 000"),
# international ("+358 44 123 4567") and service numbers ("116 111", "112").
_GROUPS = r"\d{1,4}(?:[ -]\d{1,4})*"
PHONE = re.compile(rf"^(?:0{_GROUPS}|\+358[ -]?[1-9]{_GROUPS}|1\d{{2}}(?: \d{{3}})?)$")
PHONE_DIGITS = (7, 12)  # with the leading 0
EMAIL = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")

# file -> (the list of entries in it, the field holding an entry's period)
ENTRIES = {
    "contacts.yml": ("contacts", "valid"),
    "places.yml": ("places", "valid"),
    "projects.yml": ("projects", "period"),
}
# A project's period is when it ran; ended projects are described as past on purpose.
PERIOD_MEANS_VALIDITY = {"contacts.yml", "places.yml"}
OWN_RULE_FIELDS = {"source", "valid", "period"}


def is_phone(number: str) -> bool:
    if not PHONE.match(number):
        return False
    if number.startswith("1"):
        return True
    digits = re.sub(r"\D", "", number)
    national = "0" + digits[3:] if number.startswith("+") else digits
    return PHONE_DIGITS[0] <= len(national) <= PHONE_DIGITS[1]


def is_email(address: str) -> bool:
    return bool(EMAIL.match(address)) and ".." not in address


def check_knowledge(project: Project, today: dt.date) -> List[Finding]:
    findings: List[Finding] = []
    documents: Dict[str, Tuple[Any, Lines]] = {}
    for name in knowledge_base.SCHEMAS:
        path = project.knowledge_dir / name
        file = project.relative(path)
        try:
            documents[name] = read_yaml(path)
        except FileNotFoundError:
            findings.append(Finding(ERROR, "knowledge_file", file, 0, say("knowledge.missing_file")))
        except YamlProblem as problem:
            findings.append(Finding(ERROR, "yaml", file, problem.line,
                                    say("yaml.broken", problem=problem.problem)))
    for name, (data, lines) in documents.items():
        file = project.relative(project.knowledge_dir / name)
        findings += _entries(file, name, data, lines, today) + _schema(file, name, data, lines)
    if "municipalities.yml" in documents:
        findings += _one_region_each(project.relative(project.knowledge_dir / "municipalities.yml"),
                                     *documents["municipalities.yml"])
    if not errors(findings):
        findings += _as_the_action_server_loads_it(project, documents)
    return findings


def _entries(file: str, name: str, data: Any, lines: Lines, today: dt.date) -> List[Finding]:
    if name not in ENTRIES or not isinstance(data, dict) or not isinstance(data.get(ENTRIES[name][0]), list):
        return []
    key, period_field = ENTRIES[name]
    findings = []
    for index, entry in enumerate(data[key]):
        if not isinstance(entry, dict):
            continue
        where = (key, index)
        label = _label(entry)

        def add(level: str, rule: str, at: Tuple[Any, ...], **values: Any) -> None:
            line = lines.get(where + at) or lines.get(where, 0)
            findings.append(Finding(level, rule, file, line, say(f"knowledge.{rule}", entry=label, **values)))

        for number_index, number in enumerate(_as_list(entry.get("phone"))):
            if not isinstance(number, str) or not is_phone(number):
                add(ERROR, "bad_phone", ("phone", number_index), value=number)
        if "email" in entry and (not isinstance(entry["email"], str) or not is_email(entry["email"])):
            add(ERROR, "bad_email", ("email",), value=entry["email"])
        if not str(entry.get("source") or "").strip():
            add(ERROR, "no_source", ())
        period = entry.get(period_field)
        if not isinstance(period, dict) or not period.get("from") or not period.get("until"):
            add(ERROR, "no_period", (period_field,) if period_field in entry else (), field=period_field)
        elif name in PERIOD_MEANS_VALIDITY:
            until = _date(period["until"])
            if until and until < today:
                add(WARNING, "period_ended", (period_field, "until"), until=_finnish_date(until))
        checked = _date(entry.get("checked"))
        if checked and today - checked > STALE_AFTER:
            add(WARNING, "not_checked", ("checked",), checked=_finnish_date(checked))
    return findings


def _schema(file: str, name: str, data: Any, lines: Lines) -> List[Finding]:
    """The schema the action server validates against, in Finnish and with lines. Phone
    numbers, e-mail addresses, sources and periods are left to the rules above."""
    validator = jsonschema.Draft7Validator(knowledge_base.SCHEMAS[name],
                                           format_checker=jsonschema.FormatChecker())
    findings = []
    for error in validator.iter_errors(knowledge_base._dates_as_text(data)):
        path = tuple(error.path)
        if error.validator == "pattern" and ("phone" in path[-2:] or path[-1:] == ("email",)):
            continue
        if error.validator == "required" and not _missing(error):
            continue
        findings.append(Finding(ERROR, "schema", file, lines.get(path) or _nearest_line(path, lines),
                                _explain(error)))
    return findings


def _missing(error: jsonschema.ValidationError) -> List[str]:
    return [f for f in error.validator_value
            if f not in (error.instance or {}) and f not in OWN_RULE_FIELDS]


def _explain(error: jsonschema.ValidationError) -> str:
    where = "/".join(str(p) for p in error.path) or say("schema.whole_file")
    kind = error.validator
    if kind == "required":
        return say("schema.required", where=where, field=", ".join(_missing(error)))
    if kind == "additionalProperties":
        allowed = set((error.schema or {}).get("properties", {}))
        extra = [k for k in (error.instance or {}) if k not in allowed]
        return say("schema.unknown_field", where=where, field=", ".join(map(str, extra)))
    if kind == "anyOf" and "phone" in str(error.validator_value):
        return say("schema.phone_or_email", where=where)
    if kind == "type":
        wanted = text("schema.types").get(str(error.validator_value), str(error.validator_value))
        return say("schema.type", where=where, wanted=wanted)
    if kind in ("pattern", "format", "enum", "minLength", "minItems"):
        return say(f"schema.{kind}", where=where, value=error.instance,
                   allowed=", ".join(map(str, error.validator_value)) if kind == "enum" else "")
    return say("schema.other", where=where, detail=error.message)


def _one_region_each(file: str, data: Any, lines: Lines) -> List[Finding]:
    first: Dict[str, Tuple[str, int]] = {}
    findings = []
    for region_index, region in enumerate((data or {}).get("regions") or []):
        for index, item in enumerate(region.get("municipalities") or []):
            name = item.get("name") if isinstance(item, dict) else None
            if not name:
                continue
            line = lines.get(("regions", region_index, "municipalities", index), 0)
            if name in first:
                other_region, other_line = first[name]
                findings.append(Finding(ERROR, "municipality_in_two_regions", file, line, say(
                    "knowledge.municipality_in_two_regions", municipality=name,
                    region=region.get("name"), other_region=other_region, other=f"{file}:{other_line}")))
            else:
                first[name] = (region.get("name"), line)
    return findings


def _as_the_action_server_loads_it(project: Project, documents: Dict[str, Tuple[Any, Lines]]) -> List[Finding]:
    """Cross-references (a contact's region and project, a place's municipality, unique ids):
    exactly what stops the action server from starting."""
    try:
        knowledge_base.load(project.knowledge_dir)
    except knowledge_base.KnowledgeBaseError as error:
        return [_server_problem(project, problem, documents) for problem in error.problems]
    return []


# What knowledge_base.load reports about cross-references, as Finnish messages.
SERVER_PROBLEMS = (
    (re.compile(r"unknown municipality (?P<value>.+)$"), "unknown_municipality"),
    (re.compile(r"unknown (?:or uncovered )?region (?P<value>.+)$"), "unknown_region"),
    (re.compile(r"unknown project (?P<value>.+)$"), "unknown_project"),
    (re.compile(r"duplicate ids (?P<value>.+)$"), "duplicate_ids"),
)


def _server_problem(project: Project, problem: str, documents: Dict[str, Tuple[Any, Lines]]) -> Finding:
    name, _sep, rest = problem.partition(": ")
    name = name.rsplit("/", 1)[-1]
    entry_id = rest.partition(": ")[0] if ": " in rest else ""
    line, label = 0, entry_id
    if name in documents:
        data, lines = documents[name]
        for key, items in (data or {}).items():
            for index, item in enumerate(items if isinstance(items, list) else []):
                if isinstance(item, dict) and item.get("id") == entry_id:
                    line, label = lines.get((key, index), 0), _label(item)
    file = project.relative(project.knowledge_dir / name) if name.endswith(".yml") else "knowledge"
    for pattern, rule in SERVER_PROBLEMS:
        found = pattern.search(rest)
        if found:
            value = found.group("value")
            close = difflib.get_close_matches(value, _known(rule, documents), n=3)
            return Finding(ERROR, rule, file, line, say(f"knowledge.{rule}", entry=label, value=value,
                                                        close=", ".join(close) or "-"))
    return Finding(ERROR, "action_server", file, line, say("knowledge.action_server", detail=problem))


def _known(rule: str, documents: Dict[str, Tuple[Any, Lines]]) -> List[str]:
    """The names a reference may point at, for suggesting the nearest."""
    municipalities = (documents.get("municipalities.yml") or ({}, {}))[0] or {}
    regions = municipalities.get("regions") or []
    if rule == "unknown_municipality":
        return [m.get("name", "") for r in regions for m in r.get("municipalities") or []]
    if rule == "unknown_region":
        return [r.get("id", "") for r in regions]
    if rule == "unknown_project":
        return [p.get("id", "") for p in ((documents.get("projects.yml") or ({}, {}))[0] or {}).get("projects") or []]
    return []


def _label(entry: Dict[str, Any]) -> str:
    name = entry.get("name") or entry.get("id") or "?"
    return f"{name} ({entry['municipality']})" if entry.get("municipality") else str(name)


def _as_list(value: Any) -> List[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _date(value: Any) -> Optional[dt.date]:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


def _finnish_date(day: dt.date) -> str:
    return f"{day.day}.{day.month}.{day.year}"


def _nearest_line(path: Tuple[Any, ...], lines: Lines) -> int:
    while path:
        path = path[:-1]
        if path in lines:
            return lines[path]
    return 0
