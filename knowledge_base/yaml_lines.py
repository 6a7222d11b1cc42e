"""Reading the YAML files staff edit, keeping the line of everything so that every problem
can name file:line.

PyYAML's composer gives each node its position; the values themselves are built by the
same safe constructor that `yaml.safe_load` uses.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, Tuple

import yaml

# libyaml is much faster; the pure-Python loader where PyYAML was built without it
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

Lines = Dict[Tuple[Any, ...], int]


class YamlProblem(Exception):
    """A file that is not valid YAML; `line` is 1-based."""

    def __init__(self, path: Path, line: int, problem: str):
        super().__init__(f"{path}:{line}: {problem}")
        self.path = path
        self.line = line
        self.problem = problem


def read_yaml(path: Path) -> Tuple[Any, Lines]:
    """The file's data and the 1-based line of every value, keyed by its path in the data
    (("contacts", 3, "phone") is the phone of the fourth contact)."""
    return parse_yaml(path, path.read_text(encoding="utf-8"))


def parse_yaml(path: Path, source: str) -> Tuple[Any, Lines]:
    """As read_yaml, for text already read from `path`."""
    node = compose(path, source)
    if node is None:
        return None, {}
    loader = _Loader("")
    try:
        data = loader.construct_document(node)
    finally:
        loader.dispose()
    lines: Lines = {}
    _collect_lines(node, (), lines)
    return data, lines


def compose(path: Path, source: str) -> Any:
    """The YAML node tree of `source`; YamlProblem with the line when it is not valid YAML."""
    loader = _Loader(source)
    try:
        return loader.get_single_node()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        raise YamlProblem(
            path, mark.line + 1 if mark else 0, error.problem or str(error)
        ) from error
    except yaml.YAMLError as error:
        raise YamlProblem(path, 0, str(error)) from error
    finally:
        loader.dispose()


def _collect_lines(node: Any, where: Tuple[Any, ...], lines: Lines) -> None:
    lines.setdefault(where, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            lines[where + (key.value,)] = key.start_mark.line + 1
            _collect_lines(value, where + (key.value,), lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _collect_lines(item, where + (index,), lines)
