"""The pääkäyttäjä's account forms: a new account, and an account's role, regions and
e-mail. The regions are the ids of knowledge/municipalities.yml; none ticked = every region."""

from __future__ import annotations

from typing import Any, Dict, List

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.validators import UnicodeUsernameValidator

from console.accounts.regions import known_regions
from console.accounts.roles import ROLES
from console.texts import say


def _role_choices() -> List[tuple]:
    return [(role, role) for role in ROLES]


class AccountForm(forms.Form):
    role = forms.ChoiceField(label="Rooli", widget=forms.RadioSelect)
    regions = forms.MultipleChoiceField(
        label="Alueet", required=False, widget=forms.CheckboxSelectMultiple
    )
    email = forms.EmailField(label="Sähköposti", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = _role_choices()
        regions: Dict[str, str] = known_regions()
        self.fields["regions"].choices = list(regions.items())


class NewAccountForm(AccountForm):
    field_order = ["username", "role", "regions", "email"]
    username = forms.CharField(
        label="Käyttäjätunnus", max_length=150, validators=[UnicodeUsernameValidator()]
    )

    def clean_username(self) -> str:
        username = self.cleaned_data["username"].strip()
        if get_user_model().objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(say("staff_user.exists", username=username))
        return username
