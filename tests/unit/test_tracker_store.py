"""The conversation store: masking before writing, bounded working trackers, nothing lost."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUttered,
)

from bot.tracker_store import PerheneuvoTrackerStore, masked, state_events
from tests.support import TRACKER_DOMAIN as DOMAIN

PERSONAL = "soita 040 123 4567 tai matti.m@example.com, hetu 010190-123A"


def store(path: Path, **kwargs) -> PerheneuvoTrackerStore:
    return PerheneuvoTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(path), **kwargs)


def turn(tracker, text: str, timestamp: float) -> None:
    tracker.update(
        UserUttered(
            text,
            {"name": "faq", "confidence": 0.9},
            parse_data={"text": text, "intent": {"name": "faq"}},
            timestamp=timestamp,
        )
    )
    tracker.update(ActionExecuted("utter_x", timestamp=timestamp + 0.1))
    tracker.update(BotUttered("vastaus", timestamp=timestamp + 0.2))
    tracker.update(ActionExecuted("action_listen", timestamp=timestamp + 0.3))


def stored_rows(path: Path):
    with sqlite3.connect(path) as db:
        return db.execute("select type_name, data from events order by id").fetchall()


async def new_conversation(s: PerheneuvoTrackerStore, sender: str):
    tracker = await s.get_or_create_tracker(sender)
    tracker.update(ActionExecuted("action_session_start", timestamp=1.0))
    tracker.update(SessionStarted(timestamp=1.1))
    tracker.update(ActionExecuted("action_listen", timestamp=1.2))
    return tracker


def test_masked_user_message_and_text_slot():
    event = masked(UserUttered(PERSONAL, parse_data={"text": PERSONAL, "entities": []}))
    assert "040" not in event.text and "@" not in event.text and "010190" not in event.text
    assert "[puhelinnumero]" in event.text and "[sähköposti]" in event.text
    assert event.parse_data["text"] == event.text
    assert masked(SlotSet("x", "numero 0401234567")).value == "numero [puhelinnumero]"
    bot = BotUttered("Nollalinja 080 005 005")
    assert masked(bot) is bot  # the bot's own texts carry official numbers


async def test_personal_data_never_reaches_the_database(tmp_path):
    s = store(tmp_path / "c.db")
    tracker = await new_conversation(s, "u1")
    turn(tracker, PERSONAL, 2.0)
    await s.save(tracker)
    rows = [json.loads(data) for _, data in stored_rows(tmp_path / "c.db")]
    raw = json.dumps(rows, ensure_ascii=False)
    assert "123 4567" not in raw and "example.com" not in raw and "010190" not in raw
    user = [row for row in rows if row["event"] == "user"]
    assert (
        user[0]["text"]
        == user[0]["parse_data"]["text"]
        == ("soita [puhelinnumero] tai [sähköposti], hetu [henkilötunnus]")
    )
    # the tracker kept for the next message holds the masked copy too
    assert "040" not in tracker.latest_message.text


async def test_long_conversation_is_stored_whole_and_worked_on_bounded(tmp_path):
    path = tmp_path / "c.db"
    s = store(path, max_events=100)
    tracker = await new_conversation(s, "u1")
    tracker.update(SlotSet("municipality", "Mikkeli", timestamp=1.3))
    await s.save(tracker)
    before = len(stored_rows(path))
    for i in range(150):  # 600 events, saved after every turn as the server does
        turn(tracker, f"kysymys {i}", 10.0 + i)
        await s.save(tracker)
        tracker = await s.retrieve("u1")
    assert len(stored_rows(path)) == before + 150 * 4  # every event once, none lost or repeated
    assert len(tracker.events) <= 2 * 100 + 1

    fresh = await store(path, max_events=100).retrieve("u1")  # another server, no cache
    assert len(fresh.events) <= 100 + 1
    assert fresh.get_slot("municipality") == "Mikkeli"
    assert fresh.latest_message.text == "kysymys 149"
    full = await store(path).retrieve_full_tracker("u1")
    assert len(full.events) == before + 150 * 4


async def test_a_message_answered_elsewhere_is_not_hidden_by_the_kept_tracker(tmp_path):
    path = tmp_path / "c.db"
    server_a, server_b = store(path), store(path)
    tracker = await new_conversation(server_a, "u1")
    turn(tracker, "eka", 2.0)
    await server_a.save(tracker)

    other = await server_b.retrieve("u1")
    turn(other, "toka", 3.0)
    await server_b.save(other)

    again = await server_a.retrieve("u1")
    assert again.latest_message.text == "toka"
    turn(again, "kolmas", 4.0)
    await server_a.save(again)
    texts = [json.loads(data).get("text") for kind, data in stored_rows(path) if kind == "user"]
    assert texts == ["eka", "toka", "kolmas"]


async def test_a_failed_turn_is_not_remembered(tmp_path):
    s = store(tmp_path / "c.db")
    tracker = await new_conversation(s, "u1")
    turn(tracker, "eka", 2.0)
    await s.save(tracker)
    taken = await s.retrieve("u1")
    turn(taken, "ei tallennettu", 3.0)  # the turn fails before saving
    again = await s.retrieve("u1")
    assert again.latest_message.text == "eka"


def test_state_events_start_over_after_a_restart():
    events = [SlotSet("municipality", "Mikkeli"), Restarted(), SlotSet("pending_request", "x")]
    assert [(e.key, e.value) for e in state_events(events)] == [("pending_request", "x")]
    assert state_events([SlotSet("a", 1), SessionStarted()]) == []


def test_bad_max_events_cannot_cut_below_the_floor(tmp_path):
    assert store(tmp_path / "c.db", max_events=3).max_events == 100


async def test_sqlite_runs_in_write_ahead_log_mode(tmp_path):
    s = store(tmp_path / "c.db")
    await s.save(await new_conversation(s, "u1"))
    with sqlite3.connect(tmp_path / "c.db") as db:
        assert db.execute("pragma journal_mode").fetchone()[0] == "wal"
