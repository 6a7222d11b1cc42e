"""Families' ratings in the conversation store (bot/feedback.py through the tracker store), the
inbox's "not helpful" source, and the console's Tilastot figures, page and CSV checked against
a store filled here with known conversations."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import os
import re
import shutil
import sqlite3
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, List, Optional
from unittest import mock

import pytest
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot import feedback, handover
from bot.tracker_store import PerheneuvoTrackerStore
from console.stats import charts, figures
from staff.inbox import feedback_source
from staff.masking import Masker
from tests.support import TRACKER_DOMAIN as DOMAIN
from tests.support.console import django_ready
from tests.support.conversations import parse_data

django_ready()

from tests.unit.test_console import ConsoleTestCase  # noqa: E402

DAY = 86400
NOW = time.time()
THIS_WEEK = figures.week_of(NOW)
LAST_WEEK = figures.week_of(NOW - 7 * DAY)


def mid(week: figures.Week, hours: float = 0) -> float:
    """Wednesday noon of `week`, plus `hours`."""
    start = dt.datetime.combine(figures.week_start(week), dt.time(12))
    return start.timestamp() + 2 * DAY + hours * 3600


def turn(
    text: str,
    parse: Dict[str, Any],
    action: str,
    at: float,
    message_id: str,
    answer: str = "Vastaus.",
    municipality: Optional[str] = None,
) -> List[Any]:
    parse = dict(parse, text=text)
    if municipality:
        parse["entities"] = [{"entity": "municipality", "value": municipality}]
    events: List[Any] = [
        UserUttered(
            text,
            parse["intent"],
            parse["entities"],
            parse_data=parse,
            timestamp=at,
            input_channel="rest",
            message_id=message_id,
        )
    ]
    if municipality:
        events.append(SlotSet("municipality", municipality, timestamp=at + 0.1))
    events += [
        ActionExecuted(action, timestamp=at + 0.2),
        BotUttered(answer, timestamp=at + 0.3),
        ActionExecuted("action_listen", timestamp=at + 0.4),
    ]
    return events


ANSWERED = parse_data("", "faq", 0.95, "perhekeskus", 0.9)
FALLBACK = parse_data("", "nlu_fallback", 0.8, "erokahvila", 0.4)
OUT = parse_data("", "out_of_scope", 0.9)


def conversations() -> Dict[str, List[Any]]:
    a, b = mid(LAST_WEEK), mid(THIS_WEEK)
    return {
        # Etelä-Savo (Mikkeli): three messages last week, one of them a fallback; one this week
        "a1": turn("asun mikkelissä", ANSWERED, "utter_faq", a, "a1-1", municipality="Mikkeli")
        + turn("mikä on perhekeskus", ANSWERED, "utter_faq", a + 60, "a1-2")
        + turn("voiko vauvan tuoda", FALLBACK, "action_ask_rephrase", a + 120, "a1-3")
        + turn("kiitos", ANSWERED, "utter_faq", b, "a1-4"),
        # no municipality: two messages last week, one out of scope; the reset is not counted
        "a2": turn("mikä on sää", OUT, "utter_out_of_scope", a, "a2-1")
        + turn("mikä on perhekeskus", ANSWERED, "utter_faq", a + 60, "a2-2")
        + turn("/restart", ANSWERED, "action_restart", a + 90, "a2-3"),
        # Pohjois-Savo (Varkaus named in the second message): a fallback first
        "b1": turn(
            "tarviin apua lapsen kanssa",
            parse_data("", "nlu_fallback", 0.7, "lape", 0.3),
            "action_ask_rephrase",
            b,
            "b1-1",
            answer="En ole varma, ymmärsinkö.",
        )
        + turn("varkaudessa", ANSWERED, "utter_faq", b + 60, "b1-2", municipality="Varkaus"),
        # long ago: outside the period
        "old": turn("vanha", FALLBACK, "action_ask_rephrase", NOW - 70 * DAY, "old-1"),
    }


def fill(db: Path) -> PerheneuvoTrackerStore:
    store = PerheneuvoTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(db))
    for sender, events in conversations().items():
        asyncio.run(store.save(DialogueStateTracker.from_events(sender, events)))
    rated = store.rate("a1", "a1-2", feedback.HELPFUL, None, "rest", now=mid(LAST_WEEK, 1))
    assert rated is not None
    store.rate(
        "b1",
        "b1-1",
        feedback.NOT_HELPFUL,
        "ei auttanut, soita 040 123 4567",
        "telegram",
        now=mid(THIS_WEEK, 1),
    )
    # requests for a person: last week a1 (taken) and a2 (no municipality named in the
    # conversation: the request's own region), this week a1 (not taken) and b1 (taken)
    engine = handover.engine_for(str(db))
    with engine.begin() as c:
        first = handover.open_request(c, "a1", "rest", "etela-savo", "n", now=mid(LAST_WEEK, 2))
        handover.take(c, first.id, "maija", now=mid(LAST_WEEK, 2.1))
        handover.finish(c, first.id, handover.RETURNED, now=mid(LAST_WEEK, 2.5))
        handover.open_request(c, "a2", "rest", "etela-savo", "n", now=mid(LAST_WEEK, 3))
        handover.open_request(c, "a1", "rest", "etela-savo", "n", now=mid(THIS_WEEK, 2))
        last = handover.open_request(c, "b1", "rest", "pohjois-savo", "n", now=mid(THIS_WEEK, 3))
        handover.take(c, last.id, "jussi", now=mid(THIS_WEEK, 3.1))
    engine.dispose()
    return store


@pytest.fixture
def store_path(tmp_path) -> Path:
    db = tmp_path / "conversations.db"
    fill(db)
    return db


def feedback_rows(db: Path) -> List[tuple]:
    with sqlite3.connect(db) as connection:
        return connection.execute(
            "select sender_id, channel, message_id, question, intent, topic, answer, rating, "
            "comment from feedback order by id"
        ).fetchall()


# -- the store ------------------------------------------------------------------------------


def test_a_rating_is_kept_with_the_answer_it_rates_and_personal_data_masked(store_path):
    rows = feedback_rows(store_path)
    assert rows == [
        (
            "a1",
            "rest",
            "a1-2",
            "mikä on perhekeskus",
            "faq",
            "perhekeskus",
            "Vastaus.",
            "helpful",
            None,
        ),
        (
            "b1",
            "telegram",
            "b1-1",
            "tarviin apua lapsen kanssa",
            "nlu_fallback",
            "nlu_fallback",
            "En ole varma, ymmärsinkö.",
            "not_helpful",
            "ei auttanut, soita [puhelinnumero]",
        ),
    ]


def test_a_rating_can_be_changed_and_only_the_senders_own_answers_can_be_rated(store_path):
    store = PerheneuvoTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(store_path))
    assert store.rate("a1", "a1-2", feedback.NOT_HELPFUL, "vanhaa tietoa", "rest") is not None
    assert store.rate("a1", "a1-2", feedback.NOT_HELPFUL, None, "rest") is not None
    rows = [r for r in feedback_rows(store_path) if r[0] == "a1"]
    assert [(r[7], r[8]) for r in rows] == [("not_helpful", "vanhaa tietoa")]
    assert store.rate("a2", "a1-2", feedback.HELPFUL, None, "rest") is None  # not a2's message
    assert store.rate("a1", "no-such-id", feedback.HELPFUL, None, "rest") is None
    assert len(feedback_rows(store_path)) == 2


def test_retention_deletes_feedback_with_the_conversation(store_path):
    store = PerheneuvoTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(store_path))
    store.delete_events_before(mid(THIS_WEEK))
    assert [r[0] for r in feedback_rows(store_path)] == ["b1"]
    store.delete_events_before(NOW + 30 * DAY)
    assert feedback_rows(store_path) == []


def test_rate_limit_and_comment_rules():
    limit = feedback.RateLimit(limit=2, seconds=10)
    assert limit.allow("x", 0) and limit.allow("x", 1) and not limit.allow("x", 2)
    assert limit.allow("y", 2) and limit.allow("x", 12)
    assert feedback.clean_comment("  a \n b ") == "a b"
    assert len(feedback.clean_comment("x" * 900) or "") == feedback.MAX_COMMENT_LENGTH
    with pytest.raises(ValueError):
        feedback.clean_comment(5)


def test_a_not_helpful_answer_suggests_the_topics_ranked_next():
    parse = parse_data("", "faq", 0.9, "erokahvila", 0.5)
    parse["response_selector"]["faq"]["ranking"] += [
        {"intent_response_key": "faq/eroseminaari", "confidence": 0.3},
        {"intent_response_key": "faq/lape", "confidence": 0.001},
    ]
    assert feedback.suggested_topics(parse, "erokahvila") == ["faq/eroseminaari"]


def test_the_inbox_shows_not_helpful_ratings_with_their_comments(store_path):
    found = feedback_source(str(store_path))(0, Masker(set()))
    assert [(m.text, m.reason, m.note) for m in found] == [
        ("tarviin apua lapsen kanssa", "unhelpful", "ei auttanut, soita [puhelinnumero]")
    ]


# -- the figures ------------------------------------------------------------------------------

PLACES = {"Mikkeli": "etela-savo", "Varkaus": "pohjois-savo"}


def test_figures_per_region_and_week_match_the_known_conversations(store_path):
    stats = figures.read(str(store_path), PLACES, [LAST_WEEK, THIS_WEEK])
    es_last = stats.of(["etela-savo"], LAST_WEEK)
    assert (es_last.conversations, es_last.messages, es_last.unanswered) == (1, 3, 1)
    assert (es_last.helpful, es_last.not_helpful) == (1, 0)
    assert round(es_last.answered_share or 0) == 67 and round(es_last.helpful_share or 0) == 33
    assert es_last.top_topics() == [("erokahvila", 1)]
    es_this = stats.of(["etela-savo"], THIS_WEEK)
    assert (es_this.conversations, es_this.messages, es_this.unanswered) == (1, 1, 0)
    unknown = stats.of([figures.UNKNOWN], LAST_WEEK)
    assert (unknown.conversations, unknown.messages, unknown.unanswered) == (1, 2, 1)
    assert unknown.top_topics() == [("out_of_scope", 1)]
    ps = stats.of(["pohjois-savo"], THIS_WEEK)
    assert (ps.conversations, ps.messages, ps.unanswered, ps.not_helpful) == (1, 2, 1, 1)
    assert ps.not_helpful_share == 50.0 and ps.top_topics() == [("lape", 1)]
    everything = stats.of(["etela-savo", "pohjois-savo", figures.UNKNOWN])
    assert (everything.conversations, everything.messages, everything.unanswered) == (4, 8, 3)
    assert stats.of(["etela-savo"], (2000, 1)).messages == 0  # "old" is outside the period
    assert figures.Figures().answered_share is None


def test_a_chart_says_in_words_what_it_shows():
    chart = charts.bar_chart("x", "Osuus", [("vk 1", 50.0), ("vk 2", None)], percent=True)
    assert chart.description == "Osuus. vk 1: 50 %; vk 2: –."
    assert chart.bars[1].width == "0" and float(chart.bars[0].width) > 0
    assert charts.svg_number(1234.56) == "1234.6"


# -- the page and the CSV ----------------------------------------------------------------------


@pytest.mark.usefixtures("console_db")
class StatsPageTests(ConsoleTestCase):
    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        directory = Path(tempfile.mkdtemp(prefix="perheneuvo-console-stats-"))
        cls.addClassCleanup(shutil.rmtree, directory, True)
        cls.store = directory / "conversations.db"
        fill(cls.store)

    def setUp(self) -> None:
        super().setUp()
        environment = mock.patch.dict(os.environ, {"PERHENEUVO_TRACKER_DB": str(self.store)})
        environment.start()
        self.addCleanup(environment.stop)

    def test_the_page_shows_figures_charts_and_honest_handover_text(self) -> None:
        self.login(self.paakayttaja)
        reply = self.client.get("/tilastot/", {"viikot": "2"})
        self.assertEqual(reply.status_code, 200)
        page = reply.content.decode()
        self.assertNotIn("ei käytössä vielä", page)
        self.assertIn("Pyynnöt puhua ihmisen kanssa viikoittain. vk", page)
        self.assertIn('<svg role="img"', page)
        self.assertIn("Etelä-Savo", page)
        self.assertIn("Pohjois-Savo", page)
        self.assertIn("alue ei tiedossa", page)
        total = reply.context["total"]["figures"]
        self.assertEqual((total.conversations, total.messages, total.unanswered), (4, 8, 3))
        self.assertEqual((total.person_requests, total.person_taken), (4, 2))
        regions = {row["label"]: row["figures"] for row in reply.context["region_rows"]}
        self.assertEqual(
            (regions["Etelä-Savo"].person_requests, regions["Etelä-Savo"].person_taken), (3, 1)
        )
        self.assertEqual(
            (regions["Pohjois-Savo"].person_requests, regions["Pohjois-Savo"].person_taken),
            (1, 1),
        )
        self.assertIn("Keskustelut viikoittain. vk", page)  # the text alternative
        # SVG coordinates with a decimal point, not the Finnish comma Django would write
        svg = page.split("</desc>", 1)[1].split("</svg>", 1)[0]
        coordinates = re.findall(r' (?:x|y|width|height)="([^"]*)"', svg)
        self.assertTrue(coordinates)
        for value in coordinates:
            float(value)

    def test_a_region_limited_account_sees_its_regions_and_the_unknown_only(self) -> None:
        self.login(self.muokkaaja)  # limited to etela-savo
        reply = self.client.get("/tilastot/")
        page = reply.content.decode()
        self.assertNotIn("Pohjois-Savo", page)
        self.assertIn("alue ei tiedossa", page)
        total = reply.context["total"]["figures"]
        self.assertEqual((total.conversations, total.messages), (3, 6))
        refused = self.client.get("/tilastot/", {"alue": "pohjois-savo"})
        self.assertIn("alue", refused.context["form"].errors)

    def test_the_csv_has_a_row_per_visible_region_and_week(self) -> None:
        self.login(self.muokkaaja)
        reply = self.client.get("/tilastot/tilastot.csv", {"viikot": "2"})
        self.assertEqual(reply["Content-Type"], "text/csv; charset=utf-8")
        text = reply.content.decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(text), delimiter=";"))
        self.assertEqual(rows[0][0], "alue")
        body = {(r[0], r[1]): r for r in rows[1:]}
        self.assertEqual(len(rows) - 1, 4)  # Etelä-Savo and unknown, two weeks
        week = f"{LAST_WEEK[0]}-W{LAST_WEEK[1]:02d}"
        row = body[("Etelä-Savo", week)]
        self.assertEqual(row[3:11], ["1", "3", "2", "66,7", "1", "33,3", "0", "0,0"])
        self.assertEqual(row[11:13], ["2", "1"])
        this_week = body[("Etelä-Savo", f"{THIS_WEEK[0]}-W{THIS_WEEK[1]:02d}")]
        self.assertEqual(this_week[11:13], ["1", "0"])
        self.assertEqual(row[13], "erokahvila (1)")


def test_make_inbox_prints_not_helpful_answers_with_the_comment(store_path):
    from staff.inbox import Group, Unanswered, render

    message = Unanswered("kysymys", NOW, "unhelpful", {}, "kommentti [puhelinnumero]")
    text = render([Group(1, [message], "erokahvila", 0.4)], 14, NOW, False)
    assert "perhe merkitsi vastauksen hyödyttömäksi" in text
    assert "perheen kommentti: ”kommentti [puhelinnumero]”" in text
