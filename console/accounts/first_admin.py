"""The first pääkäyttäjä, made on first start when there is no account at all. Its random
password is kept in var/console-admin-password (mode 600) through bot.secret_files."""

from __future__ import annotations

from typing import Optional

from django.conf import settings
from django.contrib.auth import get_user_model

from bot.secret_files import read_or_create_secret_file
from console.accounts.roles import PAAKAYTTAJA, create_account

FIRST_ADMIN = "paakayttaja"


def ensure_first_admin() -> Optional[str]:
    """Creates the first administrator if no account exists; returns its user name then,
    else None."""
    if get_user_model().objects.exists():
        return None
    password = read_or_create_secret_file(settings.ADMIN_PASSWORD_FILE)
    create_account(FIRST_ADMIN, password, PAAKAYTTAJA, [], by="ensimmäinen käynnistys")
    return FIRST_ADMIN
