"""What a pääkäyttäjä does to accounts in the console: change the role and regions,
deactivate or reactivate (accounts are never deleted: the audit log names them), set a new
random password, and open an account django-axes has locked. Every change writes an audit row."""

from __future__ import annotations

from typing import Any, List

from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from console.accounts.models import Profile, regions_of
from console.accounts.roles import ROLES, ensure_roles, new_password, role_of
from console.audit.models import record

# The audit log's kinds of change for accounts (ACCOUNT_CREATED is in console.audit.models).
ACCOUNT_CHANGED = "account_changed"
ACCOUNT_DEACTIVATED = "account_deactivated"
ACCOUNT_REACTIVATED = "account_reactivated"
PASSWORD_RESET = "password_reset"
ACCOUNT_UNLOCKED = "account_unlocked"


def target(user: Any) -> str:
    return f"tunnus {user.get_username()}"


@transaction.atomic
def change_account(user: Any, role: str, regions: List[str], email: str, by: Any) -> bool:
    """Sets the account's one role, its regions and e-mail; True when anything changed."""
    if role not in ROLES:
        raise ValueError(role)
    ensure_roles()
    before = {"role": role_of(user), "regions": regions_of(user), "email": user.email}
    after = {"role": role, "regions": list(regions), "email": email}
    if before == after:
        return False
    user.groups.remove(*Group.objects.filter(name__in=list(ROLES)))
    user.groups.add(Group.objects.get(name=role))
    Profile.objects.update_or_create(user=user, defaults={"regions": list(regions)})
    user.email = email
    user.save(update_fields=["email"])
    changed = {k: {"before": before[k], "after": after[k]} for k in after if before[k] != after[k]}
    record(by, ACCOUNT_CHANGED, target(user), changed)
    return True


def set_active(user: Any, active: bool, by: Any) -> None:
    """Deactivates (the account can no longer log in, its sessions end on their next
    request) or reactivates an account."""
    if user.is_active == active:
        return
    user.is_active = active
    user.save(update_fields=["is_active"])
    record(by, ACCOUNT_REACTIVATED if active else ACCOUNT_DEACTIVATED, target(user))


def reset_password(user: Any, by: Any) -> str:
    """Gives the account a new random password and returns it (shown once, never stored in
    clear text or logged)."""
    password = new_password()
    user.set_password(password)
    user.save(update_fields=["password"])
    record(by, PASSWORD_RESET, target(user))
    return password


def is_locked(username: str) -> bool:
    """Whether django-axes refuses the account now (the sixth wrong password within the
    cool-off time)."""
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    return AccessAttempt.objects.filter(
        username=username,
        failures_since_start__gte=settings.AXES_FAILURE_LIMIT,
        attempt_time__gte=since,
    ).exists()


def unlock(user: Any, by: Any) -> int:
    """Forgets the account's failed log-ins (django-axes), which opens a locked account."""
    removed = axes_reset(username=user.get_username())
    record(by, ACCOUNT_UNLOCKED, target(user), {"attempts_removed": removed})
    return removed
