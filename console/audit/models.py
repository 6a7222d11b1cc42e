from __future__ import annotations

from typing import Any, Dict, Optional

from django.conf import settings
from django.db import models


class Entry(models.Model):
    """One change: who (the account, and its name even if the account is later removed),
    when, what kind of change, which object, and the details (e.g. old and new text)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    username = models.CharField("käyttäjä", max_length=150)
    at = models.DateTimeField("aika", auto_now_add=True, db_index=True)
    action = models.CharField("muutos", max_length=50)
    target = models.CharField("kohde", max_length=300)
    details = models.JSONField("tiedot", default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = "lokimerkintä"
        verbose_name_plural = "lokimerkinnät"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.action} {self.target}"


# The kinds of change (Entry.action).
LOGIN = "login"
LOGOUT = "logout"
LOGIN_FAILED = "login_failed"
ACCOUNT_CREATED = "account_created"
FAQ_SAVED = "faq_saved"
# A person, place or project of knowledge/ changed, added, marked checked, or ended.
KNOWLEDGE_SAVED = "knowledge_saved"
KNOWLEDGE_ADDED = "knowledge_added"
KNOWLEDGE_CHECKED = "knowledge_checked"
KNOWLEDGE_ENDED = "knowledge_ended"
INBOX_EXAMPLE_ADDED = "inbox_example_added"
INBOX_DISMISSED = "inbox_dismissed"
PUBLISHED = "published"
PUBLISH_FAILED = "publish_failed"
RESTORED = "restored"
DRAFT_DISCARDED = "draft_discarded"
OWN_PASSWORD_CHANGED = "own_password_changed"


def record(user: Any, action: str, target: str, details: Optional[Dict[str, Any]] = None) -> Entry:
    """Writes one audit row; `user` may be None (the command line, a failed log-in)."""
    account = user if getattr(user, "pk", None) else None
    return Entry.objects.create(
        user=account,
        username=account.get_username() if account else str(user or ""),
        action=action,
        target=target,
        details=details or {},
    )
