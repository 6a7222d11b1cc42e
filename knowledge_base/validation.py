"""Every rule over the knowledge base files, with the file and line of each problem.

The same rules decide whether the running bot takes a changed file into use
(`loading.load`), what `make check` prints and what the staff console shows next to a field:
the schema, Finnish phone numbers and e-mail addresses, a source and a period for every
entry, entries nobody has checked for a year, every municipality in exactly one region,
references between the files (a contact's project, a place's municipality, the local help of
the safety answer), unique ids and valid safety patterns.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import hashlib
import re
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

import jsonschema

from knowledge_base import rules
from knowledge_base.problems import ERROR, WARNING, Problem, errors, say, text
from knowledge_base.schema import SCHEMAS
from knowledge_base.yaml_lines import Lines, YamlProblem, parse_yaml

FILES: Tuple[str, ...] = tuple(SCHEMAS)

# file -> (the list of entries in it, the field holding an entry's period)
ENTRIES = {
    "contacts.yml": ("contacts", "valid"),
    "places.yml": ("places", "valid"),
    "projects.yml": ("projects", "period"),
}
# A project's period is when it ran; ended projects are described as past on purpose.
PERIOD_MEANS_VALIDITY = {"contacts.yml", "places.yml"}
# Fields the rules of this module explain better than the schema would.
OWN_RULE_FIELDS = {"source", "valid", "period"}
# An entry's field whose form only the rules of this module judge (the schema stays quiet).
OWN_FORM_FIELDS = {"checked"}


@dataclasses.dataclass(frozen=True)
class Validated:
    """The files as read, what is wrong with them, and a version that changes with any byte."""

    documents: Dict[str, Any]
    problems: List[Problem]
    version: str

    @property
    def usable(self) -> bool:
        return not errors(self.problems)


def read_texts(directory: Path) -> Dict[str, Optional[str]]:
    """The text of each knowledge file; None for a missing one."""
    texts: Dict[str, Optional[str]] = {}
    for name in FILES:
        try:
            texts[name] = (directory / name).read_text(encoding="utf-8")
        except FileNotFoundError:
            texts[name] = None
    return texts


def version_of(texts: Mapping[str, Optional[str]]) -> str:
    digest = hashlib.sha256()
    for name in FILES:
        digest.update(name.encode() + b"\0" + (texts.get(name) or "").encode("utf-8") + b"\0")
    return digest.hexdigest()[:12]


def validate(directory: Path, today: Optional[dt.date] = None) -> Validated:
    return validate_texts(read_texts(directory), today)


def validate_texts(
    texts: Mapping[str, Optional[str]], today: Optional[dt.date] = None
) -> Validated:
    """Checks the files' texts (as read_texts gives them) against every rule."""
    today = today or dt.date.today()
    problems: List[Problem] = []
    documents: Dict[str, Any] = {}
    lines: Dict[str, Lines] = {}
    for name in FILES:
        source = texts.get(name)
        if source is None:
            problems.append(
                Problem(ERROR, "missing_file", name, 0, "", say("knowledge.missing_file"))
            )
            continue
        try:
            documents[name], lines[name] = parse_yaml(Path(name), source)
        except YamlProblem as problem:
            problems.append(
                Problem(
                    ERROR,
                    "yaml",
                    name,
                    problem.line,
                    "",
                    say("knowledge.yaml_broken", problem=problem.problem),
                )
            )
    for name, data in documents.items():
        problems += _entries(name, data, lines[name], today) + _schema(name, data, lines[name])
    if "municipalities.yml" in documents:
        problems += _one_region_each(documents["municipalities.yml"], lines["municipalities.yml"])
    if not errors(problems):
        problems += _references(documents, lines)
    return Validated(documents, problems, version_of(texts))


# -- entries ---------------------------------------------------------------------------------


def _entries(name: str, data: Any, lines: Lines, today: dt.date) -> List[Problem]:
    if (
        name not in ENTRIES
        or not isinstance(data, dict)
        or not isinstance(data.get(ENTRIES[name][0]), list)
    ):
        return []
    key, period_field = ENTRIES[name]
    problems: List[Problem] = []
    for index, entry in enumerate(data[key]):
        if not isinstance(entry, dict):
            continue
        add = _adder(problems, name, lines, (key, index), label(entry))
        for number_index, number in enumerate(_as_list(entry.get("phone"))):
            if not rules.is_phone(number):
                add(ERROR, "bad_phone", ("phone", number_index), value=number)
        if "email" in entry and not rules.is_email(entry["email"]):
            add(ERROR, "bad_email", ("email",), value=entry["email"])
        if not str(entry.get("source") or "").strip():
            add(ERROR, "no_source", ())
        period = entry.get(period_field)
        if not isinstance(period, dict) or not period.get("from") or not period.get("until"):
            add(
                ERROR,
                "no_period",
                (period_field,) if period_field in entry else (),
                field=period_field,
            )
        elif name in PERIOD_MEANS_VALIDITY:
            until = rules.parse_date(period["until"])
            if until and until < today:
                add(
                    WARNING,
                    "period_ended",
                    (period_field, "until"),
                    until=rules.finnish_date(until),
                )
        if "checked" in entry:
            checked = rules.checked_date(entry["checked"])
            if checked is None:
                add(ERROR, "bad_checked", ("checked",), value=entry["checked"])
            elif rules.needs_check(checked, today):
                add(WARNING, "not_checked", ("checked",), checked=rules.finnish_date(checked))
    return problems


def _adder(
    problems: List[Problem], name: str, lines: Lines, where: Tuple[Any, ...], entry: str
) -> Callable[..., None]:
    def add(level: str, code: str, at: Tuple[Any, ...], **values: Any) -> None:
        path = where + at
        line = lines.get(path) or lines.get(where, 0)
        problems.append(
            Problem(
                level,
                code,
                name,
                line,
                _field(path),
                say(f"knowledge.{code}", entry=entry, **values),
            )
        )

    return add


# -- schema ----------------------------------------------------------------------------------


def _schema(name: str, data: Any, lines: Lines) -> List[Problem]:
    """The schema's findings in Finnish, with lines. Sources and periods are left to the rules
    above, which say it better."""
    validator = jsonschema.Draft7Validator(SCHEMAS[name], format_checker=jsonschema.FormatChecker())
    problems = []
    for error in validator.iter_errors(_dates_as_text(data)):
        path = tuple(error.path)
        if error.validator == "required" and not _missing(error):
            continue
        if name in ENTRIES and len(path) == 3 and path[2] in OWN_FORM_FIELDS:
            continue
        problems.append(
            Problem(
                ERROR,
                "schema",
                name,
                lines.get(path) or _nearest_line(path, lines),
                _field(path),
                _explain(error),
            )
        )
    return problems


def _dates_as_text(value: Any) -> Any:
    """YAML reads 2019-01-01 as a date; the schema checks dates as ISO text."""
    if isinstance(value, dict):
        return {k: _dates_as_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_dates_as_text(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _missing(error: jsonschema.ValidationError) -> List[str]:
    return [
        f
        for f in error.validator_value
        if f not in (error.instance or {}) and f not in OWN_RULE_FIELDS
    ]


def _explain(error: jsonschema.ValidationError) -> str:
    where = "/".join(str(p) for p in error.path) or say("schema.whole_file")
    kind = error.validator
    if kind == "required":
        return say("schema.required", where=where, field=", ".join(_missing(error)))
    if kind == "additionalProperties":
        allowed = set((error.schema or {}).get("properties", {}))
        extra = [k for k in (error.instance or {}) if k not in allowed]
        return say("schema.unknown_field", where=where, field=", ".join(map(str, extra)))
    if kind == "type":
        wanted = text("schema.types").get(str(error.validator_value), str(error.validator_value))
        return say("schema.type", where=where, wanted=wanted)
    if kind in ("pattern", "format", "enum", "minLength", "minItems"):
        return say(
            f"schema.{kind}",
            where=where,
            value=error.instance,
            allowed=", ".join(map(str, error.validator_value)) if kind == "enum" else "",
        )
    return say("schema.other", where=where, detail=error.message)


# -- across entries and files ----------------------------------------------------------------


def _one_region_each(data: Any, lines: Lines) -> List[Problem]:
    first: Dict[str, Tuple[str, int]] = {}
    problems = []
    for region_index, region in enumerate((data or {}).get("regions") or []):
        for index, item in enumerate(region.get("municipalities") or []):
            name = item.get("name") if isinstance(item, dict) else None
            if not name:
                continue
            path = ("regions", region_index, "municipalities", index)
            line = lines.get(path, 0)
            if name in first:
                other_region, other_line = first[name]
                problems.append(
                    Problem(
                        ERROR,
                        "municipality_in_two_regions",
                        "municipalities.yml",
                        line,
                        _field(path),
                        say(
                            "knowledge.municipality_in_two_regions",
                            municipality=name,
                            region=region.get("name"),
                            other_region=other_region,
                            other=f"knowledge/municipalities.yml:{other_line}",
                        ),
                    )
                )
            else:
                first[name] = (region.get("name"), line)
    return problems


def _references(documents: Dict[str, Any], lines: Dict[str, Lines]) -> List[Problem]:
    """What one file says about another: only checked when every file is well-formed."""
    regions = documents["municipalities.yml"]["regions"]
    municipalities = [m["name"] for r in regions for m in r["municipalities"]]
    region_ids = [r["id"] for r in regions]
    covered = [r["id"] for r in regions if r["covered"]]
    project_ids = [p["id"] for p in documents["projects.yml"]["projects"]]
    problems: List[Problem] = []

    def refer(name: str, key: str, field: str, allowed: List[str], code: str) -> None:
        for index, entry in enumerate(documents[name][key]):
            if entry[field] not in allowed:
                add = _adder(problems, name, lines[name], (key, index), label(entry))
                add(ERROR, code, (field,), value=entry[field], close=_close(entry[field], allowed))

    refer("projects.yml", "projects", "region", covered, "unknown_region")
    for index, region in enumerate(regions):
        meant = region.get("often_meant")
        if meant is not None and meant not in covered:
            add = _adder(
                problems,
                "municipalities.yml",
                lines["municipalities.yml"],
                ("regions", index),
                label(region),
            )
            add(
                ERROR, "unknown_region", ("often_meant",), value=meant, close=_close(meant, covered)
            )
    refer("contacts.yml", "contacts", "region", region_ids, "unknown_region")
    refer("contacts.yml", "contacts", "project", project_ids, "unknown_project")
    refer("places.yml", "places", "municipality", municipalities, "unknown_municipality")

    for name, key in (
        ("contacts.yml", "contacts"),
        ("projects.yml", "projects"),
        ("places.yml", "places"),
    ):
        ids = [entry["id"] for entry in documents[name][key]]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            line = lines[name].get((key, ids.index(repeated[0])), 0)
            problems.append(
                Problem(
                    ERROR,
                    "duplicate_ids",
                    name,
                    line,
                    key,
                    say("knowledge.duplicate_ids", value=", ".join(repeated)),
                )
            )
    return problems + _safety(documents["safety.yml"], lines["safety.yml"], project_ids)


def _safety(data: Dict[str, Any], lines: Lines, project_ids: List[str]) -> List[Problem]:
    problems: List[Problem] = []
    patterns: List[Tuple[Tuple[Any, ...], str]] = [
        ((key, i), p)
        for key in ("ignore", "child_voice")
        for i, p in enumerate(data.get(key) or [])
    ]
    for category, category_rules in data["categories"].items():
        for r, rule in enumerate(category_rules):
            for part in ("any", "with"):
                patterns += [
                    (("categories", category, r, part, i), p)
                    for i, p in enumerate(rule.get(part) or [])
                ]
    for path, pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as error:
            problems.append(
                Problem(
                    ERROR,
                    "bad_pattern",
                    "safety.yml",
                    lines.get(path, 0),
                    _field(path),
                    say("knowledge.bad_pattern", value=pattern, detail=str(error)),
                )
            )
    for category, project in (data.get("local_help") or {}).items():
        if project not in project_ids:
            path = ("local_help", category)
            problems.append(
                Problem(
                    ERROR,
                    "unknown_local_help",
                    "safety.yml",
                    lines.get(path, 0),
                    _field(path),
                    say(
                        "knowledge.unknown_local_help",
                        entry=category,
                        value=project,
                        close=_close(project, project_ids),
                    ),
                )
            )
    return problems


# -- helpers ---------------------------------------------------------------------------------


def label(entry: Dict[str, Any]) -> str:
    """How a problem names an entry: its name, with the municipality of a place."""
    name = entry.get("name") or entry.get("id") or "?"
    return f"{name} ({entry['municipality']})" if entry.get("municipality") else str(name)


def _close(value: Any, allowed: List[str]) -> str:
    return ", ".join(difflib.get_close_matches(str(value), allowed, n=3)) or "-"


def _field(path: Tuple[Any, ...]) -> str:
    return "/".join(str(p) for p in path)


def _as_list(value: Any) -> List[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _nearest_line(path: Tuple[Any, ...], lines: Lines) -> int:
    while path:
        path = path[:-1]
        if path in lines:
            return lines[path]
    return 0
