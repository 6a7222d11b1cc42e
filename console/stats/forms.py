from __future__ import annotations

from typing import List, Tuple

from django import forms

DEFAULT_WEEKS = 8
MAX_WEEKS = 52
ALL = ""


class StatsForm(forms.Form):
    """Which region (or every region the account sees) and how many weeks."""

    alue = forms.ChoiceField(label="Alue", required=False)
    viikot = forms.IntegerField(
        label="Viikkoja", min_value=1, max_value=MAX_WEEKS, initial=DEFAULT_WEEKS, required=False
    )

    def __init__(self, *args, regions: List[Tuple[str, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["alue"].choices = [(ALL, "Kaikki näkyvät alueet yhteensä"), *regions]

    def weeks(self) -> int:
        return self.cleaned_data.get("viikot") or DEFAULT_WEEKS

    def region(self) -> str:
        return self.cleaned_data.get("alue") or ALL
