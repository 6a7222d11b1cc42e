"""Account management in the console (console/accounts views) with Django's test client: only
a pääkäyttäjä gets there; accounts are created, changed, deactivated (never deleted), given a
new password shown once, and unlocked; each change writes an audit row."""

from __future__ import annotations

import pytest

from tests.support.console import PASSWORD, django_ready
from tests.unit.test_console import LOGIN_URL, ConsoleTestCase

django_ready()

from django.contrib.auth import get_user_model  # noqa: E402
from django.test import Client  # noqa: E402

from console.accounts import manage  # noqa: E402
from console.accounts.roles import JULKAISIJA, MUOKKAAJA, PAAKAYTTAJA, role_of  # noqa: E402
from console.audit.models import ACCOUNT_CREATED, Entry  # noqa: E402

pytestmark = pytest.mark.usefixtures("console_db")


def logs_in(username: str, password: str) -> bool:
    """Whether the log-in page accepts the name and password (through django-axes)."""
    return Client().post(LOGIN_URL, {"username": username, "password": password}).status_code == 302


class AccountPageTests(ConsoleTestCase):
    def test_a_muokkaaja_or_julkaisija_cannot_manage_accounts(self) -> None:
        for user in (self.muokkaaja, self.julkaisija):
            client = self.login(user, Client())
            self.assertNotContains(client.get("/"), 'href="/tunnukset/"')
            for url in ("/tunnukset/", "/tunnukset/uusi/", f"/tunnukset/{self.muokkaaja.pk}/"):
                self.assertContains(client.get(url), "Sinulla ei ole oikeutta", status_code=403)
            reply = client.post(
                "/tunnukset/uusi/", {"username": "hakkeri", "role": PAAKAYTTAJA, "regions": []}
            )
            self.assertEqual(reply.status_code, 403)
            reply = client.post(f"/tunnukset/{self.paakayttaja.pk}/uusi-salasana/")
            self.assertEqual(reply.status_code, 403)
        self.assertFalse(get_user_model().objects.filter(username="hakkeri").exists())
        self.assertTrue(self.paakayttaja.check_password(PASSWORD))

    def test_list_shows_roles_and_regions(self) -> None:
        self.login(self.paakayttaja)
        page = self.client.get("/tunnukset/")
        self.assertContains(page, f'href="/tunnukset/{self.muokkaaja.pk}/"')
        row = page.content.decode().split(">maija<", 1)[1].split("</tr>", 1)[0]
        self.assertIn("muokkaaja", row)
        self.assertIn("Etelä-Savo", row)
        self.assertIn("käytössä", row)

    def test_create_shows_the_password_once_and_audits(self) -> None:
        self.login(self.paakayttaja)
        reply = self.client.post(
            "/tunnukset/uusi/",
            {"username": "tiina", "role": JULKAISIJA, "regions": ["keski-suomi"], "email": ""},
        )
        self.assertContains(reply, "Tunnus tiina lisätty")
        password = reply.context["password"]
        self.assertIn(password, reply.content.decode())
        self.assertEqual(reply["Cache-Control"], "no-store")
        user = get_user_model().objects.get(username="tiina")
        self.assertEqual(role_of(user), JULKAISIJA)
        self.assertEqual(user.profile.regions, ["keski-suomi"])
        self.assertTrue(logs_in("tiina", password))
        entry = Entry.objects.get(action=ACCOUNT_CREATED, target="tunnus tiina")
        self.assertEqual(entry.username, "paula")
        self.assertNotIn(password, str(entry.details))
        # The same name again, and a region that does not exist: errors next to the fields.
        reply = self.client.post(
            "/tunnukset/uusi/", {"username": "TIINA", "role": JULKAISIJA, "regions": ["mars"]}
        )
        self.assertEqual(reply.status_code, 200)
        self.assertIn("on jo olemassa", reply.context["form"].errors["username"][0])
        self.assertIn("regions", reply.context["form"].errors)

    def test_change_role_and_regions(self) -> None:
        self.login(self.paakayttaja)
        url = f"/tunnukset/{self.muokkaaja.pk}/"
        reply = self.client.post(url, {"role": JULKAISIJA, "regions": [], "email": "m@x.fi"})
        self.assertRedirects(reply, "/tunnukset/", fetch_redirect_response=False)
        user = get_user_model().objects.get(pk=self.muokkaaja.pk)
        self.assertEqual(role_of(user), JULKAISIJA)
        self.assertEqual(list(user.groups.values_list("name", flat=True)), [JULKAISIJA])
        self.assertEqual(user.profile.regions, [])
        entry = Entry.objects.get(action=manage.ACCOUNT_CHANGED)
        self.assertEqual(entry.details["role"], {"before": MUOKKAAJA, "after": JULKAISIJA})
        self.assertEqual(entry.details["regions"], {"before": ["etela-savo"], "after": []})
        # Not one's own role: the last pääkäyttäjä must not lock everyone out.
        own = f"/tunnukset/{self.paakayttaja.pk}/"
        reply = self.client.post(own, {"role": MUOKKAAJA, "regions": []})
        self.assertIn("omaa rooliasi", reply.context["form"].errors["role"][0])
        self.assertEqual(role_of(self.paakayttaja), PAAKAYTTAJA)

    def test_deactivate_keeps_the_account_and_stops_its_log_in(self) -> None:
        self.login(self.paakayttaja)
        maija = self.login(self.muokkaaja, Client())
        reply = self.client.post(f"/tunnukset/{self.muokkaaja.pk}/kaytossa/", {"active": "0"})
        self.assertRedirects(reply, "/tunnukset/", fetch_redirect_response=False)
        user = get_user_model().objects.get(pk=self.muokkaaja.pk)
        self.assertFalse(user.is_active)
        self.assertRedirects(maija.get("/"), f"{LOGIN_URL}?next=/")  # the session ends
        self.assertFalse(logs_in("maija", PASSWORD))
        self.assertTrue(Entry.objects.filter(action=manage.ACCOUNT_DEACTIVATED).exists())
        self.assertContains(self.client.get("/tunnukset/"), "poistettu käytöstä")
        self.client.post(f"/tunnukset/{self.muokkaaja.pk}/kaytossa/", {"active": "1"})
        self.assertTrue(get_user_model().objects.get(pk=self.muokkaaja.pk).is_active)
        # Not oneself.
        self.client.post(f"/tunnukset/{self.paakayttaja.pk}/kaytossa/", {"active": "0"})
        self.assertTrue(get_user_model().objects.get(pk=self.paakayttaja.pk).is_active)

    def test_new_password_is_shown_once_and_the_old_stops_working(self) -> None:
        self.login(self.paakayttaja)
        reply = self.client.post(f"/tunnukset/{self.julkaisija.pk}/uusi-salasana/")
        password = reply.context["password"]
        self.assertContains(reply, "Uusi salasana tunnukselle jussi")
        self.assertFalse(logs_in("jussi", PASSWORD))
        self.assertTrue(logs_in("jussi", password))
        entry = Entry.objects.get(action=manage.PASSWORD_RESET)
        self.assertEqual(entry.target, "tunnus jussi")
        self.assertNotIn(password, str(entry.details))
        self.assertNotContains(self.client.get(f"/tunnukset/{self.julkaisija.pk}/"), password)

    def test_a_locked_account_is_shown_and_unlocked(self) -> None:
        for attempt in range(6):
            Client().post(LOGIN_URL, {"username": "jussi", "password": f"väärä{attempt}"})
        self.assertTrue(manage.is_locked("jussi"))
        locked = Client().post(LOGIN_URL, {"username": "jussi", "password": PASSWORD})
        self.assertEqual(locked.status_code, 429)
        self.login(self.paakayttaja)
        page = self.client.get(f"/tunnukset/{self.julkaisija.pk}/")
        self.assertContains(page, "<strong>lukittu</strong>", html=True)
        self.assertContains(page, "Avaa lukitus")
        reply = self.client.post(f"/tunnukset/{self.julkaisija.pk}/avaa-lukitus/")
        self.assertRedirects(reply, "/tunnukset/", fetch_redirect_response=False)
        self.assertFalse(manage.is_locked("jussi"))
        reply = Client().post(LOGIN_URL, {"username": "jussi", "password": PASSWORD})
        self.assertRedirects(reply, "/", fetch_redirect_response=False)
        self.assertTrue(Entry.objects.filter(action=manage.ACCOUNT_UNLOCKED).exists())
