"""python -m console staff_user (make staff-user): adds an account with a role and regions.
What is not given as an option is asked, in Finnish."""

from __future__ import annotations

import getpass
import sys
from typing import Any, Callable, List, Optional

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from console.accounts.regions import known_regions
from console.accounts.roles import ROLES, create_account, ensure_roles, new_password
from console.texts import say


class Command(BaseCommand):
    help = "Lisää henkilökunnan konsoliin tunnuksen, jolla on rooli ja alueet."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tunnus", help="käyttäjätunnus")
        parser.add_argument("--rooli", help="muokkaaja, julkaisija tai pääkäyttäjä")
        parser.add_argument(
            "--alueet", help="alueiden tunnisteet välilyönnein erotettuna (tyhjä = kaikki)"
        )
        parser.add_argument("--sahkoposti", default="", help="sähköpostiosoite")

    def handle(self, *args: Any, **options: Any) -> None:
        # Also before the console's first start: the database is made or brought up to date.
        settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
        call_command("migrate", interactive=False, verbosity=0)
        ensure_roles()
        interactive = sys.stdin.isatty()
        ask: Callable[[str], str] = input if interactive else (lambda _prompt: "")
        roles = ", ".join(ROLES)

        username = (options["tunnus"] or ask(say("staff_user.ask_username"))).strip()
        if not username:
            raise CommandError(say("staff_user.empty_username"))
        if get_user_model().objects.filter(username=username).exists():
            raise CommandError(say("staff_user.exists", username=username))
        role = (options["rooli"] or ask(say("staff_user.ask_role", roles=roles))).strip()
        role = {"paakayttaja": "pääkäyttäjä"}.get(role, role)
        if role not in ROLES:
            raise CommandError(say("staff_user.bad_role", role=role, roles=roles))
        given = options["alueet"]
        if given is None:
            given = ask(say("staff_user.ask_regions"))
        regions = parse_regions(given)

        password = self._password(username, interactive)
        create_account(
            username,
            password or "",
            role,
            regions,
            by="make staff-user",
            email=options["sahkoposti"],
        )
        self.stdout.write(
            say(
                "staff_user.created",
                username=username,
                role=role,
                regions=", ".join(regions) or say("staff_user.all_regions"),
            )
        )

    def _password(self, username: str, interactive: bool) -> Optional[str]:
        password = getpass.getpass(say("staff_user.ask_password")) if interactive else ""
        if not password:
            password = new_password()
            self.stdout.write(say("staff_user.random_password", password=password))
            return password
        if getpass.getpass(say("staff_user.ask_password_again")) != password:
            raise CommandError(say("staff_user.passwords_differ"))
        user = get_user_model()(username=username)
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise CommandError(
                say("staff_user.bad_password", problems=" ".join(error.messages))
            ) from None
        return password


def parse_regions(given: str) -> List[str]:
    """Region ids from "etela-savo, pohjois-savo"; unknown ids are refused."""
    regions = [part for part in given.replace(",", " ").split() if part]
    known = known_regions()
    unknown = [region for region in regions if region not in known]
    if unknown:
        raise CommandError(
            say("staff_user.bad_regions", regions=", ".join(unknown), known=", ".join(known))
        )
    return regions
