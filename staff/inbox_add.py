"""`make inbox-add`: adds a message as a new example question of a topic.

The example goes in as one new `- ...` line at the end of the topic's `examples: |` block, by
editing the text, so the file keeps its formatting and comments. The change is first made in
a staged copy of the project and checked there (YAML, the project's rules, Rasa's
validation); only if it brings no new error does the real file get replaced, in one step.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from pathlib import Path
from typing import List, Optional, Tuple

from knowledge_base.yaml_lines import YamlProblem
from staff.checks import check_training
from staff.checks.training_data import normalise, read_training_files
from staff.evaluation import load_questions
from staff.findings import Finding, errors
from staff.masking import Masker, public_words
from staff.messages import say
from staff.project import Project
from staff.safe_write import atomic_write, staged_copy
from staff.sources import ExampleBlock, read_training_file

MAX_LENGTH = 300
ENTITY_MARKUP = re.compile(r"\]\s*[({]")
LINE_REFERENCE = re.compile(r":\d+\b")


class AddError(Exception):
    """The example was not added; the message says why, in Finnish."""


@dataclasses.dataclass(frozen=True)
class Added:
    file: str
    line: int
    topic: str


def add_example(project: Project, message: str, topic: str) -> Added:
    text = " ".join(message.split())
    _refuse_unsuitable(project, text)
    path, block = _block_of(project, topic)
    _refuse_known(project, text)
    original = path.read_text(encoding="utf-8")
    changed = with_example(original, block, text)
    relative = project.relative(path)
    with staged_copy(project) as staged:
        staged_path = staged.root / relative
        staged_path.write_text(changed, encoding="utf-8")
        _check_round_trip(staged_path, block.intent, text)
        new_errors = _new_errors(check_training(project), check_training(staged))
    if new_errors:
        raise AddError(say("inbox_add.would_break", findings="\n".join(map(str, new_errors))))
    if path.read_text(encoding="utf-8") != original:
        raise AddError(say("inbox_add.changed_meanwhile", file=relative))
    atomic_write(path, changed)
    return Added(relative, block.last_line + 1, block.topic)


def with_example(source: str, block: ExampleBlock, text: str) -> str:
    """`source` with `text` as a new example line right after the block's last example."""
    lines = source.splitlines(keepends=True)
    index = block.last_line  # the new line's 0-based index
    if not lines[index - 1].endswith("\n"):
        lines[index - 1] += "\n"
    lines.insert(index, f"{block.indent}- {text}\n")
    return "".join(lines)


def _refuse_unsuitable(project: Project, text: str) -> None:
    if not text:
        raise AddError(say("inbox_add.empty"))
    if len(text) > MAX_LENGTH:
        raise AddError(say("inbox_add.too_long", length=len(text), limit=MAX_LENGTH))
    masker = Masker(public_words(project.knowledge_dir))
    if masker.has_personal_data(text):
        raise AddError(say("inbox_add.personal_data", masked=masker.mask(text)))
    if ENTITY_MARKUP.search(text):
        raise AddError(say("inbox_add.markup"))


def _block_of(project: Project, topic: str) -> Tuple[Path, ExampleBlock]:
    files, problems = read_training_files(project)
    if problems:
        raise AddError(say("inbox_add.data_broken", findings="\n".join(map(str, problems))))
    wanted = topic.strip()
    found = [
        (f.path, b)
        for f in files
        for b in f.blocks
        if b.intent in (f"faq/{wanted}", wanted) or b.topic == wanted
    ]
    if len(found) == 1:
        return found[0]
    topics = sorted({b.topic for f in files for b in f.blocks})
    if found:
        raise AddError(say("inbox_add.topic_in_many_files", topic=wanted))
    close = difflib.get_close_matches(wanted, topics, n=3)
    raise AddError(
        say(
            "inbox_add.no_topic",
            topic=wanted,
            close=", ".join(close) or "-",
            topics=", ".join(topics),
        )
    )


def _refuse_known(project: Project, text: str) -> None:
    key = normalise(text)
    files, _problems = read_training_files(project)
    for training_file in files:
        for block in training_file.blocks:
            for example in block.examples:
                if normalise(example.text) == key:
                    raise AddError(
                        say(
                            "inbox_add.already_there",
                            topic=block.topic,
                            where=f"{project.relative(training_file.path)}:{example.line}",
                        )
                    )
    if project.heldout.exists() and key in {
        normalise(q["text"]) for q in load_questions(project.heldout)
    }:
        raise AddError(say("inbox_add.heldout"))


def _check_round_trip(path: Path, intent: str, text: str) -> None:
    try:
        blocks = read_training_file(path).blocks
    except YamlProblem as problem:
        raise AddError(say("inbox_add.would_break", findings=str(problem))) from None
    if not any(b.intent == intent and any(e.text == text for e in b.examples) for b in blocks):
        raise AddError(say("inbox_add.not_found_after"))


def _new_errors(before: List[Finding], after: List[Finding]) -> List[Finding]:
    """Errors after the change that were not there before (line numbers may have moved)."""

    def key(finding: Finding) -> Tuple[str, str, str]:
        return finding.rule, finding.file, LINE_REFERENCE.sub("", finding.text)

    known = {key(f) for f in errors(before)}
    return [f for f in errors(after) if key(f) not in known]


def run(
    project: Project, topic: Optional[str], message: Optional[str], group: Optional[int]
) -> int:
    from staff.inbox import saved_group

    try:
        if not topic:
            raise AddError(say("inbox_add.no_topic_given"))
        if group is not None:
            saved = saved_group(project, group)
            if not saved:
                raise AddError(say("inbox_add.no_group", number=group))
            message = saved["text"]
        if not message:
            raise AddError(say("inbox_add.nothing_given"))
        added = add_example(project, message, topic)
    except AddError as error:
        print(say("inbox_add.failed", reason=error))
        return 1
    print(
        say(
            "inbox_add.done",
            text=" ".join(message.split()),
            topic=added.topic,
            where=f"{added.file}:{added.line}",
        )
    )
    return 0
