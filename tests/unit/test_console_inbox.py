"""The console's inbox (Saapuneet, console/inbox) with Django's test client, on a copy of the
fixture project and a conversation store written by Rasa's own SQL tracker store: masked and
grouped messages with the bot's best guess, adding one as an example (checked like
`make check`) into the draft, starting a new topic from one, dismissing, and what each role
may do. The live files stay as they were until the draft is published."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
from pathlib import Path
from typing import List
from unittest import mock
from urllib.parse import quote

import pytest

from staff.inbox import Unanswered, collect, store_source
from tests.support.console import django_ready
from tests.support.conversations import DAY, fill_store, parse_data

django_ready()

from console.audit.models import INBOX_DISMISSED, INBOX_EXAMPLE_ADDED, Entry  # noqa: E402
from console.inbox.models import HandledMessage  # noqa: E402
from console.inbox.reading import handled_key  # noqa: E402
from tests.unit.test_console import TOPIC, ConsoleTestCase  # noqa: E402

pytestmark = pytest.mark.usefixtures("console_db")

INBOX = "/saapuneet/"
ADDABLE = "voiko erokahvilaan tulla vauvan kanssa"
SEMINAR = "milloin on seuraava eroseminaari netissä"
CONVERSATIONS = {
    "perhe-1": [
        (ADDABLE, parse_data("", "nlu_fallback", 0.8, TOPIC, 0.45), "action_ask_rephrase", 1)
    ],
    "perhe-2": [
        (
            "Voiko erokahvilaan tulla  vauvan kanssa?",
            parse_data("", "nlu_fallback", 0.7),
            "action_ask_rephrase",
            2,
        ),
        ("Mikä on perhekeskus?", parse_data("", "faq", 0.98, "perhekeskus", 0.97), "utter_faq", 2),
    ],
    "perhe-3": [
        (
            "Mun nimi on Liisa Virtanen, soita 040 123 4567",
            parse_data("", "out_of_scope", 0.7),
            "utter_out_of_scope",
            3,
        )
    ],
    "perhe-4": [
        (
            SEMINAR,
            parse_data("", "faq", 0.4, "eroseminaari", 0.6),
            "utter_faq",
            4,
        ),
        (
            "vanha kysymys joululahjoista",
            parse_data("", "nlu_fallback", 0.9),
            "action_ask_rephrase",
            20,
        ),
    ],
}
PERSONAL = ["Liisa", "Virtanen", "040 123 4567"]


class InboxTestCase(ConsoleTestCase):
    store: Path

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        directory = Path(tempfile.mkdtemp(prefix="perheneuvo-console-inbox-"))
        cls.addClassCleanup(shutil.rmtree, directory, True)
        cls.store = directory / "conversations.db"
        fill_store(cls.store, CONVERSATIONS)

    def setUp(self) -> None:
        super().setUp()
        # No bot on port 9: the predictions stored with the messages are used.
        environment = mock.patch.dict(
            os.environ,
            {
                "PERHENEUVO_TRACKER_DB": str(self.store),
                "PERHENEUVO_RASA_URL": "http://127.0.0.1:9",
                "PERHENEUVO_API_TOKEN": "x",
            },
        )
        environment.start()
        self.addCleanup(environment.stop)
        self.faq_file = self.root / "data" / "faq" / f"{TOPIC}.yml"  # live
        self.faq_before = self.faq_file.read_text(encoding="utf-8")

    def page(self, **params: str) -> str:
        reply = self.client.get(INBOX, params)
        self.assertEqual(reply.status_code, 200)
        return reply.content.decode()

    def add(self, text: str, topic: str):
        return self.client.post(INBOX + "lisaa/", {"viesti": text, "aihe": topic, "paivat": "14"})

    def assert_faq_unchanged(self) -> None:
        """Neither the live file nor (when there is one) the draft's copy was changed."""
        self.assertEqual(self.faq_file.read_text(encoding="utf-8"), self.faq_before)
        if self.draft_file.exists():
            self.assertEqual(self.draft_file.read_text(encoding="utf-8"), self.faq_before)


class InboxPageTests(InboxTestCase):
    def test_messages_are_masked_grouped_and_have_the_bots_best_guess(self) -> None:
        self.login(self.muokkaaja)
        page = self.page()
        for secret in PERSONAL:
            self.assertNotIn(secret, page)
        self.assertIn("[nimi] [nimi]", page)
        self.assertIn("[puhelinnumero]", page)
        self.assertNotIn("joululahjoista", page)  # older than 14 days
        self.assertNotIn("Mikä on perhekeskus", page)  # answered with confidence
        # The two wordings of one question are one group, the largest first.
        first = page.split('id="ryhma-1"')[1].split('id="ryhma-2"')[0]
        self.assertIn("Ryhmä 1: 2 viestiä", first)
        self.assertIn(f"”{ADDABLE}”", first)
        self.assertIn(f"Botin paras arvaus: <strong>{TOPIC}</strong> (45 %)", first)
        self.assertIn("botti ei ymmärtänyt", first)
        self.assertIn("3 ryhmää, 4 viestiä", page)
        self.assertIn("botti vastasi epävarmasti", page)
        self.assertIn("botti piti aiheen ulkopuolisena", page)
        # "Starts a new topic": the new-topic page with the message as its first example.
        link = f"/aiheet/uusi-aihe/?esimerkki={quote(ADDABLE, safe='')}"
        self.assertIn(f'href="{link}"', page)
        # the new-topic form starts with the message as its first example
        self.assertIn(ADDABLE, self.client.get(link).content.decode())
        self.assertIn("Saapuneet</a>", page)
        # Longer period: the old message too.
        self.assertIn("joululahjoista", self.page(paivat="30"))

    def test_the_best_guess_is_the_chosen_topic(self) -> None:
        self.login(self.julkaisija)
        first = self.page().split('id="ryhma-1"')[1].split('id="ryhma-2"')[0]
        self.assertRegex(first, rf'<option value="{TOPIC}" selected>')
        self.assertEqual(len(re.findall(" selected>", first)), 2)  # each wording's form

    def test_a_wrong_number_of_days_is_shown_next_to_the_field(self) -> None:
        self.login(self.muokkaaja)
        page = self.page(paivat="0")
        self.assertIn('id="paivat-virheet"', page)
        self.assertIn('aria-invalid="true"', page)

    def test_a_missing_store_is_explained(self) -> None:
        self.login(self.muokkaaja)
        with mock.patch.dict(os.environ, {"PERHENEUVO_TRACKER_DB": str(self.root / "ei.db")}):
            self.assertIn("keskustelutietokantaa ei voitu lukea", self.page())


class InboxActionTests(InboxTestCase):
    def test_a_julkaisija_adds_a_message_as_an_example_in_one_click(self) -> None:
        self.login(self.julkaisija)
        reply = self.add(ADDABLE, TOPIC)
        self.assertRedirects(reply, INBOX, fetch_redirect_response=False)
        lines = self.draft_file.read_text(encoding="utf-8").splitlines()
        examples_end = max(i for i, line in enumerate(lines) if line.startswith("    - "))
        self.assertEqual(lines[examples_end], f"    - {ADDABLE}")
        self.assertTrue(
            self.draft_file.read_text(encoding="utf-8").startswith(self.faq_before.splitlines()[0])
        )
        # The bot learns it once the draft is published: the live file is as it was.
        self.assertEqual(self.faq_file.read_text(encoding="utf-8"), self.faq_before)
        handled = HandledMessage.objects.get()
        self.assertEqual(
            (handled.action, handled.topic, handled.user), ("added", TOPIC, self.julkaisija)
        )
        entry = Entry.objects.get(action=INBOX_EXAMPLE_ADDED)
        self.assertEqual(entry.target, f"data/faq/{TOPIC}.yml")
        self.assertEqual(entry.details["example"], ADDABLE)
        page = self.page()
        self.assertIn("on lisätty luonnokseen aiheen erokahvila esimerkiksi", page)
        # Handled: neither wording of it is shown again.
        self.assertNotIn("vauvan kanssa", page.split("<h1>")[1])
        self.assertIn("2 ryhmää, 2 viestiä", page)

    def test_personal_data_is_refused_next_to_the_topic_field(self) -> None:
        self.login(self.julkaisija)
        masked = "Mun nimi on [nimi] [nimi], soita [puhelinnumero]"
        reply = self.add(masked, "out_of_scope")
        self.assertEqual(reply.status_code, 200)
        page = reply.content.decode()
        row = page.split("Esimerkkiä ei lisätty")[1]
        self.assertRegex(
            row, r'id="aihe-\d-1-virheet"><p class="error"><strong>Virhe:</strong> [^<]*henkilötie'
        )
        self.assertRegex(row, r'aria-invalid="true" aria-describedby="aihe-\d-1-virheet"')
        self.assert_faq_unchanged()
        self.assertFalse(HandledMessage.objects.exists())
        self.assertFalse(Entry.objects.filter(action=INBOX_EXAMPLE_ADDED).exists())

    def test_an_example_already_in_the_data_is_refused(self) -> None:
        self.login(self.julkaisija)
        page = self.add("mikä se erokahvila on", "perhekeskus").content.decode()
        self.assertIn("Esimerkkiä ei lisätty", page)
        self.assertIn("erokahvila", page.split("Virhe:")[1])
        self.assert_faq_unchanged()

    def test_an_unknown_topic_is_refused(self) -> None:
        self.login(self.julkaisija)
        page = self.add(ADDABLE, "ei_tallaista").content.decode()
        self.assertIn("Esimerkkiä ei lisätty", page)
        self.assert_faq_unchanged()

    def test_a_muokkaaja_dismisses_and_adds_into_the_draft(self) -> None:
        self.login(self.muokkaaja)
        page = self.page()
        self.assertIn('action="/saapuneet/lisaa/"', page)
        # Dismissing a whole group: both wordings.
        group = [ADDABLE, "Voiko erokahvilaan tulla vauvan kanssa?"]
        reply = self.client.post(INBOX + "ohita/", {"viesti": group, "paivat": "14"})
        self.assertRedirects(reply, INBOX, fetch_redirect_response=False)
        page = self.page()
        self.assertIn("Ohitettuja viestejä: 2", page)
        self.assertNotIn("vauvan kanssa", page.split("<h1>")[1])
        self.assertEqual(
            set(HandledMessage.objects.values_list("key", "action")),
            {(handled_key(t), "dismissed") for t in group},
        )
        self.assertEqual(Entry.objects.get(action=INBOX_DISMISSED).details["messages"], group)
        self.assert_faq_unchanged()
        # Adding goes into the draft; the live file stays until a julkaisija publishes.
        seminar_live = self.root / "data" / "faq" / "eroseminaari.yml"
        seminar_before = seminar_live.read_text(encoding="utf-8")
        reply = self.add(SEMINAR, "eroseminaari")
        self.assertRedirects(reply, INBOX, fetch_redirect_response=False)
        seminar_draft = self.root / "var" / "luonnos" / "data" / "faq" / "eroseminaari.yml"
        self.assertIn(f"    - {SEMINAR}\n", seminar_draft.read_text(encoding="utf-8"))
        self.assertEqual(seminar_live.read_text(encoding="utf-8"), seminar_before)
        self.assertEqual(
            Entry.objects.get(action=INBOX_EXAMPLE_ADDED).username, self.muokkaaja.username
        )
        self.assertEqual(HandledMessage.objects.get(action="added").key, handled_key(SEMINAR))
        self.assertNotIn("eroseminaari netissä", self.page().split("<h1>")[1])
        # Remembered: another account does not see them either.
        self.login(self.paakayttaja)
        self.assertNotIn("vauvan kanssa", self.page())
        self.assert_faq_unchanged()

    def test_a_dismissal_without_a_message_is_refused(self) -> None:
        self.login(self.muokkaaja)
        reply = self.client.post(INBOX + "ohita/", {"paivat": "14"}, follow=True)
        self.assertContains(reply, "Ohitettavaa viestiä ei löytynyt")
        self.assertFalse(HandledMessage.objects.exists())

    def test_only_post_changes_anything(self) -> None:
        self.login(self.paakayttaja)
        self.assertEqual(
            self.client.get(INBOX + "lisaa/", {"viesti": ADDABLE, "aihe": TOPIC}).status_code, 405
        )
        self.assertEqual(self.client.get(INBOX + "ohita/", {"viesti": ADDABLE}).status_code, 405)
        self.assertFalse(HandledMessage.objects.exists())


class InboxSourceTests(InboxTestCase):
    def test_another_source_such_as_feedback_joins_the_same_groups(self) -> None:
        def feedback(since: float, masker) -> List[Unanswered]:
            return [
                Unanswered(
                    masker.mask("voiko erokahvilaan tulla vauvan kanssa, t. Liisa"),
                    time.time(),
                    "unhelpful",
                    {},
                )
            ]

        inbox = collect(
            self.project,
            [store_source(str(self.store)), feedback],
            lambda text: None,
            time.time() - 14 * DAY,
            keep=lambda message: "seminaari" not in message.text,
        )
        first = inbox.groups[0]
        self.assertEqual(len(first.messages), 3)
        self.assertEqual(first.reasons, ["fallback", "unhelpful"])
        self.assertNotIn("Liisa", " ".join(m.text for g in inbox.groups for m in g.messages))
        self.assertFalse(any("seminaari" in m.text for g in inbox.groups for m in g.messages))
        self.assertFalse(inbox.live)
