from __future__ import annotations

from typing import Any, Iterable, List

from django import forms

from console.content.faq import TOPIC_NAME
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


class NewTopicForm(TopicEditForm):
    """A new topic: its name (the file data/faq/<name>.yml), title, answer and examples."""

    field_order = ["name", "title", "answer", "examples"]
    version = None
    name = forms.CharField(label="Aiheen nimi", max_length=60)
    title = forms.CharField(label="Otsikko", max_length=200)

    def __init__(self, *args: Any, existing: Iterable[str] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.existing = set(existing)

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip().lower()
        if not TOPIC_NAME.match(name):
            raise forms.ValidationError(say("new_topic.bad_name"))
        if name in self.existing:
            raise forms.ValidationError(say("new_topic.exists", topic=name))
        return name

    def clean_title(self) -> str:
        title = " ".join(self.cleaned_data["title"].split())
        if not title:
            raise forms.ValidationError(say("new_topic.empty_title"))
        return title
