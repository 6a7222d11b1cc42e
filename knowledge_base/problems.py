"""What is wrong in the knowledge base, as data: file, line, field, a code for programs and a
Finnish message for people. `make check`, the staff console and the running bot's log all
show the same problems."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Iterable, List

from knowledge_base.texts import Texts

ERROR = "error"
WARNING = "warning"
MESSAGES_FILE = Path(__file__).with_name("messages.yml")


@dataclasses.dataclass(frozen=True)
class Problem:
    level: str  # ERROR (the file cannot be used) or WARNING (usable, but check it)
    code: str  # e.g. "bad_phone", "unknown_project", "schema"
    file: str  # the file's name in the knowledge directory, e.g. "contacts.yml"
    line: int  # 1-based; 0 when the file as a whole is meant
    field: str  # where in the file, e.g. "contacts/3/phone/0"; "" for the whole file
    message: str  # in Finnish

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message}"


class KnowledgeBaseError(ValueError):
    """The knowledge base cannot be used; `problems` lists every error."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems: List[Problem] = [p for p in problems if p.level == ERROR]
        super().__init__("\n".join(str(p) for p in self.problems))


def errors(problems: Iterable[Problem]) -> List[Problem]:
    return [p for p in problems if p.level == ERROR]


_TEXTS = Texts(MESSAGES_FILE)
text = _TEXTS.text
say = _TEXTS.say
