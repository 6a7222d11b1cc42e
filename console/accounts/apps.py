from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "console.accounts"
    label = "accounts"
    verbose_name = "Tunnukset"

    def ready(self) -> None:
        post_migrate.connect(_roles_after_migrate, sender=self)


def _roles_after_migrate(**kwargs: Any) -> None:
    from console.accounts.roles import ensure_roles

    ensure_roles()
