"""Forms of the Keskustelut pages: a reply to a family and a region's opening hours."""

from __future__ import annotations

from typing import Dict, Tuple

from django import forms

from bot import handover


class ReplyForm(forms.Form):
    teksti = forms.CharField(
        label="Viesti perheelle",
        max_length=handover.MAX_TEXT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": "Kirjoita viesti ennen lähettämistä.",
            "max_length": f"Viesti on liian pitkä (enintään {handover.MAX_TEXT_LENGTH} merkkiä).",
        },
    )

    def clean_teksti(self) -> str:
        text = self.cleaned_data["teksti"].strip()
        if not text:
            raise forms.ValidationError("Kirjoita viesti ennen lähettämistä.")
        return text


def _time_field(label: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=5,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "size": 5, "placeholder": "9:00"}),
    )


class OpeningHoursForm(forms.Form):
    """Seven weekdays, each opens and closes (HH:MM) or both empty for closed."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        for day, name in enumerate(handover.WEEKDAYS):
            self.fields[f"auki_{day}"] = _time_field(f"{name.capitalize()} alkaen")
            self.fields[f"kiinni_{day}"] = _time_field(f"{name.capitalize()} asti")

    def rows(self) -> list:
        return [
            {"name": name.capitalize(), "opens": self[f"auki_{d}"], "closes": self[f"kiinni_{d}"]}
            for d, name in enumerate(handover.WEEKDAYS)
        ]

    def clean(self) -> Dict[str, object]:
        data = super().clean() or {}
        for day in range(7):
            opens = (data.get(f"auki_{day}") or "").strip()
            closes = (data.get(f"kiinni_{day}") or "").strip()
            if not opens and not closes:
                continue
            if not opens or not closes:
                self.add_error(
                    f"auki_{day}" if not opens else f"kiinni_{day}",
                    "Anna sekä alkamis- että päättymisaika, tai jätä molemmat tyhjiksi (suljettu).",
                )
                continue
            try:
                start, end = handover.parse_time(opens), handover.parse_time(closes)
            except ValueError:
                self.add_error(f"auki_{day}", "Kirjoita ajat muodossa 9:00 tai 16:30.")
                continue
            if start >= end:
                self.add_error(f"kiinni_{day}", "Päättymisajan pitää olla alkamisajan jälkeen.")
        return data

    def hours(self) -> Dict[int, Tuple[str, str]]:
        found = {}
        for day in range(7):
            opens = (self.cleaned_data.get(f"auki_{day}") or "").strip()
            closes = (self.cleaned_data.get(f"kiinni_{day}") or "").strip()
            if opens and closes:
                found[day] = (opens, closes)
        return found


def initial_hours(hours: Dict[int, Tuple[str, str]]) -> Dict[str, str]:
    initial = {}
    for day, (opens, closes) in hours.items():
        initial[f"auki_{day}"] = opens
        initial[f"kiinni_{day}"] = closes
    return initial
