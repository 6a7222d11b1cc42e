"""`make check` over the knowledge base (knowledge/*.yml): the very rules the running bot
applies before it takes a changed file into use (knowledge_base.validation), as findings with
file:line. Nothing here decides what is valid."""

from __future__ import annotations

import datetime as dt
from typing import List

from knowledge_base import validate
from staff.findings import Finding
from staff.project import Project


def check_knowledge(project: Project, today: dt.date) -> List[Finding]:
    validated = validate(project.knowledge_dir, today)
    return [
        Finding(
            problem.level,
            problem.code,
            project.relative(project.knowledge_dir / problem.file),
            problem.line,
            problem.message,
        )
        for problem in validated.problems
    ]
