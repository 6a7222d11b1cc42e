"""The FAQ topics as the console shows and edits them: one file data/faq/<topic>.yml each,
read through staff.sources. An edit changes only the answer's text and the example lines, in
the file's own text, so comments and formatting stay; it is checked with the rules of
`make check` on a staged copy of the project before the real file is replaced in one step."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import yaml

from knowledge_base.yaml_lines import YamlProblem
from staff.checks import check_training
from staff.checks.training_data import normalise
from staff.findings import ERROR, Finding, errors
from staff.project import Project
from staff.safe_write import atomic_write, staged_copy
from staff.sources import ExampleBlock, read_training_file

TOPIC_NAME = re.compile(r"^[a-z0-9_]+$")
FAQ_DIR = Path("data") / "faq"
# Which form field a finding of `make check` belongs to, by its rule.
EXAMPLE_RULES = {"too_few_examples", "duplicate_example", "repeated_example", "near_duplicate"}
ANSWER_RULES = {"answer_too_long", "answer_without_title"}
LINE_REFERENCE = re.compile(r":\d+\b")


class TopicNotFound(Exception):
    pass


class TopicExists(Exception):
    pass


class ChangedMeanwhile(Exception):
    """The file changed after the editor opened it."""


@dataclasses.dataclass(frozen=True)
class Topic:
    name: str  # "erokahvila"
    file: str  # "data/faq/erokahvila.yml"
    title: str
    answer: str
    examples: Tuple[str, ...]
    version: str  # a hash of the file as read: a save checks it has not changed since

    def matches(self, query: str) -> bool:
        """Whether every word of `query` is in the name, title, answer or an example (case,
        punctuation and spacing aside)."""
        haystack = normalise(
            " ".join([self.name.replace("_", " "), self.title, self.answer, *self.examples])
        )
        return all(word in haystack for word in normalise(query).split())


@dataclasses.dataclass(frozen=True)
class Checked:
    """The outcome of checking an edit: the new errors by field ("answer", "examples", or
    "" for the whole topic). Empty when the edit may be saved."""

    by_field: Dict[str, List[Finding]]

    @property
    def ok(self) -> bool:
        return not any(self.by_field.values())


def topic_path(project: Project, name: str) -> Path:
    if not TOPIC_NAME.match(name):
        raise TopicNotFound(name)
    path = project.root / FAQ_DIR / f"{name}.yml"
    if not path.is_file():
        raise TopicNotFound(name)
    return path


def list_topics(project: Project) -> Tuple[List[Topic], List[str]]:
    """Every topic in data/faq/, by name, and the files that could not be read."""
    topics, broken = [], []
    for path in sorted((project.root / FAQ_DIR).glob("*.yml")):
        try:
            topics.append(read_topic(project, path.stem))
        except (YamlProblem, TopicNotFound):
            broken.append(project.relative(path))
    return topics, broken


def read_topic(project: Project, name: str) -> Topic:
    path = topic_path(project, name)
    source = path.read_text(encoding="utf-8")
    training = read_training_file(path)
    block = _block(training.blocks, name)
    answer = next((a for a in training.answers if a.name == f"utter_faq/{name}"), None)
    if block is None or answer is None or not answer.texts:
        raise TopicNotFound(name)
    first = answer.texts[0]
    return Topic(
        name=name,
        file=project.relative(path),
        title=first.title or "",
        answer=first.text,
        examples=tuple(example.text for example in block.examples),
        version=version_of(source),
    )


def version_of(source: str) -> str:
    return hashlib.sha256(source.encode("utf-8")).hexdigest()


def edited_source(source: str, path: Path, name: str, answer: str, examples: Sequence[str]) -> str:
    """`source` with the topic's first answer text and its example lines replaced."""
    block = _block(read_training_file(path).blocks, name)
    if block is None:
        raise TopicNotFound(name)
    value = _answer_value_node(source, name)
    if value is None:
        raise TopicNotFound(name)
    lines = source.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    if block.examples:
        first, last = block.examples[0].line, block.last_line
    else:
        first, last = block.last_line + 1, block.last_line
    examples_start, examples_end = starts[first - 1], starts[last]
    if examples_end <= value.start_mark.index:
        new_examples = "".join(f"{block.indent}- {example}\n" for example in examples)
        return (
            source[:examples_start]
            + new_examples
            + source[examples_end : value.start_mark.index]
            + json.dumps(answer, ensure_ascii=False)
            + source[value.end_mark.index :]
        )
    raise TopicNotFound(name)  # the answer before the examples: not this project's layout


def check_edit(
    project: Project, topic: Topic, answer: str, examples: Sequence[str]
) -> Tuple[Checked, str]:
    """Checks the edit on a staged copy of the project; returns the new errors by field and
    the file's new text."""
    path = topic_path(project, topic.name)
    source = path.read_text(encoding="utf-8")
    if version_of(source) != topic.version:
        raise ChangedMeanwhile(topic.name)
    changed = edited_source(source, path, topic.name, answer, examples)
    with staged_copy(project) as staged:
        staged_path = staged.root / topic.file
        staged_path.write_text(changed, encoding="utf-8")
        after = check_training(staged)
        round_trip = _round_trip_ok(staged, topic.name, answer, examples)
    new = new_errors(check_training(project), after)
    by_field: Dict[str, List[Finding]] = {"answer": [], "examples": [], "": []}
    for finding in new:
        by_field[_field_of(finding)].append(finding)
    if not round_trip and not new:
        by_field[""].append(Finding(ERROR, "round_trip", topic.file, 0, ""))
    return Checked(by_field), changed


def save_edit(project: Project, topic: Topic, changed: str) -> None:
    """Replaces the topic's file in one step, unless it changed since `topic` was read."""
    path = topic_path(project, topic.name)
    if version_of(path.read_text(encoding="utf-8")) != topic.version:
        raise ChangedMeanwhile(topic.name)
    atomic_write(path, changed)


def new_topic_source(name: str, title: str, answer: str, examples: Sequence[str]) -> str:
    """A topic file in the layout of the others: the examples first, then the answer with its
    title. The texts are written as JSON strings (valid YAML) so that no character of theirs
    can change the file's structure."""
    lines = [
        f"# Topic: {name} (added in the staff console).",
        'version: "3.1"',
        "nlu:",
        f"- intent: faq/{name}",
        "  examples: |",
        *(f"    - {' '.join(example.split())}" for example in examples),
        "responses:",
        f"  utter_faq/{name}:",
        f"  - text: {json.dumps(answer, ensure_ascii=False)}",
        "    metadata:",
        f"      title: {json.dumps(title, ensure_ascii=False)}",
    ]
    return "\n".join(lines) + "\n"


def check_new(
    project: Project, name: str, title: str, answer: str, examples: Sequence[str]
) -> Tuple[Checked, str]:
    """Checks a new topic on a staged copy of the project; returns the new errors by field
    and the file's text. The caller makes sure no topic of that name exists."""
    source = new_topic_source(name, title, answer, examples)
    with staged_copy(project) as staged:
        staged_path = staged.root / FAQ_DIR / f"{name}.yml"
        staged_path.parent.mkdir(parents=True, exist_ok=True)
        staged_path.write_text(source, encoding="utf-8")
        after = check_training(staged)
        round_trip = _round_trip_ok(staged, name, answer, examples)
        if round_trip:
            round_trip = read_topic(staged, name).title == title
    new = new_errors(check_training(project), after)
    by_field: Dict[str, List[Finding]] = {"answer": [], "examples": [], "": []}
    for finding in new:
        by_field[_field_of(finding)].append(finding)
    if not round_trip and not new:
        by_field[""].append(Finding(ERROR, "round_trip", str(FAQ_DIR / f"{name}.yml"), 0, ""))
    return Checked(by_field), source


def create_topic(project: Project, name: str, source: str) -> Path:
    """Writes the new topic's file in one step; refuses to replace an existing one."""
    if not TOPIC_NAME.match(name):
        raise TopicNotFound(name)
    path = project.root / FAQ_DIR / f"{name}.yml"
    if path.exists():
        raise TopicExists(name)
    atomic_write(path, source)
    return path


def _block(blocks: Sequence[ExampleBlock], name: str) -> Optional[ExampleBlock]:
    return next((b for b in blocks if b.intent == f"faq/{name}"), None)


def _answer_value_node(source: str, name: str) -> Any:
    """The node of the first text of utter_faq/<name>. The pure-Python loader, whose marks
    count characters (libyaml's may count bytes)."""
    root = yaml.compose(source, Loader=yaml.SafeLoader)
    responses = _get(root, "responses")
    variants = _get(responses, f"utter_faq/{name}")
    if not isinstance(variants, yaml.SequenceNode) or not variants.value:
        return None
    text = _get(variants.value[0], "text")
    return text if isinstance(text, yaml.ScalarNode) else None


def _get(node: Any, key: str) -> Any:
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == key:
                return v
    return None


def _round_trip_ok(project: Project, name: str, answer: str, examples: Sequence[str]) -> bool:
    try:
        topic = read_topic(project, name)
    except (YamlProblem, TopicNotFound):
        return False
    return topic.answer == answer and list(topic.examples) == list(examples)


def new_errors(before: List[Finding], after: List[Finding]) -> List[Finding]:
    """Errors after the change that were not there before (line numbers may have moved)."""

    def key(finding: Finding) -> Tuple[str, str, str]:
        return finding.rule, finding.file, LINE_REFERENCE.sub("", finding.text)

    known = {key(f) for f in errors(before)}
    return [f for f in errors(after) if key(f) not in known]


def _field_of(finding: Finding) -> str:
    if finding.rule in EXAMPLE_RULES:
        return "examples"
    if finding.rule in ANSWER_RULES:
        return "answer"
    return ""
