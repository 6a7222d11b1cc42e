"""python -m console first_admin: the first pääkäyttäjä when no account exists (the server
does this itself at start)."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from console.accounts.first_admin import ensure_first_admin
from console.texts import say


class Command(BaseCommand):
    help = "Luo ensimmäisen pääkäyttäjän, jos tunnuksia ei vielä ole."

    def handle(self, *args: Any, **options: Any) -> None:
        url = f"http://localhost:{settings.CONSOLE_PORT}/"
        username = ensure_first_admin()
        if username:
            self.stdout.write(
                say(
                    "first_admin.created",
                    username=username,
                    file=settings.ADMIN_PASSWORD_FILE,
                    url=url,
                )
            )
        else:
            self.stdout.write(say("first_admin.exists", url=url))
