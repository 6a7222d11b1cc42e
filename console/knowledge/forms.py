"""The form of one person, place or project. It only turns what was typed into the entry's
data (lists split at commas, dates read in ISO or Finnish form); whether the data is valid is
decided by the rules of `make check` (knowledge_base.validation), whose findings the view
adds next to the fields. Only fields the schema requires are required here."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any, Dict, List, Optional, Sequence, Tuple

from django import forms

from console.knowledge.store import Kind, as_text
from console.knowledge.texts import say, text
from knowledge_base import rules
from knowledge_base.finnish import fold
from knowledge_base.schema import SCHEMAS

FINNISH_DATE = re.compile(r"^\s*(\d{1,2})\.(\d{1,2})\.(\d{4})\s*$")


def required_fields(kind: Kind) -> List[str]:
    schema = SCHEMAS[kind.file]["properties"][kind.key]["items"]
    return list(schema["required"])


def place_kinds() -> List[str]:
    schema = SCHEMAS["places.yml"]["properties"]["places"]["items"]
    return list(schema["properties"]["kind"]["enum"])


def form_fields(kind: Kind) -> List[str]:
    """The form's fields in order: a period is two fields, `valid_from` and `valid_until`."""
    names: List[str] = []
    for field in kind.fields:
        names += [f"{field}_from", f"{field}_until"] if field == kind.period else [field]
    return names


def parse_day(value: str) -> Any:
    """A date typed as 2026-11-30 or 30.11.2026; anything else is kept as typed, for the
    rules to explain."""
    value = value.strip()
    match = FINNISH_DATE.match(value)
    if match:
        day, month, year = (int(part) for part in match.groups())
        try:
            return dt.date(year, month, day)
        except ValueError:
            return value
    return rules.parse_date(value) or value


def split_list(value: str) -> List[str]:
    return [" ".join(part.split()) for part in re.split(r"[,;\n]", value) if part.strip()]


def new_id(kind: Kind, data: Dict[str, Any]) -> str:
    """A tunniste from the name (and a place's municipality): "perhekahvila-juva"."""
    words = [str(data.get("name") or "")]
    if kind.slug == "paikat":
        words.append(str(data.get("municipality") or ""))
    return re.sub(r"[^a-z0-9]+", "-", fold(" ".join(words))).strip("-")


class EntryForm(forms.Form):
    version = forms.CharField(widget=forms.HiddenInput)
    # The entry as it was when the form was opened, to show what changed meanwhile.
    original = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(
        self,
        kind: Kind,
        creating: bool,
        choices: Dict[str, Sequence[Tuple[str, str]]],
        *args: Any,
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        self.kind, self.creating = kind, creating
        required = set(required_fields(kind))
        names = (["id"] if creating else []) + form_fields(kind)
        for name in names:
            field = name.rsplit("_", 1)[0] if name.startswith(kind.period + "_") else name
            labels = text(f"fields.{name}")
            is_required = field in required and name != "id"
            if field in kind.flags:
                self.fields[name] = forms.BooleanField(label=labels["label"], required=False)
            elif field in choices:
                options = [("", say("choose"))] + list(choices[field])
                # Any value is accepted here: the rules of `make check` judge it.
                self.fields[name] = forms.CharField(
                    label=labels["label"],
                    required=is_required,
                    widget=forms.Select(choices=options),
                )
            else:
                self.fields[name] = forms.CharField(
                    label=labels["label"], required=is_required, max_length=500
                )
            self.fields[name].help_text = labels["help"]
            self.fields[name].error_messages["required"] = say(
                "edit.required", label=labels["label"]
            )

    def entry(self, before: Dict[str, Any]) -> Dict[str, Any]:
        """The entry the form describes, built on `before` (its other keys kept)."""
        data = dict(before)
        values = self.cleaned_data
        for field in self.kind.fields:
            if field == self.kind.period:
                start = values.get(f"{field}_from", "").strip()
                until = values.get(f"{field}_until", "").strip()
                if start or until:
                    data[field] = {"from": parse_day(start), "until": parse_day(until)}
                else:
                    data.pop(field, None)
                continue
            value = values.get(field)
            if field in self.kind.flags:
                if value:
                    data[field] = True
                else:
                    data.pop(field, None)
            elif field in self.kind.lists:
                items = split_list(value or "")
                if items or field in required_fields(self.kind):
                    data[field] = items
                else:
                    data.pop(field, None)
            elif field == "checked":
                if (value or "").strip():
                    data[field] = parse_day(value)
                else:
                    data.pop(field, None)
            elif (value or "").strip():
                data[field] = " ".join(value.split())
            else:
                data.pop(field, None)
        if self.creating:
            typed = " ".join((values.get("id") or "").split())
            data = {"id": typed or new_id(self.kind, data), **data}
        return {k: data[k] for k in _ordered(data, self.kind.order)}

    def original_entry(self) -> Optional[Dict[str, Any]]:
        try:
            value = json.loads(self.cleaned_data.get("original") or "null")
        except ValueError:
            return None
        return value if isinstance(value, dict) else None


def _ordered(data: Dict[str, Any], order: Sequence[str]) -> List[str]:
    known = [k for k in order if k in data]
    return known + [k for k in data if k not in order]


def initial(kind: Kind, entry: Dict[str, Any], version: str) -> Dict[str, Any]:
    """The form's starting values for `entry`."""
    values: Dict[str, Any] = {"version": version, "original": original_json(kind, entry)}
    for field in kind.fields:
        value = entry.get(field)
        if field == kind.period and isinstance(value, dict):
            values[f"{field}_from"] = as_text(value.get("from"))
            values[f"{field}_until"] = as_text(value.get("until"))
        elif field in kind.flags:
            values[field] = bool(value)
        else:
            values[field] = as_text(value)
    return values


def original_json(kind: Kind, entry: Dict[str, Any]) -> str:
    return json.dumps({f: as_text(entry.get(f)) for f in kind.order}, ensure_ascii=False)


class EndForm(forms.Form):
    """No longer valid: the last day the entry held."""

    version = forms.CharField(widget=forms.HiddenInput)
    until = forms.CharField(label=text("fields.end_until.label"), max_length=20)

    def clean_until(self) -> dt.date:
        day = parse_day(self.cleaned_data["until"])
        if not isinstance(day, dt.date):
            raise forms.ValidationError(say("edit.bad_end_date"))
        return day
