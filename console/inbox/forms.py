from __future__ import annotations

from typing import List

from django import forms

from console.inbox.reading import DEFAULT_DAYS, MAX_DAYS
from console.texts import say

# A masked message is at most a family's message (1,000 characters) with labels.
MAX_TEXT = 2000
MAX_DISMISSED_AT_ONCE = 500


class DaysForm(forms.Form):
    paivat = forms.IntegerField(
        label="Näytä viestit näin monen päivän ajalta",
        min_value=1,
        max_value=MAX_DAYS,
        initial=DEFAULT_DAYS,
        required=False,
    )

    def days(self) -> int:
        return self.cleaned_data.get("paivat") or DEFAULT_DAYS


class AddExampleForm(forms.Form):
    """A message of the inbox as a new example of a topic. Whether it may be added (no
    personal data, not already an example, the data still passes `make check`) is decided by
    staff.inbox_add, whose finding the view adds to the topic field."""

    viesti = forms.CharField(max_length=MAX_TEXT, widget=forms.HiddenInput)
    aihe = forms.ChoiceField(label="Aihe")

    def __init__(self, *args, topics: List[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["aihe"].choices = [(t, t) for t in topics]


class DismissForm(forms.Form):
    """One message, or every message of a group (the field repeated)."""

    def __init__(self, data) -> None:
        super().__init__(data)
        self.texts = [t for t in data.getlist("viesti") if t.strip()]

    def clean(self):
        if not self.texts:
            raise forms.ValidationError(say("inbox.nothing_to_dismiss"))
        if len(self.texts) > MAX_DISMISSED_AT_ONCE or any(len(t) > MAX_TEXT for t in self.texts):
            raise forms.ValidationError(say("inbox.nothing_to_dismiss"))
        return super().clean()
