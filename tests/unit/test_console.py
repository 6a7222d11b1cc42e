"""The staff console (console/) with Django's test client on a copy of the fixture project:
log-in and lock-out, every page behind the log-in, CSRF, roles, and editing a FAQ topic with
the project's own checks."""

from __future__ import annotations

import os
import re
import shutil
import stat
import tempfile
from pathlib import Path
from typing import Any, List
from unittest import mock

import pytest
import yaml
from django.test import Client, TestCase, override_settings
from django.urls import URLPattern, URLResolver, get_resolver

from tests.support import copy_project
from tests.support.console import PASSWORD, django_ready

django_ready()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import CommandError, call_command  # noqa: E402

from console.accounts.first_admin import FIRST_ADMIN, ensure_first_admin  # noqa: E402
from console.accounts.roles import (  # noqa: E402
    EDIT,
    JULKAISIJA,
    MANAGE_ACCOUNTS,
    MUOKKAAJA,
    PAAKAYTTAJA,
    PUBLISH,
    create_account,
    role_of,
)
from console.audit.models import FAQ_SAVED, OWN_PASSWORD_CHANGED, Entry  # noqa: E402

pytestmark = pytest.mark.usefixtures("console_db")

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
TOPIC = "erokahvila"
EDIT_URL = f"/aiheet/{TOPIC}/muokkaa/"
LOGIN_URL = "/kirjaudu/"
PUBLIC = {"kirjaudu/", "healthz"}


class ConsoleTestCase(TestCase):
    """Accounts of each role, and a fresh copy of the fixture project for every test."""

    @classmethod
    def setUpTestData(cls) -> None:
        cls.muokkaaja = create_account("maija", PASSWORD, MUOKKAAJA, ["etela-savo"])
        cls.julkaisija = create_account("jussi", PASSWORD, JULKAISIJA, [])
        cls.paakayttaja = create_account("paula", PASSWORD, PAAKAYTTAJA, [])

    def setUp(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="perheneuvo-console-project-"))
        self.addCleanup(shutil.rmtree, self.root, True)
        self.project = copy_project(self.root)
        self.topic_file = self.root / "data" / "faq" / f"{TOPIC}.yml"
        self.original = self.topic_file.read_text(encoding="utf-8")
        # The console's edits go to the draft (console/publishing), never the live file.
        self.draft_file = self.root / "var" / "luonnos" / "data" / "faq" / f"{TOPIC}.yml"
        overridden = override_settings(CONSOLE_PROJECT_ROOT=self.root)
        overridden.enable()
        self.addCleanup(overridden.disable)
        # the conversation store is the test's own (none until a test makes it)
        store = mock.patch.dict(
            os.environ, {"PERHENEUVO_TRACKER_DB": str(self.root / "var" / "conversations.db")}
        )
        store.start()
        self.addCleanup(store.stop)

    def login(self, user: Any, client: Client | None = None) -> Client:
        client = client or self.client
        client.force_login(user, backend=MODEL_BACKEND)
        return client

    def edit_form(self, client: Client) -> dict:
        """The edit form's values as the page gives them."""
        form = client.get(EDIT_URL).context["form"]
        return {
            "answer": form["answer"].value(),
            "examples": form["examples"].value(),
            "version": form["version"].value(),
        }

    def assert_unchanged(self) -> None:
        self.assertEqual(self.topic_file.read_text(encoding="utf-8"), self.original)
        if self.draft_file.exists():
            self.assertEqual(self.draft_file.read_text(encoding="utf-8"), self.original)
        self.assertFalse(Entry.objects.filter(action=FAQ_SAVED).exists())


class LoginTests(ConsoleTestCase):
    def test_log_in_and_out(self) -> None:
        page = self.client.get(LOGIN_URL)
        self.assertContains(page, "Kirjaudu sisään")
        self.assertContains(page, '<label for="id_username">Käyttäjätunnus</label>', html=True)
        reply = self.client.post(LOGIN_URL, {"username": "jussi", "password": PASSWORD})
        self.assertRedirects(reply, "/")
        self.assertContains(self.client.get("/"), "Roolisi: <strong>julkaisija</strong>")
        self.assertTrue(Entry.objects.filter(username="jussi", action="login").exists())
        self.assertRedirects(self.client.post("/kirjaudu-ulos/"), LOGIN_URL)
        self.assertRedirects(self.client.get("/"), f"{LOGIN_URL}?next=/")

    def test_a_wrong_password_is_refused_in_finnish(self) -> None:
        reply = self.client.post(LOGIN_URL, {"username": "jussi", "password": "väärä"})
        self.assertEqual(reply.status_code, 200)
        self.assertContains(reply, "syötä kelvollinen käyttäjätunnus ja salasana")
        self.assertTrue(Entry.objects.filter(username="jussi", action="login_failed").exists())

    def test_the_sixth_wrong_password_locks_the_account(self) -> None:
        for attempt in range(1, 6):
            reply = self.client.post(LOGIN_URL, {"username": "jussi", "password": f"x{attempt}"})
            self.assertEqual(reply.status_code, 200, f"attempt {attempt}")
            self.assertNotContains(reply, "Tunnus on lukittu")
        reply = self.client.post(LOGIN_URL, {"username": "jussi", "password": "x6"})
        self.assertEqual(reply.status_code, 429)
        self.assertContains(reply, "Tunnus on lukittu", status_code=429)
        # Locked: now even the right password is refused, from a new browser too.
        reply = Client().post(LOGIN_URL, {"username": "jussi", "password": PASSWORD})
        self.assertContains(reply, "Tunnus on lukittu", status_code=429)
        # Other accounts are not locked.
        reply = self.client.post(LOGIN_URL, {"username": "paula", "password": PASSWORD})
        self.assertRedirects(reply, "/")


def _all_paths() -> List[str]:
    """Every URL of the console, path converters filled in with the topic (or account 1)."""

    def walk(patterns: List[Any], prefix: str) -> List[str]:
        found = []
        for pattern in patterns:
            route = prefix + re.sub(
                r"<int:\w+>", "1", re.sub(r"<(?:slug|str|path):\w+>", TOPIC, str(pattern.pattern))
            )
            if isinstance(pattern, URLResolver):
                found += walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern):
                found.append(route)
        return found

    return walk(get_resolver().url_patterns, "")


class AccessTests(ConsoleTestCase):
    def test_every_page_redirects_to_log_in_without_one(self) -> None:
        paths = _all_paths()
        self.assertGreaterEqual(len(paths), 6)
        for path in paths:
            if path in PUBLIC:
                continue
            for method in (self.client.get, self.client.post):
                reply = method("/" + path)
                self.assertRedirects(
                    reply, f"{LOGIN_URL}?next=/{path}", fetch_redirect_response=False
                )
        self.assertEqual(self.client.get("/healthz").status_code, 200)
        self.assert_unchanged()

    def test_a_post_without_the_csrf_token_is_refused(self) -> None:
        client = self.login(self.julkaisija, Client(enforce_csrf_checks=True))
        values = self.edit_form(client)
        values["answer"] = "Uusi vastaus ilman turvatunnistetta."
        reply = client.post(EDIT_URL, values)
        self.assertContains(reply, "Lomaketta ei hyväksytty", status_code=403)
        self.assert_unchanged()
        anonymous = Client(enforce_csrf_checks=True)
        reply = anonymous.post(LOGIN_URL, {"username": "jussi", "password": PASSWORD})
        self.assertEqual(reply.status_code, 403)

    def test_every_response_carries_the_content_security_policy(self) -> None:
        replies = [
            self.client.get(LOGIN_URL),
            self.login(self.julkaisija, Client()).get("/ei-tallaista/"),  # 404 page
            Client(enforce_csrf_checks=True).post(LOGIN_URL, {}),  # 403 page
            self.client.get("/static/console/console.css"),
        ]
        for reply in replies:
            policy = reply.headers["Content-Security-Policy"]
            self.assertIn("default-src 'none'", policy)
            self.assertIn("script-src 'self'", policy)
            self.assertNotIn("unsafe-inline", policy)
            self.assertIn("frame-ancestors 'none'", policy)
            self.assertIn("camera=()", reply.headers["Permissions-Policy"])
        self.assertEqual([r.status_code for r in replies], [200, 404, 403, 200])

    def test_roles_carry_their_permissions(self) -> None:
        self.assertEqual(role_of(self.muokkaaja), MUOKKAAJA)
        self.assertTrue(self.muokkaaja.has_perm(EDIT))
        self.assertFalse(self.muokkaaja.has_perm(PUBLISH))
        self.assertTrue(self.julkaisija.has_perm(PUBLISH))
        self.assertFalse(self.julkaisija.has_perm(MANAGE_ACCOUNTS))
        self.assertTrue(self.paakayttaja.has_perm(MANAGE_ACCOUNTS))
        self.assertEqual(self.muokkaaja.profile.regions, ["etela-savo"])


class TopicTests(ConsoleTestCase):
    def test_topic_list_search_and_page(self) -> None:
        self.login(self.muokkaaja)
        listing = self.client.get("/aiheet/")
        self.assertContains(listing, f'href="/aiheet/{TOPIC}/"')
        found = self.client.get("/aiheet/", {"q": "ERO kahvila?"})
        self.assertContains(found, f'href="/aiheet/{TOPIC}/"')
        self.assertNotContains(found, 'href="/aiheet/perhekeskus/"')
        page = self.client.get(f"/aiheet/{TOPIC}/")
        self.assertContains(page, "Erokahvila on vertaistuellista toimintaa")
        self.assertContains(page, "<li>mikä se erokahvila on</li>", html=True)
        self.assertEqual(self.client.get("/aiheet/ei_tallaista/").status_code, 404)
        self.assertEqual(self.client.get("/aiheet/../etc/").status_code, 404)

    def test_a_muokkaaja_saves_to_the_draft_and_cannot_publish(self) -> None:
        self.login(self.muokkaaja)
        values = self.edit_form(self.client)
        values["answer"] = "Muokkaajan muutos."
        reply = self.client.post(EDIT_URL, values)
        self.assertRedirects(reply, f"/aiheet/{TOPIC}/", fetch_redirect_response=False)
        self.assertEqual(self.topic_file.read_text(encoding="utf-8"), self.original)
        data = yaml.safe_load(self.draft_file.read_text(encoding="utf-8"))
        self.assertEqual(data["responses"][f"utter_faq/{TOPIC}"][0]["text"], "Muokkaajan muutos.")
        page = self.client.get(f"/aiheet/{TOPIC}/")
        self.assertContains(page, "Julkaisematon muutos")
        self.assertContains(page, "Muokkaajan muutos.")
        self.assertContains(self.client.get("/aiheet/"), "(julkaisematon muutos)")
        self.assertEqual(Entry.objects.get(action=FAQ_SAVED).details["draft"], True)
        reply = self.client.post("/julkaisu/julkaise/", {"message": "Muutos"})
        self.assertContains(reply, "Sinulla ei ole oikeutta tähän", status_code=403)
        self.assertEqual(self.client.post("/julkaisu/hylkaa/").status_code, 403)
        self.assertTrue(self.draft_file.exists())

    def test_a_julkaisijas_valid_edit_is_written_and_audited(self) -> None:
        self.login(self.julkaisija)
        values = self.edit_form(self.client)
        new_answer = 'Erokahvila on vertaistukea "eron" kokeneille.\nKysy lisää perhekeskuksesta.'
        values["answer"] = new_answer
        values["examples"] += "\r\n- voiko erokahvilaan tulla lapsen kanssa\r\n\r\n"
        reply = self.client.post(EDIT_URL, values)
        self.assertRedirects(reply, f"/aiheet/{TOPIC}/", fetch_redirect_response=False)
        self.assertEqual(self.topic_file.read_text(encoding="utf-8"), self.original)
        source = self.draft_file.read_text(encoding="utf-8")
        data = yaml.safe_load(source)
        self.assertEqual(data["responses"][f"utter_faq/{TOPIC}"][0]["text"], new_answer)
        self.assertEqual(
            data["responses"][f"utter_faq/{TOPIC}"][0]["metadata"]["title"], "Mikä on erokahvila?"
        )
        examples = data["nlu"][0]["examples"].splitlines()
        self.assertEqual(examples[-1], "- voiko erokahvilaan tulla lapsen kanssa")
        self.assertTrue(source.startswith(self.original.splitlines()[0]))  # comments kept
        entry = Entry.objects.get(action=FAQ_SAVED)
        self.assertEqual((entry.username, entry.user), ("jussi", self.julkaisija))
        self.assertEqual(entry.target, f"data/faq/{TOPIC}.yml")
        self.assertEqual(entry.details["answer"]["after"], new_answer)
        self.assertEqual(
            entry.details["examples_added"], ["voiko erokahvilaan tulla lapsen kanssa"]
        )
        self.assertContains(self.client.get(f"/aiheet/{TOPIC}/"), "on tallennettu luonnokseen")
        self.assertEqual(stat.S_IMODE(os.stat(self.draft_file).st_mode), 0o644)

    def test_an_answer_over_the_limit_gets_the_finding_next_to_the_field(self) -> None:
        self.login(self.julkaisija)
        values = self.edit_form(self.client)
        values["answer"] = "Pitkä vastaus. " * 60
        reply = self.client.post(EDIT_URL, values)
        self.assertEqual(reply.status_code, 200)
        errors = reply.context["form"].errors["answer"]
        self.assertEqual(len(errors), 1)
        self.assertIn("merkkiä pitkä; enintään 700", errors[0])
        self.assertContains(reply, 'id="answer-virheet"')
        self.assertContains(reply, 'aria-describedby="answer-ohje answer-virheet"')
        self.assertContains(reply, "Muutosta ei tallennettu")
        self.assert_unchanged()

    def test_an_example_of_another_topic_gets_the_finding_next_to_the_field(self) -> None:
        self.login(self.julkaisija)
        values = self.edit_form(self.client)
        values["examples"] += "\nmikä on PERHEKESKUS"
        reply = self.client.post(EDIT_URL, values)
        self.assertEqual(reply.status_code, 200)
        errors = reply.context["form"].errors["examples"]
        self.assertTrue(
            any("perhekeskus" in e and "kahteen aiheeseen" in e for e in errors), errors
        )
        self.assertContains(reply, 'id="examples-virheet"')
        self.assert_unchanged()

    def test_too_few_examples_is_refused(self) -> None:
        self.login(self.julkaisija)
        values = self.edit_form(self.client)
        values["examples"] = "erokahvila\nmikä on erokahvila"
        reply = self.client.post(EDIT_URL, values)
        self.assertIn("vähintään 12", " ".join(reply.context["form"].errors["examples"]))
        self.assert_unchanged()

    def test_a_file_changed_meanwhile_is_not_overwritten(self) -> None:
        self.login(self.julkaisija)
        values = self.edit_form(self.client)
        self.draft_file.write_text(self.original + "# someone else\n", encoding="utf-8")
        values["answer"] = "Oma muutos."
        reply = self.client.post(EDIT_URL, values)
        self.assertContains(reply, "Joku muu on tallentanut tämän aiheen")
        self.assertTrue(self.draft_file.read_text(encoding="utf-8").endswith("# someone else\n"))

    def test_the_second_saver_sees_the_first_ones_change_and_keeps_their_own_text(self) -> None:
        first, second = Client(), Client()
        self.login(self.muokkaaja, first)
        self.login(self.julkaisija, second)
        mine, theirs = self.edit_form(first), self.edit_form(second)
        theirs["answer"] = "Toisen muokkaajan vastaus."
        self.assertEqual(second.post(EDIT_URL, theirs).status_code, 302)
        mine["answer"] = "Oma vastaukseni."
        reply = first.post(EDIT_URL, mine)
        self.assertContains(reply, "Joku muu on tallentanut tämän aiheen")
        self.assertContains(reply, "Mitä toinen muutti sillä välin")
        meanwhile = reply.context["meanwhile"]
        self.assertEqual(meanwhile.answer[1], "Toisen muokkaajan vastaus.")
        self.assertIn("vertaistuellista", meanwhile.answer[0])
        self.assertEqual(reply.context["form"]["answer"].value(), "Oma vastaukseni.")
        data = yaml.safe_load(self.draft_file.read_text(encoding="utf-8"))
        self.assertEqual(
            data["responses"][f"utter_faq/{TOPIC}"][0]["text"], "Toisen muokkaajan vastaus."
        )
        # Having seen the change, the editor may save over it: the form has the new version.
        again = {k: reply.context["form"][k].value() for k in ("answer", "examples", "version")}
        self.assertEqual(first.post(EDIT_URL, again).status_code, 302)
        data = yaml.safe_load(self.draft_file.read_text(encoding="utf-8"))
        self.assertEqual(data["responses"][f"utter_faq/{TOPIC}"][0]["text"], "Oma vastaukseni.")

    def test_script_in_an_answer_is_shown_as_text(self) -> None:
        self.login(self.julkaisija)
        values = self.edit_form(self.client)
        values["answer"] = "Hei <script>alert('x')</script> & tervetuloa"
        self.assertEqual(self.client.post(EDIT_URL, values).status_code, 302)
        for url in (f"/aiheet/{TOPIC}/", EDIT_URL):
            page = self.client.get(url).content.decode()
            self.assertNotIn("<script>alert", page)
            self.assertIn(
                "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; tervetuloa", page
            )


class AccountCommandTests(ConsoleTestCase):
    def test_first_admin_is_made_once_with_its_password_in_a_private_file(self) -> None:
        get_user_model().objects.all().delete()
        password_file = self.root / "var" / "console-admin-password"
        with override_settings(ADMIN_PASSWORD_FILE=password_file):
            self.assertEqual(ensure_first_admin(), FIRST_ADMIN)
            self.assertIsNone(ensure_first_admin())
        self.assertEqual(stat.S_IMODE(password_file.stat().st_mode), 0o600)
        admin = get_user_model().objects.get(username=FIRST_ADMIN)
        self.assertEqual(role_of(admin), PAAKAYTTAJA)
        self.assertTrue(admin.check_password(password_file.read_text().strip()))
        self.assertTrue(admin.password.startswith("argon2"))

    def test_staff_user_adds_an_account_with_role_and_regions(self) -> None:
        call_command(
            "staff_user", tunnus="tiina", rooli="julkaisija", alueet="etela-savo keski-suomi"
        )
        user = get_user_model().objects.get(username="tiina")
        self.assertEqual(role_of(user), JULKAISIJA)
        self.assertEqual(user.profile.regions, ["etela-savo", "keski-suomi"])
        self.assertTrue(
            Entry.objects.filter(action="account_created", target="tunnus tiina").exists()
        )
        with self.assertRaisesMessage(CommandError, "Aluetta ei ole"):
            call_command("staff_user", tunnus="toni", rooli="muokkaaja", alueet="lappi-x")
        with self.assertRaisesMessage(CommandError, "Roolia"):
            call_command("staff_user", tunnus="toni", rooli="johtaja", alueet="")
        with self.assertRaisesMessage(CommandError, "on jo olemassa"):
            call_command("staff_user", tunnus="tiina", rooli="muokkaaja", alueet="")


class PasswordChangeTests(ConsoleTestCase):
    def test_an_account_changes_its_own_password(self) -> None:
        client = self.login(self.muokkaaja)
        page = client.get("/salasana/")
        self.assertContains(page, "Vaihda salasana")
        weak = client.post(
            "/salasana/",
            {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"},
        )
        self.assertContains(weak, "Virhe:")
        new = "Mustikka-ja-puolukka-77"
        done = client.post(
            "/salasana/", {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
        )
        self.assertRedirects(done, "/salasana/vaihdettu/")
        self.muokkaaja.refresh_from_db()
        self.assertTrue(self.muokkaaja.check_password(new))
        self.assertTrue(Entry.objects.filter(action=OWN_PASSWORD_CHANGED).exists())
