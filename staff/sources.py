"""Reading the training data files staff edit (data/), keeping the line of everything so
that every finding can name file:line (the YAML reading itself: knowledge_base.yaml_lines).
Example questions live in literal blocks (`examples: |`), whose lines are read from the text
itself.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, List, Optional, Tuple

import yaml

from knowledge_base.yaml_lines import compose


@dataclasses.dataclass(frozen=True)
class Example:
    text: str
    line: int


@dataclasses.dataclass(frozen=True)
class ExampleBlock:
    intent: str  # "faq/erokahvila" or a plain intent such as "out_of_scope"
    line: int  # the line of "- intent: ..."
    examples: Tuple[Example, ...]
    last_line: int  # the line after which a new example goes (the last example's line)
    indent: str  # the indentation of the example lines

    @property
    def topic(self) -> str:
        """The name staff use: the FAQ topic without "faq/", or the intent itself."""
        return self.intent.split("/", 1)[1] if self.intent.startswith("faq/") else self.intent


@dataclasses.dataclass(frozen=True)
class AnswerText:
    text: str
    line: int
    title: Optional[str]
    project: Optional[str] = None  # metadata.project: the project the answer is about


@dataclasses.dataclass(frozen=True)
class Answer:
    name: str  # "utter_faq/erokahvila"
    line: int
    texts: Tuple[AnswerText, ...]


@dataclasses.dataclass(frozen=True)
class TrainingFile:
    path: Path
    blocks: Tuple[ExampleBlock, ...]
    answers: Tuple[Answer, ...]


def read_training_file(path: Path) -> TrainingFile:
    source = path.read_text(encoding="utf-8")
    node = compose(path, source)
    raw_lines = source.splitlines()
    blocks: List[ExampleBlock] = []
    answers: List[Answer] = []
    for key, value in _mapping_items(node):
        if key.value == "nlu" and isinstance(value, yaml.SequenceNode):
            for item in value.value:
                block = _example_block(item, raw_lines)
                if block:
                    blocks.append(block)
        elif key.value == "responses" and isinstance(value, yaml.MappingNode):
            answers += [_answer(name, variants) for name, variants in value.value]
    return TrainingFile(path, tuple(blocks), tuple(answers))


def _mapping_items(node: Any) -> List[Tuple[Any, Any]]:
    if isinstance(node, yaml.MappingNode):
        return [(k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode)]
    return []


def _scalar(node: Any) -> Optional[str]:
    return node.value if isinstance(node, yaml.ScalarNode) else None


def _example_block(item: Any, raw_lines: List[str]) -> Optional[ExampleBlock]:
    fields = {k.value: (k, v) for k, v in _mapping_items(item)}
    if "intent" not in fields or "examples" not in fields:
        return None
    intent_key, intent = fields["intent"]
    examples_key, examples = fields["examples"]
    key_column = examples_key.start_mark.column
    found: List[Example] = []
    indent = " " * (key_column + 2)
    last_line = examples.start_mark.line + 1
    # A literal block's lines follow its indicator line and are indented deeper than its key.
    for index in range(examples.start_mark.line + 1, len(raw_lines)):
        raw = raw_lines[index]
        if raw.strip() and len(raw) - len(raw.lstrip()) <= key_column:
            break
        stripped = raw.strip()
        if stripped.startswith("-"):
            found.append(Example(stripped[1:].strip(), index + 1))
            indent = raw[: len(raw) - len(raw.lstrip())]
            last_line = index + 1
    return ExampleBlock(
        _scalar(intent) or "", intent_key.start_mark.line + 1, tuple(found), last_line, indent
    )


def _answer(name: Any, variants: Any) -> Answer:
    texts = []
    if isinstance(variants, yaml.SequenceNode):
        for variant in variants.value:
            fields = {k.value: (k, v) for k, v in _mapping_items(variant)}
            if "text" not in fields:
                continue
            key, value = fields["text"]
            metadata = dict(
                (k.value, v) for k, v in _mapping_items(fields.get("metadata", (None, None))[1])
            )
            title = _scalar(metadata["title"]) if "title" in metadata else None
            about = _scalar(metadata["project"]) if "project" in metadata else None
            texts.append(AnswerText(_scalar(value) or "", key.start_mark.line + 1, title, about))
    return Answer(name.value, name.start_mark.line + 1, tuple(texts))
