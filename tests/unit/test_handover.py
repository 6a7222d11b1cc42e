"""The handover store (bot/handover.py): opening hours in Helsinki time per weekday, requests,
their timeout, a family leaving with the quick exit, staff messages and retention."""

from __future__ import annotations

import datetime as dt

import pytest

from bot import feedback, handover
from bot.telegram.handover import ChatAddresses

HELSINKI = handover.HELSINKI


def at(year: int, month: int, day: int, hour: int, minute: int = 0) -> float:
    return dt.datetime(year, month, day, hour, minute, tzinfo=HELSINKI).timestamp()


@pytest.fixture
def engine(tmp_path):
    engine = handover.engine_for(str(tmp_path / "conversations.db"))
    yield engine
    engine.dispose()


def test_opening_hours_are_per_weekday_in_helsinki_time(engine):
    with engine.begin() as c:
        handover.set_hours(c, "etela_savo", {0: ("9:00", "15:00"), 4: ("12.00", "14:00")})
    with engine.connect() as c:
        # Monday 1 June 2026 (summer time, UTC+3): 9:00-15:00 local
        assert not handover.is_open(c, "etela_savo", at(2026, 6, 1, 8, 59))
        assert handover.is_open(c, "etela_savo", at(2026, 6, 1, 9, 0))
        assert handover.is_open(c, "etela_savo", at(2026, 6, 1, 14, 59))
        assert not handover.is_open(c, "etela_savo", at(2026, 6, 1, 15, 0))
        # 9:30 local is 6:30 UTC: a server on UTC must still say open
        utc = dt.datetime(2026, 6, 1, 6, 30, tzinfo=dt.timezone.utc).timestamp()
        assert handover.is_open(c, "etela_savo", utc)
        # Monday in winter time (UTC+2)
        assert handover.is_open(c, "etela_savo", at(2026, 1, 5, 9, 30))
        # Tuesday: no hours; Friday: its own hours
        assert not handover.is_open(c, "etela_savo", at(2026, 6, 2, 10))
        assert handover.is_open(c, "etela_savo", at(2026, 6, 5, 13))
        assert not handover.is_open(c, "etela_savo", at(2026, 6, 5, 10))
        # another region, and no region at all
        assert not handover.is_open(c, "keski_suomi", at(2026, 6, 1, 10))
        assert not handover.is_open(c, None, at(2026, 6, 1, 10))
        assert handover.hours_of(c, "etela_savo") == {0: ("09:00", "15:00"), 4: ("12:00", "14:00")}


def test_opening_hours_are_replaced_and_checked(engine):
    with engine.begin() as c:
        handover.set_hours(c, "r", {0: ("9:00", "15:00")})
        handover.set_hours(c, "r", {2: ("10:00", "11:00")})
        assert handover.hours_of(c, "r") == {2: ("10:00", "11:00")}
        with pytest.raises(ValueError):
            handover.set_hours(c, "r", {1: ("15:00", "9:00")})
        with pytest.raises(ValueError):
            handover.set_hours(c, "r", {1: ("klo 9", "10:00")})
        with pytest.raises(ValueError):
            handover.set_hours(c, "r", {7: ("9:00", "10:00")})


def test_a_request_waits_then_expires_with_the_honest_text(engine):
    with engine.begin() as c:
        made = handover.open_request(
            c, "s1", "rest", "etela_savo", "Kukaan ei ehtinyt. Soita 112.", now=1000.0, wait=60
        )
        assert made.status == handover.WAITING
        # asking again while it waits does not make a second request
        assert handover.open_request(c, "s1", "rest", "etela_savo", "x", now=1010.0).id == made.id
        assert handover.active(c, "s1", now=1059.0) is not None
        assert handover.messages_for_family(c, "s1") == []
        assert handover.active(c, "s1", now=1060.0) is None
        assert handover.latest(c, "s1").status == handover.EXPIRED
        told = handover.messages_for_family(c, "s1")
        assert [(m.author, m.text) for m in told] == [("bot", "Kukaan ei ehtinyt. Soita 112.")]
        # too late to take it
        assert not handover.take(c, made.id, "tyontekija", now=1061.0)


def test_staff_take_write_and_hand_back(engine):
    with engine.begin() as c:
        made = handover.open_request(c, "s2", "rest", "r", "nobody", now=1000.0, wait=600)
        assert handover.take(c, made.id, "tyontekija", now=1100.0)
        assert not handover.take(c, made.id, "toinen", now=1101.0)  # taken once
        taken = handover.active(c, "s2", now=5000.0)  # a taken request does not expire
        assert taken is not None and taken.taken_by == "tyontekija"
        handover.add_message(c, taken, handover.FAMILY, "soita 040 1234567", now=1200.0)
        first = handover.add_message(c, taken, handover.STAFF, "Hei, olen työntekijä.", now=1300.0)
        all_messages = handover.messages_of(c, made.id)
        assert [m.author for m in all_messages] == ["bot", "family", "staff"]
        assert "1234567" not in all_messages[1].text  # the family's text is masked
        assert handover.messages_of(c, made.id, after=all_messages[0].id) == all_messages[1:]
        for_family = handover.messages_for_family(c, "s2")
        assert [m.author for m in for_family] == ["bot", "staff"]
        assert handover.messages_for_family(c, "s2", after=first) == []
        assert handover.finish(c, made.id, handover.RETURNED, now=1400.0)
        assert handover.active(c, "s2", now=1401.0) is None
        assert (
            handover.messages_for_family(c, "s2", after=first)[0].text
            == (handover.texts()["returned"])
        )
        assert not handover.finish(c, made.id, handover.CLOSED)


def test_a_family_that_leaves_ends_its_waiting_or_taken_request(engine):
    with engine.begin() as c:
        waiting = handover.open_request(c, "w", "rest", "r", "n", now=1000.0, wait=600)
        taken = handover.open_request(c, "t", "rest", "r", "n", now=1000.0, wait=600)
        assert handover.take(c, taken.id, "tyontekija", now=1100.0)
        for made in (waiting, taken):
            left = handover.leave(c, made.sender_id, now=1200.0)
            assert left is not None and left.id == made.id
            assert (left.status, left.ended_at) == (handover.LEFT, 1200.0)
            assert handover.active(c, made.sender_id, now=1201.0) is None
            # staff read in the conversation that the family left
            last = handover.messages_of(c, made.id)[-1]
            assert (last.author, last.text) == (handover.BOT, handover.texts()["left"])
            assert "Poistu nopeasti" in last.text
        # it is over: leaving again, taking, closing or handing back does nothing
        assert handover.leave(c, "t", now=1300.0) is None
        assert not handover.take(c, waiting.id, "toinen", now=1300.0)
        assert not handover.finish(c, taken.id, handover.CLOSED, now=1300.0)
        assert handover.latest(c, "t").status == handover.LEFT
        assert [r.id for r in handover.requests(c, handover.ENDED)] == [taken.id, waiting.id]
        assert handover.requests(c, handover.ACTIVE) == []


def test_leaving_without_an_open_request_changes_nothing(engine):
    with engine.begin() as c:
        assert handover.leave(c, "nobody", now=1000.0) is None
        returned = handover.open_request(c, "r", "rest", "r", "n", now=1000.0, wait=600)
        handover.take(c, returned.id, "t", now=1001.0)
        handover.finish(c, returned.id, handover.RETURNED, now=1002.0)
        assert handover.leave(c, "r", now=1003.0) is None
        assert handover.latest(c, "r").status == handover.RETURNED
        # a request whose time was up expires (the family had its honest text), not "left"
        handover.open_request(c, "x", "rest", "r", "Kukaan ei ehtinyt.", now=1000.0, wait=60)
        assert handover.leave(c, "x", now=2000.0) is None
        assert handover.latest(c, "x").status == handover.EXPIRED
        assert [m.text for m in handover.messages_for_family(c, "x")] == ["Kukaan ei ehtinyt."]
    with pytest.raises(ValueError):
        with engine.begin() as c:
            handover.finish(c, returned.id, handover.EXPIRED)


def test_every_status_is_open_or_ended():
    statuses = {handover.WAITING, handover.TAKEN, handover.EXPIRED, handover.RETURNED}
    statuses |= {handover.CLOSED, handover.LEFT}
    assert set(handover.ACTIVE) | set(handover.ENDED) == statuses
    assert not set(handover.ACTIVE) & set(handover.ENDED)
    assert all(len(status) <= handover.REQUESTS.c.status.type.length for status in statuses)


def test_telegram_messages_are_delivered_once(engine):
    with engine.begin() as c:
        made = handover.open_request(c, "tg-1", "telegram", "r", "n", now=1000.0, wait=600)
        handover.take(c, made.id, "t", now=1001.0)
        handover.add_message(c, made, handover.STAFF, "Hei", now=1002.0)
        other = handover.open_request(c, "w-1", "rest", "r", "n", now=1000.0, wait=600)
        handover.add_message(c, other, handover.STAFF, "Widget", now=1002.0)
        waiting = handover.undelivered(c, "telegram")
        assert [(s, m.text) for s, m in waiting] == [
            ("tg-1", handover.texts()["taken"]),
            ("tg-1", "Hei"),
        ]
        for _sender, message in waiting:
            handover.mark_delivered(c, message.id)
        assert handover.undelivered(c, "telegram") == []


def test_a_restarted_telegram_front_end_finds_the_chat_of_an_open_request(engine):
    key = b"k" * 32
    with engine.begin() as c:
        made = handover.open_request(c, "tg-1", "telegram", "r", "n", now=1000.0, wait=600)
        handover.open_request(c, "w-1", "rest", "r", "n", now=1000.0, wait=600)
        # the first front end has seen the chat: it keeps its address, encrypted
        assert ChatAddresses(key, {"tg-1": 123456789, "tg-2": 5}).sync(c) == {"tg-1": 123456789}
        kept = handover.addresses(c, "telegram")
        assert list(kept) == ["tg-1"] and "123456789" not in kept["tg-1"]
        # a restarted front end (nothing seen) reads it back; another key cannot
        assert ChatAddresses(key, {}).sync(c) == {"tg-1": 123456789}
        assert ChatAddresses(b"x" * 32, {}).sync(c) == {}
        # the request ends: kept until the closing message is sent, then forgotten
        handover.finish(c, made.id, handover.CLOSED, now=1100.0)
        assert ChatAddresses(key, {}).sync(c) == {"tg-1": 123456789}
        for _sender, message in handover.undelivered(c, "telegram"):
            handover.mark_delivered(c, message.id)
        assert ChatAddresses(key, {}).sync(c) == {}
        assert handover.addresses(c, "telegram") == {}


def test_retention_deletes_kept_addresses(engine):
    with engine.begin() as c:
        handover.keep_address(c, "tg-old", "telegram", "salattu", now=1000.0)
        handover.keep_address(c, "tg-new", "telegram", "salattu", now=9000.0)
        feedback.delete_before(c, 5000.0)
        assert list(handover.addresses(c, "telegram")) == ["tg-new"]


def test_retention_deletes_requests_and_messages_but_keeps_opening_hours(engine):
    with engine.begin() as c:
        handover.set_hours(c, "r", {0: ("9:00", "15:00")})
        old = handover.open_request(c, "old", "rest", "r", "n", now=1000.0, wait=10)
        handover.add_message(c, old, handover.STAFF, "vanha", now=1001.0)
        handover.open_request(c, "new", "rest", "r", "n", now=9000.0, wait=10)
        gone = handover.open_request(c, "gone", "rest", "r", "n", now=1000.0, wait=600)
        handover.leave(c, "gone", now=1100.0)  # the request and its "left" message go too
        feedback.delete_before(c, 5000.0)
        assert handover.latest(c, "gone") is None
        assert handover.messages_of(c, gone.id) == []
        assert handover.latest(c, "old") is None
        assert handover.messages_of(c, old.id) == []
        assert handover.latest(c, "new") is not None
        assert handover.hours_of(c, "r") == {0: ("09:00", "15:00")}


def test_request_counts_for_statistics(engine):
    with engine.begin() as c:
        a = handover.open_request(c, "a", "rest", "r", "n", now=1000.0, wait=600)
        assert handover.take(c, a.id, "t", now=1100.0)
        handover.open_request(c, "b", "rest", None, "n", now=2000.0, wait=600)
        # a request the family left counts as made (and as taken when it was)
        handover.leave(c, "a", now=2100.0)
        handover.open_request(c, "c", "rest", "r", "n", now=2200.0, wait=600)
        handover.leave(c, "c", now=2300.0)
        counts = sorted(handover.request_counts(c, since=0.0))
    assert counts == [
        ("a", "r", 1000.0, True),
        ("b", None, 2000.0, False),
        ("c", "r", 2200.0, False),
    ]


def test_wait_seconds_setting(monkeypatch):
    monkeypatch.setenv("PERHENEUVO_HANDOVER_WAIT_SECONDS", "90")
    assert handover.wait_seconds() == 90.0
    monkeypatch.setenv("PERHENEUVO_HANDOVER_WAIT_SECONDS", "kymmenen")
    assert handover.wait_seconds() == 600.0
