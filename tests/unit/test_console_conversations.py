"""The console's Keskustelut pages (console/conversations) on a conversation store shared with
the bot (bot/handover.py): requests listed per the account's regions, taking, replying, handing
back, and the opening hours a julkaisija edits and the bot reads."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path
from unittest import mock
from urllib.parse import quote

import pytest

from bot import handover
from tests.support.console import django_ready

django_ready()

from django.contrib.auth import get_user_model  # noqa: E402

from console.audit.models import Entry  # noqa: E402
from tests.unit.test_console import ConsoleTestCase  # noqa: E402

pytestmark = pytest.mark.usefixtures("console_db")


class StoreTestCase(ConsoleTestCase):
    """A conversation store of its own with a waiting request in Etelä-Savo and one in
    Pohjois-Savo."""

    def setUp(self) -> None:
        super().setUp()
        directory = Path(tempfile.mkdtemp(prefix="perheneuvo-handover-"))
        self.addCleanup(shutil.rmtree, directory, True)
        self.store = str(directory / "conversations.db")
        environment = mock.patch.dict(os.environ, {"PERHENEUVO_TRACKER_DB": self.store})
        environment.start()
        self.addCleanup(environment.stop)
        self.engine = handover.engine_for(self.store)
        self.addCleanup(self.engine.dispose)
        with self.engine.begin() as c:
            self.es = handover.open_request(c, "perhe-1", "rest", "etela-savo", "Ei ketään.")
            self.ps = handover.open_request(c, "perhe-2", "rest", "pohjois-savo", "Ei ketään.")


class ConversationsPageTests(StoreTestCase):
    def test_a_region_limited_account_sees_its_own_regions_requests(self) -> None:
        self.login(self.muokkaaja)  # limited to etela-savo
        reply = self.client.get("/keskustelut/")
        self.assertEqual(reply.status_code, 200)
        self.assertEqual([r["entry"].id for r in reply.context["waiting"]], [self.es.id])
        self.assertEqual(self.client.get(f"/keskustelut/{self.ps.id}/").status_code, 404)
        self.assertEqual(self.client.post(f"/keskustelut/{self.ps.id}/ota/").status_code, 404)
        self.login(self.julkaisija)
        waiting = self.client.get("/keskustelut/").context["waiting"]
        self.assertEqual({r["entry"].id for r in waiting}, {self.es.id, self.ps.id})

    def test_take_reply_and_hand_back(self) -> None:
        self.login(self.muokkaaja)
        self.assertEqual(self.client.post(f"/keskustelut/{self.es.id}/ota/").status_code, 302)
        with self.engine.connect() as c:
            taken = handover.get(c, self.es.id)
        self.assertEqual((taken.status, taken.taken_by), (handover.TAKEN, "maija"))
        # an empty reply is refused next to the field
        reply = self.client.post(f"/keskustelut/{self.es.id}/vastaa/", {"teksti": "  "})
        self.assertEqual(reply.status_code, 400)
        self.assertIn("Kirjoita viesti ennen lähettämistä.", reply.content.decode())
        self.client.post(f"/keskustelut/{self.es.id}/vastaa/", {"teksti": "Hei, olen Maija."})
        with self.engine.connect() as c:
            told = [m.text for m in handover.messages_for_family(c, "perhe-1")]
        self.assertEqual(told, [handover.texts()["taken"], "Hei, olen Maija."])
        page = self.client.get(f"/keskustelut/{self.es.id}/").content.decode()
        self.assertIn("Hei, olen Maija.", page)
        # the page is under Keskustelut in the navigation, and says who is logged in
        self.assertIn('aria-current="page">Keskustelut</a>', page)
        self.assertIn("Kirjautuneena: maija", page)
        self.client.post(f"/keskustelut/{self.es.id}/palauta/")
        self.assertEqual(
            list(
                Entry.objects.filter(action__startswith="handover")
                .order_by("id")
                .values_list("action", "target")
            ),
            [
                ("handover_taken", f"keskustelu {self.es.id}"),
                ("handover_returned", f"keskustelu {self.es.id}"),
            ],
        )
        with self.engine.connect() as c:
            self.assertIsNone(handover.active(c, "perhe-1"))
            self.assertEqual(handover.latest(c, "perhe-1").status, handover.RETURNED)
        # a returned conversation takes no more messages
        self.client.post(f"/keskustelut/{self.es.id}/vastaa/", {"teksti": "Vielä yksi"})
        with self.engine.connect() as c:
            self.assertNotIn("Vielä yksi", [m.text for m in handover.messages_of(c, self.es.id)])

    def test_a_family_that_left_is_shown_as_such_and_gets_no_more_messages(self) -> None:
        self.login(self.muokkaaja)
        self.client.post(f"/keskustelut/{self.es.id}/ota/")
        with self.engine.begin() as c:
            self.assertIsNotNone(handover.leave(c, "perhe-1"))  # Poistu nopeasti
        listing = self.client.get("/keskustelut/")
        self.assertEqual(listing.context["taken"], [])
        ended = listing.context["ended"]
        self.assertEqual([r["entry"].id for r in ended], [self.es.id])
        self.assertEqual(ended[0]["status"], "perhe poistui (pikapoistuminen)")
        self.assertIn("perhe poistui (pikapoistuminen)", listing.content.decode())
        page = self.client.get(f"/keskustelut/{self.es.id}/").content.decode()
        self.assertIn("perhe poistui (pikapoistuminen)", page)
        self.assertIn(handover.texts()["left"], page)
        self.assertNotIn("Lähetä perheelle", page)  # no reply form
        self.assertNotIn("Sulje keskustelu", page)
        # a reply written before the page was refreshed is not sent, and says why
        reply = self.client.post(
            f"/keskustelut/{self.es.id}/vastaa/", {"teksti": "Oletko vielä siellä?"}, follow=True
        )
        self.assertIn("Viestiä ei lähetetty: perhe poistui keskustelusta.", reply.content.decode())
        with self.engine.connect() as c:
            texts = [m.text for m in handover.messages_of(c, self.es.id)]
        self.assertNotIn("Oletko vielä siellä?", texts)
        # closing it afterwards changes nothing and is not logged as a staff member's doing
        self.client.post(f"/keskustelut/{self.es.id}/sulje/")
        with self.engine.connect() as c:
            self.assertEqual(handover.get(c, self.es.id).status, handover.LEFT)
        self.assertFalse(Entry.objects.filter(action="handover_closed").exists())

    def test_only_post_changes_anything(self) -> None:
        self.login(self.paakayttaja)
        for action in ("ota", "vastaa", "palauta", "sulje"):
            self.assertEqual(
                self.client.get(f"/keskustelut/{self.es.id}/{action}/").status_code, 405
            )
        with self.engine.connect() as c:
            self.assertEqual(handover.get(c, self.es.id).status, handover.WAITING)

    def test_a_julkaisija_sets_opening_hours_the_bot_reads(self) -> None:
        self.login(self.muokkaaja)
        self.assertEqual(self.client.get("/keskustelut/aukioloajat/").status_code, 403)
        self.login(self.julkaisija)
        form = {
            "alue": "etela-savo",
            "auki_0": "9:00",
            "kiinni_0": "15.30",
            "auki_4": "",
            "kiinni_4": "",
        }
        reply = self.client.post("/keskustelut/aukioloajat/?alue=etela-savo", form)
        self.assertEqual(reply.status_code, 302)
        with self.engine.connect() as c:
            self.assertEqual(handover.hours_of(c, "etela-savo"), {0: ("09:00", "15:30")})
            self.assertEqual(handover.hours_of(c, "pohjois-savo"), {})
        entry = Entry.objects.get(action="opening_hours_saved")
        self.assertEqual((entry.username, entry.target), ("jussi", "aukioloajat etela-savo"))
        self.assertEqual(entry.details["new"], {"0": ["09:00", "15:30"]})
        bad = dict(form, auki_2="16:00", kiinni_2="8:00", auki_3="9:00")
        reply = self.client.post("/keskustelut/aukioloajat/?alue=etela-savo", bad)
        self.assertEqual(reply.status_code, 400)
        page = reply.content.decode()
        self.assertIn("Päättymisajan pitää olla alkamisajan jälkeen.", page)
        self.assertIn("Anna sekä alkamis- että päättymisaika", page)
        with self.engine.connect() as c:
            self.assertEqual(handover.hours_of(c, "etela-savo"), {0: ("09:00", "15:30")})
        page = self.client.get("/keskustelut/aukioloajat/?alue=etela-savo").content.decode()
        self.assertIn('value="09:00"', page)

    def test_a_request_nobody_takes_in_time_is_shown_as_such(self) -> None:
        with self.engine.begin() as c:
            handover.open_request(
                c, "perhe-3", "rest", "etela-savo", "Ei ketään.", now=time.time() - 3600, wait=60
            )
        self.login(self.julkaisija)
        ended = self.client.get("/keskustelut/").context["ended"]
        self.assertEqual([r["entry"].sender_id for r in ended], ["perhe-3"])


class RefreshTests(StoreTestCase):
    """The JSON the Keskustelut pages poll to refresh themselves (conversations.js)."""

    def test_the_list_state_has_the_rows_the_account_may_see_and_a_version(self) -> None:
        self.login(self.muokkaaja)  # limited to etela-savo
        reply = self.client.get("/keskustelut/tila/")
        self.assertEqual(reply.status_code, 200)
        self.assertEqual(reply.headers["Content-Type"], "application/json")
        self.assertIn("no-store", reply.headers["Cache-Control"])
        state = reply.json()
        self.assertEqual([r["id"] for r in state["waiting"]], [self.es.id])
        self.assertEqual((state["taken"], state["ended"]), ([], []))
        row = state["waiting"][0]
        self.assertEqual(row["status"], handover.WAITING)
        self.assertEqual(row["status_text"], "odottaa työntekijää")
        self.assertEqual(row["channel"], "verkkosivun chat")
        self.assertEqual(row["url"], f"/keskustelut/{self.es.id}/")
        self.assertEqual(row["take_url"], f"/keskustelut/{self.es.id}/ota/")
        self.assertRegex(row["made"], r"^\d\d\.\d\d\.\d{4} \d\d:\d\d$")
        self.assertTrue(row["region"])
        # the page starts from the same version; nothing changed, nothing new
        page = self.client.get("/keskustelut/")
        self.assertEqual(page.context["version"], state["version"])
        self.assertContains(page, f'data-versio="{state["version"]}"')
        self.assertContains(page, "/static/console/conversations.js")
        self.assertEqual(self.client.get("/keskustelut/tila/").json()["version"], state["version"])
        # another region's new request changes nothing for this account; its own region's does
        with self.engine.begin() as c:
            handover.open_request(c, "perhe-3", "rest", "pohjois-savo", "Ei ketään.")
        self.assertEqual(self.client.get("/keskustelut/tila/").json(), state)
        with self.engine.begin() as c:
            made = handover.open_request(c, "perhe-4", "telegram", "etela-savo", "Ei ketään.")
        later = self.client.get("/keskustelut/tila/").json()
        self.assertNotEqual(later["version"], state["version"])
        self.assertEqual([r["id"] for r in later["waiting"]], [made.id, self.es.id])
        self.assertEqual(later["waiting"][0]["channel"], "Telegram")
        # taking one moves it and changes the version again
        with self.engine.begin() as c:
            handover.take(c, made.id, "jussi")
        taken = self.client.get("/keskustelut/tila/").json()
        self.assertNotEqual(taken["version"], later["version"])
        self.assertEqual([r["id"] for r in taken["waiting"]], [self.es.id])
        self.assertEqual([(r["id"], r["taken_by"]) for r in taken["taken"]], [(made.id, "jussi")])
        self.login(self.julkaisija)  # all regions
        everything = self.client.get("/keskustelut/tila/").json()
        self.assertEqual(len(everything["waiting"]), 3)

    def test_a_requests_state_has_its_status_and_the_messages_after_an_id(self) -> None:
        self.login(self.muokkaaja)
        self.client.post(f"/keskustelut/{self.es.id}/ota/")
        with self.engine.begin() as c:
            first = handover.add_message(c, self.es, handover.FAMILY, "Hei, soita 040 1234567")
            handover.add_message(c, self.es, handover.FAMILY, "Toinen\nrivi")
        page = self.client.get(f"/keskustelut/{self.es.id}/")
        self.assertContains(page, f'data-jalkeen="{first + 1}"')
        self.assertContains(page, f'data-osoite="/keskustelut/{self.es.id}/tila/"')
        state = self.client.get(f"/keskustelut/{self.es.id}/tila/?jalkeen={first}").json()
        self.assertEqual(
            (state["id"], state["status"], state["status_text"], state["taken_by"]),
            (self.es.id, handover.TAKEN, "työntekijä vastaa", "maija"),
        )
        self.assertEqual(
            [(m["id"], m["author"], m["family"], m["text"]) for m in state["messages"]],
            [(first + 1, "Perhe", True, "Toinen\nrivi")],
        )
        self.assertRegex(state["messages"][0]["time"], r"^\d\d:\d\d$")
        # from the start (or a nonsense id): every message, the family's masked
        everything = self.client.get(f"/keskustelut/{self.es.id}/tila/").json()["messages"]
        self.assertEqual([m["author"] for m in everything], ["Botti", "Perhe", "Perhe"])
        self.assertNotIn("040 1234567", everything[1]["text"])
        nonsense = self.client.get(f"/keskustelut/{self.es.id}/tila/?jalkeen=x").json()
        self.assertEqual(nonsense["messages"], everything)
        latest = self.client.get(f"/keskustelut/{self.es.id}/tila/?jalkeen={first + 1}").json()
        self.assertEqual(latest["messages"], [])
        # closed elsewhere: the status says so, with the bot's closing message
        with self.engine.begin() as c:
            handover.finish(c, self.es.id, handover.CLOSED)
        closed = self.client.get(f"/keskustelut/{self.es.id}/tila/?jalkeen={first + 1}").json()
        self.assertEqual((closed["status"], closed["status_text"]), (handover.CLOSED, "suljettu"))
        self.assertEqual([m["author"] for m in closed["messages"]], ["Botti"])

    def test_a_request_that_waited_too_long_is_expired_in_its_state(self) -> None:
        with self.engine.begin() as c:
            old = handover.open_request(
                c, "perhe-3", "rest", "etela-savo", "Ei ketään.", now=time.time() - 3600, wait=60
            )
        self.login(self.muokkaaja)
        state = self.client.get(f"/keskustelut/{old.id}/tila/").json()
        self.assertEqual(state["status"], handover.EXPIRED)
        self.assertEqual([m["text"] for m in state["messages"]], ["Ei ketään."])

    def test_the_state_keeps_the_pages_permission_and_region_limits(self) -> None:
        self.login(self.muokkaaja)  # limited to etela-savo
        self.assertEqual(self.client.get(f"/keskustelut/{self.ps.id}/tila/").status_code, 404)
        self.assertEqual(self.client.get("/keskustelut/999/tila/").status_code, 404)
        for path in ("/keskustelut/tila/", f"/keskustelut/{self.es.id}/tila/"):
            self.assertEqual(self.client.post(path).status_code, 405)
        nobody = get_user_model().objects.create_user(username="ei-roolia", password="x")
        self.login(nobody)  # logged in, no role: no Keskustelut
        for path in ("/keskustelut/tila/", f"/keskustelut/{self.es.id}/tila/"):
            self.assertEqual(self.client.get(path).status_code, 403)
        self.client.logout()
        for path in ("/keskustelut/tila/", f"/keskustelut/{self.es.id}/tila/?jalkeen=3"):
            self.assertRedirects(
                self.client.get(path),
                f"/kirjaudu/?next={quote(path)}",
                fetch_redirect_response=False,
            )
