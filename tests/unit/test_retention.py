"""The retention command deletes old conversations and keeps recent ones."""

import sqlite3
import time

from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot import retention
from bot.tracker_store import PerheneuvoTrackerStore
from tests.support import TRACKER_DOMAIN as DOMAIN

DAY = 86400


async def write(store, sender, when):
    tracker = DialogueStateTracker(sender, DOMAIN.slots)
    for event in (
        ActionExecuted("action_listen", timestamp=when),
        UserUttered("hei", {"name": "faq"}, timestamp=when + 1),
        BotUttered("Hei!", timestamp=when + 2),
    ):
        tracker.update(event)
    await store.save(tracker)


def senders(db):
    with sqlite3.connect(db) as connection:
        return {row[0] for row in connection.execute("select distinct sender_id from events")}


async def test_old_conversations_go_and_recent_ones_stay(tmp_path):
    db = tmp_path / "c.db"
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(
        "tracker_store:\n  type: bot.tracker_store.PerheneuvoTrackerStore\n"
        f"  dialect: sqlite\n  db: {db}\n"
    )
    store = PerheneuvoTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(db))
    now = time.time()
    await write(store, "old", now - 31 * DAY)
    await write(store, "recent", now - 29 * DAY)
    await write(store, "today", now - 60)

    assert retention.delete_expired(str(endpoints), days=30, now=now) == 3
    assert senders(db) == {"recent", "today"}
    assert retention.delete_expired(str(endpoints), days=1, now=now) == 3
    assert senders(db) == {"today"}


def test_a_bad_period_or_store_is_an_error(tmp_path, capsys):
    assert retention.main(["--days", "0"]) == 1
    assert "at least one day" in capsys.readouterr().err
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text("tracker_store:\n  type: InMemoryTrackerStore\n")
    assert retention.main(["--endpoints", str(endpoints)]) == 1
    assert "nothing this command can clean" in capsys.readouterr().err
