"""The project's own rules for the training data (data/*.yml and the answers in domain.yml):
enough examples per topic, no question under two topics, answers that fit a phone screen,
every FAQ topic with its answer and title, and the project an answer is about known in
knowledge/projects.yml."""

from __future__ import annotations

import collections
import re
from difflib import get_close_matches
from typing import Dict, Iterable, List, Tuple

import numpy as np
from scipy import sparse

import knowledge_base
from knowledge_base.finnish import words
from knowledge_base.yaml_lines import YamlProblem
from staff.findings import ERROR, WARNING, Finding
from staff.messages import say
from staff.project import Project
from staff.sources import Example, ExampleBlock, TrainingFile, read_training_file

MIN_EXAMPLES = 12
# About 16 lines of 45 characters: what a chat bubble shows on a 6-inch phone without scrolling.
MAX_ANSWER_CHARS = 700
# Cosine similarity of character trigrams above which two examples of different topics are
# flagged as near-duplicates ("kuka huomaa mut kokemusasiantuntija" / "...asiantuntijat").
NEAR_DUPLICATE_SIMILARITY = 0.9
FAQ_PREFIX = "faq/"
ANSWER_PREFIX = "utter_"

_ANNOTATION = re.compile(r"\[([^\]]*)\](?:\([^)]*\)|\{[^}]*\})")


def normalise(text: str) -> str:
    """Case, punctuation and white space folded away, the words split as the bot's tokenizer
    splits them (a hyphenated word such as "harju-kivisen" stays one word):
    "Mikä on  LAPE?" -> "mikä on lape"."""
    return " ".join(word.lower() for word, _start, _end in words(_ANNOTATION.sub(r"\1", text)))


def read_training_files(project: Project) -> Tuple[List[TrainingFile], List[Finding]]:
    files, findings = [], []
    for path in [project.domain] + project.training_files():
        try:
            files.append(read_training_file(path))
        except YamlProblem as problem:
            findings.append(
                Finding(
                    ERROR,
                    "yaml",
                    project.relative(path),
                    problem.line,
                    say("yaml.broken", problem=problem.problem),
                )
            )
    return files, findings


def check_training_data(project: Project, files: List[TrainingFile]) -> List[Finding]:
    blocks: List[Tuple[str, ExampleBlock]] = [
        (project.relative(f.path), block) for f in files for block in f.blocks
    ]
    return (
        _example_counts(blocks)
        + _topic_files(blocks)
        + _duplicates(blocks)
        + _answers(project, files, blocks)
    )


def _example_counts(blocks: List[Tuple[str, ExampleBlock]]) -> List[Finding]:
    counts: Dict[str, int] = collections.Counter()
    first: Dict[str, Tuple[str, ExampleBlock]] = {}
    for file, block in blocks:
        counts[block.intent] += len(block.examples)
        first.setdefault(block.intent, (file, block))
    return [
        Finding(
            ERROR,
            "too_few_examples",
            file,
            block.line,
            say(
                "check.too_few_examples",
                topic=block.topic,
                count=counts[intent],
                minimum=MIN_EXAMPLES,
            ),
        )
        for intent, (file, block) in first.items()
        if counts[intent] < MIN_EXAMPLES
    ]


def _topic_files(blocks: List[Tuple[str, ExampleBlock]]) -> List[Finding]:
    files: Dict[str, List[Tuple[str, int]]] = collections.defaultdict(list)
    for file, block in blocks:
        if block.intent.startswith(FAQ_PREFIX):
            files[block.intent].append((file, block.line))
    return [
        Finding(
            ERROR,
            "topic_in_two_files",
            file,
            line,
            say(
                "check.topic_in_two_files",
                topic=intent[len(FAQ_PREFIX) :],
                other=f"{places[0][0]}:{places[0][1]}",
            ),
        )
        for intent, places in files.items()
        for file, line in places[1:]
    ]


def _duplicates(blocks: List[Tuple[str, ExampleBlock]]) -> List[Finding]:
    examples: List[Tuple[str, str, Example]] = [
        (block.topic, file, example) for file, block in blocks for example in block.examples
    ]
    findings: List[Finding] = []
    seen: Dict[str, Tuple[str, str, Example]] = {}
    for topic, file, example in examples:
        key = normalise(example.text)
        if key in seen:
            other_topic, other_file, other = seen[key]
            same = other_topic == topic
            findings.append(
                Finding(
                    WARNING if same else ERROR,
                    "repeated_example" if same else "duplicate_example",
                    file,
                    example.line,
                    say(
                        "check.repeated_example" if same else "check.duplicate_example",
                        example=example.text,
                        topic=topic,
                        other_topic=other_topic,
                        other=f"{other_file}:{other.line}",
                    ),
                )
            )
        else:
            seen[key] = (topic, file, example)
    findings += _near_duplicates(list(seen.values()))
    return findings


def _near_duplicates(examples: List[Tuple[str, str, Example]]) -> List[Finding]:
    """Pairs of examples under different topics whose character trigrams are nearly the same."""
    if len(examples) < 2:
        return []
    vectors = _trigram_vectors(normalise(example.text) for _t, _f, example in examples)
    similarity = sparse.triu(vectors @ vectors.T, k=1).tocoo()
    findings = []
    for i, j, value in zip(similarity.row, similarity.col, similarity.data, strict=True):
        (topic_a, file_a, a), (topic_b, file_b, b) = examples[i], examples[j]
        if value >= NEAR_DUPLICATE_SIMILARITY and topic_a != topic_b:
            findings.append(
                Finding(
                    WARNING,
                    "near_duplicate",
                    file_b,
                    b.line,
                    say(
                        "check.near_duplicate",
                        example=b.text,
                        topic=topic_b,
                        other_example=a.text,
                        other_topic=topic_a,
                        other=f"{file_a}:{a.line}",
                        percent=round(value * 100),
                    ),
                )
            )
    return findings


def _trigram_vectors(texts: Iterable[str]) -> sparse.csr_matrix:
    vocabulary: Dict[str, int] = {}
    rows, columns, values = [], [], []
    for row, text in enumerate(texts):
        padded = f" {text} "
        for gram, count in collections.Counter(
            padded[i : i + 3] for i in range(len(padded) - 2)
        ).items():
            rows.append(row)
            columns.append(vocabulary.setdefault(gram, len(vocabulary)))
            values.append(float(count))
    matrix = sparse.csr_matrix((values, (rows, columns)), shape=(row + 1, len(vocabulary)))
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sparse.diags(1.0 / norms) @ matrix


def _project_ids(project: Project) -> List[str]:
    """The project ids of knowledge/projects.yml, as an answer's metadata.project may name
    them (none when the file cannot be read: its own check reports that)."""
    projects = knowledge_base.validate(project.knowledge_dir).documents.get("projects.yml") or {}
    items = projects.get("projects") if isinstance(projects, dict) else None
    return [str(p.get("id")) for p in items or [] if isinstance(p, dict)]


def _answers(
    project: Project, files: List[TrainingFile], blocks: List[Tuple[str, ExampleBlock]]
) -> List[Finding]:
    findings = []
    answered = set()
    project_ids = _project_ids(project)
    for training_file in files:
        file = project.relative(training_file.path)
        for answer in training_file.answers:
            name = (
                answer.name[len(ANSWER_PREFIX) :] if answer.name.startswith(ANSWER_PREFIX) else ""
            )
            if name.startswith(FAQ_PREFIX):
                answered.add(name)
                if name not in {block.intent for _f, block in blocks}:
                    findings.append(
                        Finding(
                            ERROR,
                            "answer_without_topic",
                            file,
                            answer.line,
                            say(
                                "check.answer_without_topic",
                                answer=answer.name,
                                topic=name[len(FAQ_PREFIX) :],
                            ),
                        )
                    )
            for variant in answer.texts:
                if len(variant.text) > MAX_ANSWER_CHARS:
                    findings.append(
                        Finding(
                            ERROR,
                            "answer_too_long",
                            file,
                            variant.line,
                            say(
                                "check.answer_too_long",
                                answer=answer.name,
                                length=len(variant.text),
                                limit=MAX_ANSWER_CHARS,
                            ),
                        )
                    )
                if variant.project is not None and variant.project not in project_ids:
                    findings.append(
                        Finding(
                            ERROR,
                            "answer_unknown_project",
                            file,
                            variant.line,
                            say(
                                "check.answer_unknown_project",
                                answer=answer.name,
                                value=variant.project,
                                close=", ".join(get_close_matches(variant.project, project_ids))
                                or "-",
                            ),
                        )
                    )
                if name.startswith(FAQ_PREFIX) and not (variant.title or "").strip():
                    findings.append(
                        Finding(
                            WARNING,
                            "answer_without_title",
                            file,
                            variant.line,
                            say("check.answer_without_title", answer=answer.name),
                        )
                    )
    for file, block in blocks:
        if block.intent.startswith(FAQ_PREFIX) and block.intent not in answered:
            findings.append(
                Finding(
                    ERROR,
                    "topic_without_answer",
                    file,
                    block.line,
                    say(
                        "check.topic_without_answer",
                        topic=block.topic,
                        answer=ANSWER_PREFIX + block.intent,
                    ),
                )
            )
    return findings
