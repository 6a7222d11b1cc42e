"""`make check`: every rule over the data, without training.

    python -m staff check [--projekti DIR] [--kaikki]

Findings name file:line; errors make the exit status non-zero. Rasa's warnings about files
staff do not edit (domain.yml, config.yml) are counted but shown only with --kaikki.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Dict, List, Optional

from staff.checks.knowledge import check_knowledge
from staff.checks.rasa_data import check_with_rasa
from staff.checks.training_data import check_training_data, read_training_files
from staff.findings import ERROR, WARNING, Finding, errors, ordered
from staff.messages import say
from staff.project import Project

STAFF_FILES = ("data/", "knowledge/")


def check_training(project: Project, with_rasa: bool = True) -> List[Finding]:
    """The rules for data/ and domain.yml; Rasa's validation only when every file is YAML."""
    files, findings = read_training_files(project)
    findings += check_training_data(project, files)
    if with_rasa and not any(f.rule == "yaml" for f in findings):
        findings += check_with_rasa(project)
    return findings


def check_all(project: Project, today: Optional[dt.date] = None) -> List[Finding]:
    return ordered(check_training(project) + check_knowledge(project, today or dt.date.today()))


def for_staff(finding: Finding) -> bool:
    """Rasa's warnings about developer files are not for staff; everything else is."""
    return finding.level == ERROR or finding.rule != "rasa" or finding.file.startswith(STAFF_FILES)


def summary_counts(findings: List[Finding]) -> Dict[str, int]:
    return {
        "errors": len(errors(findings)),
        "warnings": sum(f.level == WARNING and for_staff(f) for f in findings),
        "hidden": sum(not for_staff(f) for f in findings),
    }


def run(project: Project, show_all: bool = False) -> int:
    """Prints the findings and the summary; the exit status is 1 when there are errors."""
    started = time.perf_counter()
    print(say("check.start", project=project.root), flush=True)
    findings = check_all(project)
    for finding in findings:
        if show_all or for_staff(finding):
            print(finding)
    counts = summary_counts(findings)
    print()
    print(
        say(
            "check.summary",
            seconds=f"{time.perf_counter() - started:.1f}".replace(".", ","),
            errors=counts["errors"],
            warnings=counts["warnings"],
        )
    )
    if counts["hidden"] and not show_all:
        print(say("check.hidden", hidden=counts["hidden"]))
    print(say("check.failed" if counts["errors"] else "check.passed"))
    return 1 if counts["errors"] else 0
