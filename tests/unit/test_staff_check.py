"""`make check`: every rule on a copy of the fixture project (tests/fixtures) broken for that
rule; the check must report an error or warning naming file and line. That the real data
passes is checked in tests/unit/test_real_data.py."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import List

import pytest

import knowledge_base
from knowledge_base.rules import is_email, is_phone
from staff.checks import check_training
from staff.checks.knowledge import check_knowledge
from staff.checks.training_data import MAX_ANSWER_CHARS, MIN_EXAMPLES, normalise
from staff.findings import ERROR, WARNING, Finding
from staff.messages import MESSAGES_FILE, text
from staff.project import ROOT, Project
from tests.support import copy_project, replace_in, run_make

TODAY = dt.date(2026, 11, 23)


def line_of(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in {path}")


def found(findings: List[Finding], rule: str, file: str, line: int, level: str = ERROR) -> Finding:
    matches = [
        f for f in findings if (f.rule, f.file, f.line, f.level) == (rule, file, line, level)
    ]
    assert matches, f"no {level} {rule} at {file}:{line} in:\n" + "\n".join(map(str, findings))
    return matches[0]


@pytest.fixture
def project(tmp_path) -> Project:
    return copy_project(tmp_path / "project")


def test_the_unbroken_fixture_project_has_no_errors(project):
    """The baseline: each test below breaks one thing, so any error it finds is that one."""
    findings = check_training(project) + check_knowledge(project, TODAY)
    assert [f for f in findings if f.level == ERROR] == [], "\n".join(map(str, findings))


# -- training data ------------------------------------------------------------------------


def test_a_topic_with_too_few_examples_is_an_error(project):
    path = project.data_dir / "faq" / "erokahvila.yml"
    source = path.read_text(encoding="utf-8").splitlines(keepends=True)
    start = line_of(path, "examples: |")
    kept = start + MIN_EXAMPLES - 1  # the key line, then 11 examples
    path.write_text(
        "".join(source[:kept] + [line for line in source[kept:] if not line.startswith("    - ")]),
        encoding="utf-8",
    )
    finding = found(
        check_training(project, with_rasa=False),
        "too_few_examples",
        "data/faq/erokahvila.yml",
        line_of(path, "intent: faq/erokahvila"),
    )
    assert "11" in finding.text and str(MIN_EXAMPLES) in finding.text


def test_the_same_example_under_two_topics_is_an_error_after_normalising(project):
    path = project.data_dir / "faq" / "perhekeskus.yml"
    original = line_of(path, "- Mikä on perhekeskus?")
    erokahvila = project.data_dir / "faq" / "erokahvila.yml"
    line = (
        replace_in(
            erokahvila, "    - erokahvila\n", "    - erokahvila\n    -   MIKÄ on perhekeskus!!\n"
        )
        + 1
    )
    findings = check_training(project, with_rasa=False)
    finding = found(findings, "duplicate_example", "data/faq/perhekeskus.yml", original)
    assert f"data/faq/erokahvila.yml:{line}" in finding.text and "erokahvila" in finding.text
    assert normalise("  MIKÄ on perhekeskus!! ") == normalise("Mikä on perhekeskus?")


def test_words_are_normalised_as_the_bots_tokenizer_splits_them():
    assert (
        normalise("Etelä-Savon LAPE, 2019?")
        == normalise("etelä-savon  lape 2019")
        == "etelä-savon lape 2019"
    )
    # one word for the tokenizer, two words without the hyphen: a near-duplicate, not the same
    assert normalise("raija harju-kivisen numero") != normalise("raija harju kivisen numero")


def test_near_duplicates_across_topics_are_a_warning_not_an_error(project):
    path = project.data_dir / "faq" / "erokahvila.yml"
    line = (
        replace_in(path, "    - erokahvila\n", "    - erokahvila\n    - mikä on perhekeskuss\n") + 1
    )
    other = line_of(project.data_dir / "faq" / "perhekeskus.yml", "- Mikä on perhekeskus?")
    findings = check_training(project, with_rasa=False)
    assert [f for f in findings if f.file == "data/faq/erokahvila.yml" and f.level == ERROR] == []
    near = [
        f
        for f in findings
        if f.rule == "near_duplicate"
        and f.level == WARNING
        and {
            (f.file, f.line),
            *[(m[0], int(m[1])) for m in re.findall(r"([\w/]+\.yml):(\d+)", f.text)],
        }
        >= {("data/faq/erokahvila.yml", line), ("data/faq/perhekeskus.yml", other)}
    ]
    assert near, "\n".join(map(str, findings))


def test_an_answer_too_long_for_a_phone_screen_is_an_error(project):
    path = project.data_dir / "faq" / "erokahvila.yml"
    long_answer = "Pitkä vastaus. " * (MAX_ANSWER_CHARS // 15 + 1)
    line = replace_in(path, '- text: "Erokahvila on', f'- text: "{long_answer}Erokahvila on')
    finding = found(
        check_training(project, with_rasa=False), "answer_too_long", "data/faq/erokahvila.yml", line
    )
    assert str(MAX_ANSWER_CHARS) in finding.text


def test_a_misspelt_answer_name_leaves_a_topic_without_answer(project):
    path = project.data_dir / "faq" / "erokahvila.yml"
    line = replace_in(path, "utter_faq/erokahvila:", "utter_faq/erokahvla:")
    findings = check_training(project, with_rasa=False)
    found(findings, "answer_without_topic", "data/faq/erokahvila.yml", line)
    found(
        findings,
        "topic_without_answer",
        "data/faq/erokahvila.yml",
        line_of(path, "intent: faq/erokahvila"),
    )


def test_a_topic_copied_to_a_second_file_is_an_error(project):
    copy = project.data_dir / "faq" / "erokahvila_uusi.yml"
    shutil.copy(project.data_dir / "faq" / "erokahvila.yml", copy)
    found(
        check_training(project, with_rasa=False),
        "topic_in_two_files",
        "data/faq/erokahvila_uusi.yml",
        line_of(copy, "intent: faq/erokahvila"),
    )


def test_an_answer_without_title_is_a_warning(project):
    path = project.data_dir / "faq" / "erokahvila.yml"
    replace_in(path, '      title: "Mikä on erokahvila?"\n', "")
    replace_in(path, "    metadata:\n", "")
    found(
        check_training(project, with_rasa=False),
        "answer_without_title",
        "data/faq/erokahvila.yml",
        line_of(path, '- text: "Erokahvila'),
        WARNING,
    )


def test_an_answer_about_an_unknown_project_is_an_error_with_a_suggestion(project):
    path = project.data_dir / "faq" / "erokahvila.yml"
    replace_in(path, "    metadata:\n", "    metadata:\n      project: turvasa\n")
    finding = found(
        check_training(project, with_rasa=False),
        "answer_unknown_project",
        "data/faq/erokahvila.yml",
        line_of(path, '- text: "Erokahvila'),
    )
    assert "”turvasa”" in finding.text and "turvassa" in finding.text.split("tarkoititko")[1]
    replace_in(path, "project: turvasa", "project: turvassa")
    assert not [
        f for f in check_training(project, with_rasa=False) if f.rule == "answer_unknown_project"
    ]


def test_broken_yaml_names_the_line(project):
    path = project.data_dir / "faq" / "erokahvila.yml"
    line = replace_in(path, "  examples: |", "   examples: |")
    findings = check_training(project)
    finding = [f for f in findings if f.rule == "yaml"][0]
    assert finding.file == "data/faq/erokahvila.yml" and finding.level == ERROR
    assert finding.line == line
    assert not [f for f in findings if f.rule == "rasa"], "Rasa is not run on broken YAML"


def test_rasa_validation_errors_are_reported_with_file_and_line(project):
    path = project.data_dir / "rules" / "rules.yml"
    line = replace_in(
        path, "  - action: action_find_contact\n", "  - action: action_find_contakt\n"
    )
    finding = found(check_training(project), "rasa", "data/rules/rules.yml", line)
    assert "action_find_contakt" in finding.text


def test_rasa_schema_errors_are_errors(project):
    path = project.data_dir / "faq" / "erokahvila.yml"
    replace_in(path, "  examples: |", "  esimerkit: |")
    findings = check_training(project)
    assert [
        f
        for f in findings
        if f.rule == "rasa" and f.level == ERROR and f.file == "data/faq/erokahvila.yml"
    ], "\n".join(map(str, findings))


def test_the_in_process_validation_fails_where_rasa_data_validate_fails(project):
    replace_in(
        project.data_dir / "rules" / "rules.yml",
        "  - action: action_find_contact\n",
        "  - action: action_find_contakt\n",
    )
    cli = subprocess.run(
        [str(Path(sys.executable).parent / "rasa"), "data", "validate", "--quiet"],
        cwd=project.root,
        capture_output=True,
        text=True,
        timeout=300,
    )
    ours = [f for f in check_training(project) if f.rule == "rasa" and f.level == ERROR]
    assert cli.returncode != 0 and ours


# -- knowledge base -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "number",
    [
        "044 123 4567",
        "+358 44 123 4567",
        "080 005 005",
        "116 111",
        "0295 000 000",
        "09 2525 0111",
        "040-123 4567",
        "112",
    ],
)
def test_finnish_phone_formats_are_accepted(number):
    assert is_phone(number)


@pytest.mark.parametrize(
    "number",
    [
        "044 123",
        "12345",
        "+358 044 123 4567",
        "044 1234 56789 0",
        "puh 044 123 4567",
        "044  123 4567",
        "+46 70 123 4567",
        "",
    ],
)
def test_malformed_phone_numbers_are_refused(number):
    assert not is_phone(number)


@pytest.mark.parametrize(
    "address,ok",
    [
        ("etunimi.sukunimi@essote.fi", True),
        ("a@b.co", True),
        ("etunimi.sukunimi@essote", False),
        ("@essote.fi", False),
        ("etu nimi@essote.fi", False),
        ("a..b@essote.fi", False),
    ],
)
def test_email_addresses(address, ok):
    assert is_email(address) is ok


def test_a_malformed_phone_number_is_an_error_on_its_line(project):
    path = project.knowledge_dir / "contacts.yml"
    line = replace_in(path, "phone: [044 351 2302]", "phone: [044 351]")
    finding = found(check_knowledge(project, TODAY), "bad_phone", "knowledge/contacts.yml", line)
    assert "Satu Auvinen" in finding.text and "044 351" in finding.text


def test_a_malformed_email_is_an_error_on_its_line(project):
    path = project.knowledge_dir / "contacts.yml"
    line = replace_in(path, "email: satu.auvinen@essote.fi", "email: satu.auvinen(at)essote.fi")
    found(check_knowledge(project, TODAY), "bad_email", "knowledge/contacts.yml", line)


def test_an_entry_without_source_is_an_error(project):
    path = project.knowledge_dir / "contacts.yml"
    entry = line_of(path, "- id: satu-auvinen")
    replace_in(path, "  source: 000_08ac0caceaa82e06.txt\n", "")
    findings = check_knowledge(project, TODAY)
    found(findings, "no_source", "knowledge/contacts.yml", entry)
    assert not [f for f in findings if f.rule == "schema" and f.line == entry], "reported once"


def test_a_place_without_validity_period_is_an_error(project):
    path = project.knowledge_dir / "places.yml"
    line = replace_in(
        path,
        ", valid: {from: 2019-01-01, until: 2019-12-31}, checked: 2026-11-23}",
        ", checked: 2026-11-23}",
    )
    found(check_knowledge(project, TODAY), "no_period", "knowledge/places.yml", line)


def test_a_project_without_period_is_an_error(project):
    path = project.knowledge_dir / "projects.yml"
    entry = line_of(path, "- id: lape-etela-savo")
    replace_in(path, "  period: {from: 2017-01-01, until: 2018-12-31}\n", "")
    found(check_knowledge(project, TODAY), "no_period", "knowledge/projects.yml", entry)


def test_ended_and_long_unchecked_entries_are_warnings(project):
    path = project.knowledge_dir / "contacts.yml"
    until = replace_in(
        path,
        "valid: {from: 2020-01-01, until: 2021-12-31}",
        "valid: {from: 2020-01-01, until: 2026-11-22}",
    )
    checked = line_of(path, "checked:")
    findings = check_knowledge(project, TODAY)
    found(findings, "period_ended", "knowledge/contacts.yml", until, WARNING)
    replace_in(
        path,
        "valid: {from: 2020-01-01, until: 2026-11-22}",
        "valid: {from: 2020-01-01, until: 2026-11-23}",
    )
    assert not [f for f in check_knowledge(project, TODAY) if f.line == until]
    later = TODAY + dt.timedelta(days=366)
    found(
        check_knowledge(project, later), "not_checked", "knowledge/contacts.yml", checked, WARNING
    )
    assert not [
        f
        for f in check_knowledge(project, TODAY + dt.timedelta(days=365))
        if f.rule == "not_checked"
    ]


def test_checked_is_optional_and_an_entry_without_it_loads_as_never_checked(project):
    contacts = project.knowledge_dir / "contacts.yml"
    replace_in(contacts, "  checked: 2026-11-23\n", "")
    places = project.knowledge_dir / "places.yml"
    replace_in(places, ", checked: 2026-11-23}", "}")
    findings = check_knowledge(project, TODAY)
    assert [f for f in findings if f.level == ERROR] == [], "\n".join(map(str, findings))
    kb = knowledge_base.load(project.knowledge_dir)
    assert next(c for c in kb.contacts if c.id == "satu-auvinen").checked is None
    assert next(c for c in kb.contacts if c.id == "hanna-kokkonen").checked == TODAY
    assert next(p for p in kb.places if p.id == "perheneuvo-juva").checked is None
    assert kb.projects["kslape"].checked is None


def test_a_malformed_checked_date_is_an_error_on_its_line_in_finnish(project):
    path = project.knowledge_dir / "contacts.yml"
    line = replace_in(path, "checked: 2026-11-23", "checked: 23.11.2026")
    findings = check_knowledge(project, TODAY)
    finding = found(findings, "bad_checked", "knowledge/contacts.yml", line)
    assert "Satu Auvinen" in finding.text and "23.11.2026" in finding.text
    assert "VVVV-KK-PP" in finding.text
    assert not [f for f in findings if f.rule == "schema"], "reported once"


def test_a_project_may_carry_checked_and_is_warned_about_when_stale(project):
    path = project.knowledge_dir / "projects.yml"
    line = replace_in(
        path,
        "  source: 004_72297470eb113f34.txt\n",
        "  source: 004_72297470eb113f34.txt\n  checked: 2025-01-01\n",
    )
    findings = check_knowledge(project, TODAY)
    assert [f for f in findings if f.level == ERROR] == [], "\n".join(map(str, findings))
    found(findings, "not_checked", "knowledge/projects.yml", line + 1, WARNING)
    assert knowledge_base.load(project.knowledge_dir).projects["kslape"].checked == dt.date(
        2025, 1, 1
    )
    replace_in(path, "checked: 2025-01-01", "checked: [2025-01-01]")
    found(check_knowledge(project, TODAY), "bad_checked", "knowledge/projects.yml", line + 1)


def test_ended_projects_are_not_warned_about(project):
    findings = check_knowledge(project, TODAY)
    assert not [
        f for f in findings if f.file == "knowledge/projects.yml" and f.rule == "period_ended"
    ]


def test_a_municipality_in_two_regions_is_an_error_naming_both_lines(project):
    path = project.knowledge_dir / "municipalities.yml"
    first = line_of(path, "{name: Juva, in: Juvalla}")
    line = (
        replace_in(
            path,
            "  - {name: Iisalmi, in: Iisalmessa}\n",
            "  - {name: Iisalmi, in: Iisalmessa}\n  - {name: Juva, in: Juvalla}\n",
        )
        + 1
    )
    finding = found(
        check_knowledge(project, TODAY),
        "municipality_in_two_regions",
        "knowledge/municipalities.yml",
        line,
    )
    assert f"knowledge/municipalities.yml:{first}" in finding.text


def test_schema_problems_are_in_finnish_with_the_line(project):
    path = project.knowledge_dir / "contacts.yml"
    line = replace_in(
        path, "  email: satu.auvinen@essote.fi\n", "  sahkoposti: satu.auvinen@essote.fi\n"
    )
    finding = found(
        check_knowledge(project, TODAY),
        "schema",
        "knowledge/contacts.yml",
        line_of(path, "- id: satu-auvinen"),
    )
    assert "sahkoposti" in finding.text and "tuntematon kenttä" in finding.text
    assert line > finding.line


def test_a_contact_of_an_unknown_project_is_an_error(project):
    path = project.knowledge_dir / "contacts.yml"
    replace_in(
        path,
        "project: lasten-nuorten-ja-perheiden-johtoryhma",
        "project: lasten-nuorten-johtoryhma",
    )
    finding = found(
        check_knowledge(project, TODAY),
        "unknown_project",
        "knowledge/contacts.yml",
        line_of(path, "project: lasten-nuorten-johtoryhma"),
    )
    assert (
        "Satu Auvinen" in finding.text and "lasten-nuorten-ja-perheiden-johtoryhma" in finding.text
    )


def test_a_place_in_an_unknown_municipality_is_an_error_with_a_suggestion(project):
    path = project.knowledge_dir / "places.yml"
    line = replace_in(path, "municipality: Juva,", "municipality: Juwa,")
    finding = found(
        check_knowledge(project, TODAY), "unknown_municipality", "knowledge/places.yml", line
    )
    assert "”Juwa”" in finding.text and "Juva" in finding.text.split("tarkoititko")[1]


# -- the whole check, as staff run it ------------------------------------------------------------


def test_make_check_fails_on_a_broken_copy_naming_file_and_line(project):
    line = replace_in(
        project.knowledge_dir / "contacts.yml", "phone: [044 351 2302]", "phone: [044 351]"
    )
    result = run_make("check", f"PROJEKTI={project.root}")
    assert result.returncode != 0
    assert f"knowledge/contacts.yml:{line}: VIRHE:" in result.stdout


# -- the tool's texts ---------------------------------------------------------------------------


def test_every_message_the_code_uses_is_in_messages_yml():
    used = set()
    for path in (ROOT / "staff").rglob("*.py"):
        used |= set(re.findall(r"""say\(\s*f?["']([\w.]+)["']""", path.read_text(encoding="utf-8")))
    assert used, "no say() calls found: the pattern is out of date"
    missing = []
    for key in used:  # "inbox.reason." stands for a key made in the code: its section must exist
        try:
            assert isinstance(text(key.rstrip(".")), dict if key.endswith(".") else str)
        except (KeyError, AssertionError):
            missing.append(key)
    assert missing == [], f"missing from {MESSAGES_FILE}: {missing}"
