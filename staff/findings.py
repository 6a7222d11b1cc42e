"""A finding of `make check`: an error (the data must be fixed) or a warning, at file:line."""

from __future__ import annotations

import dataclasses
from typing import Iterable, List

from staff.messages import say

ERROR = "error"
WARNING = "warning"


@dataclasses.dataclass(frozen=True)
class Finding:
    level: str  # ERROR or WARNING
    rule: str  # which rule found it, e.g. "too_few_examples"
    file: str  # relative to the project
    line: int  # 1-based; 0 when the file as a whole is meant
    text: str  # the Finnish explanation

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {say('level.' + self.level)}: {self.text}"


def errors(findings: Iterable[Finding]) -> List[Finding]:
    return [f for f in findings if f.level == ERROR]


def ordered(findings: Iterable[Finding]) -> List[Finding]:
    """Errors first, then warnings; each by file and line."""
    return sorted(findings, key=lambda f: (f.level != ERROR, f.file, f.line, f.rule))
