"""Log-ins, log-outs and failed log-ins go to the audit log too."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from console.audit.models import LOGIN, LOGIN_FAILED, LOGOUT, record


@receiver(user_logged_in)
def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    record(user, LOGIN, "konsoli")


@receiver(user_logged_out)
def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        record(user, LOGOUT, "konsoli")


@receiver(user_login_failed)
def _login_failed(sender: Any, credentials: Any, request: Any = None, **kwargs: Any) -> None:
    record(str(credentials.get("username", ""))[:150], LOGIN_FAILED, "konsoli")
