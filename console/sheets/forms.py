from __future__ import annotations

from django import forms

from console.texts import say

MAX_UPLOAD_BYTES = 5 * 1024 * 1024


class UploadForm(forms.Form):
    """The edited workbook: an .xlsx file of at most MAX_UPLOAD_BYTES."""

    workbook = forms.FileField(label="Muokattu taulukko (.xlsx)")

    def clean_workbook(self) -> bytes:
        upload = self.cleaned_data["workbook"]
        if not upload.name.lower().endswith(".xlsx"):
            raise forms.ValidationError(say("sheets.wrong_type", name=upload.name))
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                say("sheets.too_big", megabytes=MAX_UPLOAD_BYTES // (1024 * 1024))
            )
        return upload.read()
