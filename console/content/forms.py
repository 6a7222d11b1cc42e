from __future__ import annotations

from typing import List

from django import forms

from console.texts import say


class TopicEditForm(forms.Form):
    """The answer and the example questions of one topic. The length limit and the other
    rules are not repeated here: the project's own checks (`make check`) judge the edit, and
    their findings are added to the fields by the view."""

    answer = forms.CharField(
        label="Vastaus",
        widget=forms.Textarea(attrs={"rows": 8}),
        strip=False,
        required=True,
    )
    examples = forms.CharField(
        label="Esimerkkikysymykset",
        widget=forms.Textarea(attrs={"rows": 16}),
        required=True,
    )
    version = forms.CharField(widget=forms.HiddenInput)

    def clean_answer(self) -> str:
        answer = self.cleaned_data["answer"].replace("\r\n", "\n").replace("\r", "\n").strip()
        if not answer:
            raise forms.ValidationError(say("edit.empty_answer"))
        return answer

    def clean_examples(self) -> List[str]:
        examples = []
        for line in self.cleaned_data["examples"].splitlines():
            text = line.strip()
            if text.startswith("- "):
                text = text[2:].strip()
            text = " ".join(text.split())
            if text:
                examples.append(text)
        if not examples:
            raise forms.ValidationError(say("edit.no_examples"))
        return examples
