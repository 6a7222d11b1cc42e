"""Changing one entry of a knowledge file in the file's own text. Only the changed fields'
text is replaced (a new field gets a line of its own, or its place in a one-line `{...}`
entry), so comments, the order of fields and the style of every other line stay as staff
wrote them. Every edit is read back: the file must then hold exactly the intended data, else
`RoundTripFailed` and nothing is written."""

from __future__ import annotations

import copy
from typing import Any, Dict, List, Optional, Sequence, Tuple

import yaml

Edit = Tuple[int, int, str]  # replace source[start:end] with the text


class RoundTripFailed(Exception):
    """The edited text would not read back as the intended data."""


class EntryNotFound(Exception):
    pass


def render(value: Any) -> str:
    """A value as YAML on one line: plain where that reads back the same, else quoted; lists
    and periods in flow style, `[044 123 4567]`, `{from: 2019-01-01, until: 2019-12-31}`."""
    text = yaml.safe_dump(
        value, default_flow_style=True, allow_unicode=True, width=10**9, sort_keys=False
    ).rstrip("\n")
    if text.endswith("\n..."):
        text = text[: -len("\n...")]
    if "\n" in text:
        raise RoundTripFailed(repr(value))
    return text


def _flow_pair(field: str, value: Any) -> str:
    """`field: value` as it stands inside a one-line `{...}` entry (flow rules quote more)."""
    return render({field: value})[1:-1]


def replace_entry(
    source: str, key: str, index: int, entry: Dict[str, Any], order: Sequence[str]
) -> str:
    """`source` with entry `index` of the list `key` changed to `entry`; `order` is the
    fields' usual order, where a new field is put."""
    data = yaml.safe_load(source)
    item = _items(source, key)[index]
    old = data[key][index]
    pairs = {k.value: (k, v) for k, v in item.value}
    flow = bool(item.flow_style)
    edits: List[Edit] = []
    names = [k.value for k, _v in item.value]
    for position, name in enumerate(names):
        key_node, value_node = pairs[name]
        if name not in entry:
            if position == 0:
                raise RoundTripFailed(f"cannot remove the first field {name}")
            if flow:
                edits.append(
                    (_end(source, pairs[names[position - 1]][1]), _end(source, value_node), "")
                )
            else:
                start = source.rfind("\n", 0, key_node.start_mark.index) + 1
                edits.append((start, _line_end(source, _end(source, value_node)), ""))
        elif entry[name] != old[name]:
            text = _flow_pair(name, entry[name]) if flow else f"{name}: {render(entry[name])}"
            edits.append((key_node.start_mark.index, _end(source, value_node), text))
    indent = " " * item.start_mark.column
    for name in [n for n in entry if n not in pairs]:
        anchor = _anchor(name, names, order)
        after = _end(source, pairs[anchor][1])
        if flow:
            edits.append((after, after, ", " + _flow_pair(name, entry[name])))
        else:
            at = _line_end(source, after)
            newline = "" if source[at - 1 : at] == "\n" else "\n"
            edits.append((at, at, f"{newline}{indent}{name}: {render(entry[name])}\n"))
        names.insert(names.index(anchor) + 1, name)
        pairs[name] = pairs[anchor]  # a later new field after this one goes after it too
    changed = _apply(source, edits)
    expected = copy.deepcopy(data)
    expected[key][index] = entry
    _same(changed, expected)
    return changed


def append_entry(source: str, key: str, entry: Dict[str, Any], order: Sequence[str]) -> str:
    """`source` with `entry` added as the last one of the list `key`, one field a line."""
    data = yaml.safe_load(source)
    items = _items(source, key)
    if not items:
        raise EntryNotFound(key)
    last = items[-1]
    line_start = source.rfind("\n", 0, last.start_mark.index) + 1
    dash = source[line_start : last.start_mark.index]  # "- " or "  - "
    indent = " " * len(dash)
    fields = sorted(entry, key=lambda n: order.index(n) if n in order else len(order))
    lines = [f"{dash if i == 0 else indent}{n}: {render(entry[n])}\n" for i, n in enumerate(fields)]
    at = _line_end(source, _end(source, last))
    newline = "" if source[at - 1 : at] == "\n" else "\n"
    changed = source[:at] + newline + "".join(lines) + source[at:]
    expected = copy.deepcopy(data)
    expected[key].append(entry)
    _same(changed, expected)
    return changed


def _items(source: str, key: str) -> List[Any]:
    """The nodes of the list `key`, from the pure-Python composer (its marks count
    characters; libyaml's may count bytes)."""
    root = yaml.compose(source, Loader=yaml.SafeLoader)
    if isinstance(root, yaml.MappingNode):
        for k, v in root.value:
            if k.value == key and isinstance(v, yaml.SequenceNode):
                if not all(isinstance(i, yaml.MappingNode) for i in v.value):
                    raise EntryNotFound(key)
                return list(v.value)
    raise EntryNotFound(key)


def _end(source: str, node: Any) -> int:
    """Where a value's own text ends (a block collection's end mark is at the next token)."""
    if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) and not node.flow_style:
        if not node.value:
            return int(node.start_mark.index)
        last = node.value[-1]
        return _end(source, last[1] if isinstance(last, tuple) else last)
    end = int(node.end_mark.index)
    if isinstance(node, yaml.ScalarNode) and node.style in ("|", ">"):
        while end > 0 and source[end - 1] in "\n ":
            end -= 1  # a block scalar's text ends before its trailing line breaks
    return end


def _line_end(source: str, index: int) -> int:
    """The index just after the line break of the line holding `index`."""
    newline = source.find("\n", index)
    return len(source) if newline < 0 else newline + 1


def _anchor(name: str, present: Sequence[str], order: Sequence[str]) -> str:
    """The present field a new field `name` goes after: its nearest predecessor in `order`,
    else the last field."""
    if name in order:
        for before in reversed(order[: order.index(name)]):
            if before in present:
                return before
    return present[-1]


def _apply(source: str, edits: List[Edit]) -> str:
    # From the end backwards; of two insertions at one place, the later one first, so that
    # they read in the order they were made.
    numbered = sorted(((s, e, n, t) for n, (s, e, t) in enumerate(edits)), reverse=True)
    for start, end, _number, text in numbered:
        source = source[:start] + text + source[end:]
    return source


def _same(changed: str, expected: Any) -> None:
    try:
        again: Optional[Any] = yaml.safe_load(changed)
    except yaml.YAMLError as error:
        raise RoundTripFailed(str(error)) from error
    if again != expected:
        raise RoundTripFailed("the edited file reads back differently")
