from __future__ import annotations

from django import forms

from console.texts import say


class PublishForm(forms.Form):
    message = forms.CharField(
        label="Mitä muutit?",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": say("publish.empty_message")},
    )

    def clean_message(self) -> str:
        message = " ".join(self.cleaned_data["message"].split())
        if not message:
            raise forms.ValidationError(say("publish.empty_message"))
        return message


class QuestionForm(forms.Form):
    question = forms.CharField(
        label="Kysymys",
        max_length=1000,
        error_messages={"required": say("draftbot.empty_question")},
    )
