"""Adding a FAQ topic in the console (into the draft, console.publishing.draft; the live
files stay until it is published) and the weak topics of the latest evaluations on the topic
list (console/content), with Django's test client on a copy of the fixture project."""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from pathlib import Path

import pytest
import yaml

from bot import feedback, handover
from tests.support.console import django_ready
from tests.unit.test_console import ConsoleTestCase

django_ready()

from console.audit.models import Entry  # noqa: E402
from console.content.faq import read_topic  # noqa: E402
from console.content.views import FAQ_CREATED  # noqa: E402
from staff.checks import check_all  # noqa: E402
from staff.eval_report import write_report  # noqa: E402
from staff.evaluation import Answer, Result  # noqa: E402
from staff.findings import errors  # noqa: E402
from staff.project import Project  # noqa: E402
from staff.sources import read_training_file  # noqa: E402

pytestmark = pytest.mark.usefixtures("console_db")

NEW = "/aiheet/uusi-aihe/"
EXAMPLES = [
    "mikä on koulukuraattori",
    "miten saan yhteyden koulukuraattoriin",
    "kuraattori koulussa",
    "voiko kuraattorille puhua lapsen kiusaamisesta",
    "koulun kuraattori yhteystiedot",
    "mitä kuraattori tekee",
    "kuraattorin vastaanotto",
    "tarvitseeko kuraattorille ajanvarauksen",
    "lapsi haluaa puhua kuraattorin kanssa",
    "kuraattori ja vanhemmat",
    "onko kuraattorin palvelu maksullinen",
    "koulukuraattori vaitiolovelvollisuus",
]


class NewTopicTests(ConsoleTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.draft = Project(self.root / "var" / "luonnos")
        self.new_live = self.root / "data" / "faq" / "koulukuraattori.yml"
        self.new_draft = self.draft.root / "data" / "faq" / "koulukuraattori.yml"

    def values(self, **changes: object) -> dict:
        return {
            "name": "koulukuraattori",
            "title": "Mikä on koulukuraattori?",
            "answer": "Koulukuraattori on koulun sosiaalityön ammattilainen. Kysy lisää koulusta.",
            "examples": "\n".join(EXAMPLES),
            **changes,
        }

    def test_a_new_topic_is_written_like_the_others_and_passes_the_checks(self) -> None:
        before = errors(check_all(self.project))
        self.login(self.julkaisija)
        self.assertContains(self.client.get("/aiheet/"), f'href="{NEW}"')
        reply = self.client.post(NEW, self.values())
        self.assertRedirects(reply, "/aiheet/koulukuraattori/", fetch_redirect_response=False)
        self.assertFalse(self.new_live.exists())  # until the draft is published
        path = self.new_draft
        training = read_training_file(path)
        self.assertEqual([b.intent for b in training.blocks], ["faq/koulukuraattori"])
        self.assertEqual([a.name for a in training.answers], ["utter_faq/koulukuraattori"])
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        self.assertEqual(data["version"], "3.1")
        variant = data["responses"]["utter_faq/koulukuraattori"][0]
        self.assertEqual(variant["metadata"]["title"], "Mikä on koulukuraattori?")
        topic = read_topic(self.draft, "koulukuraattori")
        self.assertEqual(list(topic.examples), EXAMPLES)
        self.assertEqual(errors(check_all(self.draft)), before)
        # The same keys in the same order as an existing topic file of the project.
        existing = yaml.safe_load(self.original)
        self.assertEqual(list(data), list(existing))
        entry = Entry.objects.get(action=FAQ_CREATED)
        self.assertEqual(entry.target, "data/faq/koulukuraattori.yml")
        self.assertContains(self.client.get("/aiheet/koulukuraattori/"), "on lisätty luonnokseen")

    def test_too_few_examples_an_old_name_and_a_bad_name_are_refused(self) -> None:
        self.login(self.julkaisija)
        reply = self.client.post(NEW, self.values(examples="\n".join(EXAMPLES[:5])))
        self.assertIn("vähintään 12", " ".join(reply.context["form"].errors["examples"]))
        reply = self.client.post(NEW, self.values(name="erokahvila"))
        self.assertIn("on jo olemassa", reply.context["form"].errors["name"][0])
        reply = self.client.post(NEW, self.values(name="Koulu kuraattori ä"))
        self.assertIn("pieniä kirjaimia", reply.context["form"].errors["name"][0])
        reply = self.client.post(
            NEW, self.values(examples="mikä on PERHEKESKUS\n" + "\n".join(EXAMPLES))
        )
        self.assertTrue(
            any("kahteen aiheeseen" in e for e in reply.context["form"].errors["examples"])
        )
        self.assertFalse(self.new_live.exists())
        self.assertFalse(self.new_draft.exists())
        self.assertFalse(Entry.objects.filter(action=FAQ_CREATED).exists())

    def test_a_muokkaaja_adds_a_topic_into_the_draft_only(self) -> None:
        self.login(self.muokkaaja)
        self.assertContains(self.client.get(NEW), "Tarkista ja lisää aihe")
        reply = self.client.post(NEW, self.values())
        self.assertRedirects(reply, "/aiheet/koulukuraattori/", fetch_redirect_response=False)
        self.assertEqual(list(read_topic(self.draft, "koulukuraattori").examples), EXAMPLES)
        self.assertFalse(self.new_live.exists())
        self.assertEqual(Entry.objects.get(action=FAQ_CREATED).username, "maija")
        self.assertContains(self.client.get("/aiheet/"), 'href="/aiheet/koulukuraattori/"')


class WeakTopicTests(ConsoleTestCase):
    def write(self, relative: str, data: dict) -> None:
        path: Path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")

    def row_of(self, page: str, topic: str) -> str:
        return page.split(f'href="/aiheet/{topic}/"', 1)[1].split("</tr>", 1)[0]

    def test_without_results_a_finnish_note_and_no_figures(self) -> None:
        self.login(self.muokkaaja)
        page = self.client.get("/aiheet/")
        self.assertContains(page, "Arviointien tuloksia ei ole")
        self.assertNotContains(page, "Heikko")

    def test_weak_topics_of_both_evaluations_with_their_time(self) -> None:
        self.write(
            "results/eval/report.json",
            {
                "aika": "2026-11-29T14:05:00",
                "vaadittu": 0.9,
                "aiheittain": {
                    "erokahvila": {"oikein": 2, "kysymyksia": 4},
                    "perhekeskus": {"oikein": 4, "kysymyksia": 4},
                },
            },
        )
        self.write(
            "results/answers/report.json",
            {
                "aika": "2026-11-30T06:42:01",
                "vaadittu": 0.95,
                "tapaukset": [
                    {"vuorot": [{"odotettu": {"topic": "lape"}, "ongelmat": ["puuttui: LAPE"]}]},
                    {"vuorot": [{"odotettu": {"topic": "lape"}, "ongelmat": []}]},
                    {"vuorot": [{"odotettu": {"topic": "perhekeskus"}, "ongelmat": []}]},
                    {"vuorot": [{"odotettu": {"all": ["112"]}, "ongelmat": ["x"]}]},
                ],
            },
        )
        self.login(self.muokkaaja)
        page = self.client.get("/aiheet/").content.decode()
        self.assertIn("tehty 29.11.2026 klo 14.05", page)
        self.assertIn("tehty 30.11.2026 klo 06.42", page)
        self.assertIn(
            "Heikko</strong> (make eval): oikein 2 / 4 (50,0 %)", self.row_of(page, "erokahvila")
        )
        self.assertIn(
            "Heikko</strong> (make eval-answers): oikein 1 / 2 (50,0 %)", self.row_of(page, "lape")
        )
        self.assertNotIn("Heikko", self.row_of(page, "perhekeskus"))
        self.assertIn("ei heikko", self.row_of(page, "perhekeskus"))

    def test_topics_families_rated_not_helpful_are_weak(self) -> None:
        store_file = Path(os.environ["PERHENEUVO_TRACKER_DB"])
        store_file.parent.mkdir(parents=True, exist_ok=True)
        engine = handover.engine_for(str(store_file))
        now = time.time()
        rows = [
            ("erokahvila", feedback.HELPFUL, now - 3600),
            ("erokahvila", feedback.NOT_HELPFUL, now - 3600),
            ("erokahvila", feedback.NOT_HELPFUL, now - 7200),
            ("erokahvila", feedback.HELPFUL, now - 40 * 24 * 3600),  # older than 30 days
            ("lape", feedback.NOT_HELPFUL, now - 3600),  # too few to tell
            ("lape", feedback.NOT_HELPFUL, now - 3600),
            ("perhekeskus", feedback.HELPFUL, now - 3600),
            ("perhekeskus", feedback.HELPFUL, now - 3600),
            ("perhekeskus", feedback.NOT_HELPFUL, now - 3600),
        ]
        with engine.begin() as store:
            for number, (topic, rating, when) in enumerate(rows):
                store.execute(
                    feedback.FEEDBACK.insert().values(
                        sender_id=f"s{number}",
                        channel="rest",
                        message_id="m",
                        question="q",
                        topic=topic,
                        answer="a",
                        rating=rating,
                        timestamp=when,
                    )
                )
        engine.dispose()
        self.login(self.muokkaaja)
        page = self.client.get("/aiheet/").content.decode()
        self.assertIn(
            "Heikko</strong> (perheiden arviot): auttoi 1 / 3 (33,3 %)",
            self.row_of(page, "erokahvila"),
        )
        self.assertNotIn("Heikko", self.row_of(page, "lape"))
        self.assertNotIn("Heikko", self.row_of(page, "perhekeskus"))  # two of three helped
        self.assertIn("Perheiden arviot viimeisiltä 30 päivältä: 1 aihetta", page)

    def test_make_evals_own_report_is_read_and_an_older_page_too(self) -> None:
        result = Result(
            [
                Answer("a", "eroseminaari", "eroseminaari"),
                Answer("b", "eroseminaari", "lape"),
                Answer("c", "lape", "lape"),
            ]
        )
        out = self.root / "results" / "eval"
        write_report(result, out, "models/x.tar.gz", dt.datetime(2026, 11, 28, 9, 30))
        self.assertEqual(
            json.loads((out / "report.json").read_text(encoding="utf-8"))["aiheittain"],
            {
                "eroseminaari": {"oikein": 1, "kysymyksia": 2},
                "lape": {"oikein": 1, "kysymyksia": 1},
            },
        )
        self.login(self.muokkaaja)
        for _kind in ("report.json", "index.html only"):
            page = self.client.get("/aiheet/").content.decode()
            self.assertIn("tehty 28.11.2026 klo 09.30", page)
            self.assertIn("oikein 1 / 2 (50,0 %)", self.row_of(page, "eroseminaari"))
            self.assertNotIn("Heikko", self.row_of(page, "lape"))
            self.assertIn(
                "Vastausten arviointia (<code>make eval-answers</code>) ei ole tehty", page
            )
            (out / "report.json").unlink(missing_ok=True)  # as before report.json existed
