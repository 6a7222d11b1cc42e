"""The roles as Django groups. Each role has the permissions of the one before it:
muokkaaja edits drafts, julkaisija also publishes, pääkäyttäjä also manages accounts."""

from __future__ import annotations

import secrets
from typing import Any, Dict, List, Optional, Sequence

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission
from django.db import transaction

from console.accounts.models import Profile
from console.audit.models import ACCOUNT_CREATED, record

EDIT = "content.edit_draft"
PUBLISH = "content.publish"
MANAGE_ACCOUNTS = "accounts.manage_accounts"

MUOKKAAJA = "muokkaaja"
JULKAISIJA = "julkaisija"
PAAKAYTTAJA = "pääkäyttäjä"
ROLES: Dict[str, Sequence[str]] = {
    MUOKKAAJA: (EDIT,),
    JULKAISIJA: (EDIT, PUBLISH),
    PAAKAYTTAJA: (EDIT, PUBLISH, MANAGE_ACCOUNTS),
}


def ensure_roles() -> None:
    """Creates the role groups and sets their permissions (idempotent; run after migrate)."""
    for label in ("accounts", "content"):
        create_permissions(apps.get_app_config(label), verbosity=0)
    for name, codes in ROLES.items():
        group, _created = Group.objects.get_or_create(name=name)
        group.permissions.set([_permission(code) for code in codes])


def _permission(code: str) -> Permission:
    app_label, codename = code.split(".", 1)
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def role_of(user: Any) -> Optional[str]:
    """The account's highest role, or None."""
    names = set(user.groups.values_list("name", flat=True))
    return next((role for role in reversed(list(ROLES)) if role in names), None)


def new_password() -> str:
    return secrets.token_urlsafe(18)


@transaction.atomic
def create_account(
    username: str,
    password: str,
    role: str,
    regions: List[str],
    by: Any = None,
    email: str = "",
) -> Any:
    """A new account with one role and its regions; the audit log gets a row."""
    if role not in ROLES:
        raise ValueError(role)
    ensure_roles()
    user = get_user_model().objects.create_user(username=username, password=password, email=email)
    user.groups.add(Group.objects.get(name=role))
    Profile.objects.create(user=user, regions=list(regions))
    record(
        by,
        ACCOUNT_CREATED,
        f"tunnus {username}",
        {"role": role, "regions": list(regions)},
    )
    return user
