"""Changing fields of people in knowledge/contacts.yml in the file's own text: only the
changed values are rewritten, so comments, key order, quoting and every other person stay as
they were. The result is read back and compared with what was meant before it is used."""

from __future__ import annotations

import copy
import datetime as dt
import json
from typing import Any, Dict, List, Optional, Tuple

import yaml

# A change: contact id -> {field: new value}; a field is a key of the entry, or
# "valid.from" / "valid.until"; None removes the key.
Changes = Dict[str, Dict[str, Any]]


class ContactsEditError(Exception):
    """The file's layout is not one this module can change safely."""


def edit(source: str, changes: Changes) -> str:
    root = yaml.compose(source, Loader=yaml.SafeLoader)
    entries = _get(root, "contacts")
    if not isinstance(entries, yaml.SequenceNode):
        raise ContactsEditError("contacts")
    edits: List[Tuple[int, int, str]] = []
    for entry in entries.value:
        keys = _keys(entry)
        ident = keys.get("id")
        if ident is None or ident[1].value not in changes:
            continue
        for field, value in changes[ident[1].value].items():
            edits.append(_edit_field(source, keys, field, value))
    text = source
    for start, end, replacement in sorted(edits, key=lambda e: (e[0], e[1]), reverse=True):
        text = text[:start] + replacement + text[end:]
    _verify(source, text, changes)
    return text


def _edit_field(
    source: str, keys: Dict[str, Tuple[Any, Any]], field: str, value: Any
) -> Tuple[int, int, str]:
    if "." in field:
        parent, sub = field.split(".", 1)
        if parent not in keys or value is None:
            raise ContactsEditError(field)
        inner = _keys(keys[parent][1]).get(sub)
        if inner is None or not isinstance(inner[1], yaml.ScalarNode):
            raise ContactsEditError(field)
        node = inner[1]
        return node.start_mark.index, node.end_mark.index, render(value, flow=True)
    if field in keys:
        key, node = keys[field]
        end = node.end_mark.index
        while end > node.start_mark.index and source[end - 1] in " \t\r\n":
            end -= 1
        if value is None:  # the whole line(s) of the key go
            start = source.rfind("\n", 0, key.start_mark.index) + 1
            newline = source.find("\n", end)
            return start, len(source) if newline < 0 else newline + 1, ""
        return key.end_mark.index, end, ": " + render(value)
    if value is None:
        return 0, 0, ""
    anchor = keys.get("source") or keys.get("valid")
    if anchor is None:
        raise ContactsEditError(field)
    key = anchor[0]
    line_start = source.rfind("\n", 0, key.start_mark.index) + 1
    indent = " " * key.start_mark.column
    if source[line_start : key.start_mark.index].strip():
        raise ContactsEditError(field)  # a flow mapping on one line: not this file's layout
    return line_start, line_start, f"{indent}{field}: {render(value)}\n"


def render(value: Any, flow: bool = False) -> str:
    """A YAML value: plain when that reads back as the same value, else a JSON string."""
    if isinstance(value, list):
        return "[" + ", ".join(render(item, flow=True) for item in value) + "]"
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    plain_ok = (
        text == text.strip()
        and "\n" not in text
        and not (flow and any(c in text for c in ",[]{}"))
        and _loads_as(text, value)
    )
    return text if plain_ok else json.dumps(text, ensure_ascii=False)


def _loads_as(text: str, value: Any) -> bool:
    try:
        return yaml.safe_load(f"k: [{text}]\n") == {"k": [value]} and yaml.safe_load(
            f"k: {text}\n"
        ) == {"k": value}
    except yaml.YAMLError:
        return False


def _verify(before: str, after: str, changes: Changes) -> None:
    """The edited text must read as the old document with exactly `changes` applied."""
    try:
        expected = copy.deepcopy(yaml.safe_load(before))
        got = yaml.safe_load(after)
    except yaml.YAMLError as error:
        raise ContactsEditError(str(error)) from None
    for entry in expected.get("contacts") or []:
        for field, value in changes.get(entry.get("id"), {}).items():
            if "." in field:
                parent, sub = field.split(".", 1)
                entry.setdefault(parent, {})[sub] = value
            elif value is None:
                entry.pop(field, None)
            else:
                entry[field] = value
    if got != expected:
        raise ContactsEditError("verify")


def _keys(node: Any) -> Dict[str, Tuple[Any, Any]]:
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {k.value: (k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode)}


def _get(node: Any, key: str) -> Optional[Any]:
    found = _keys(node).get(key)
    return found[1] if found else None
