"""The REST channel's quick-exit endpoint (bot/rest_channel.py, POST /webhooks/rest/handover/exit)
called in process: the route's handler from SafeRestInput's blueprint, with a request that
carries the body the widget's navigator.sendBeacon sends and a conversation store."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest

from bot import handover
from bot.rest_channel import MAX_SENDER_LENGTH, SafeRestInput

EXIT = "/handover/exit"


async def _no_turns(_message: Any) -> None:
    raise AssertionError("the exit must not run a turn of the bot")


def handler(uri: str) -> Any:
    blueprint = SafeRestInput().blueprint(_no_turns)
    routes = [route for route in blueprint._future_routes if route.uri == uri]
    assert len(routes) == 1 and routes[0].methods == frozenset({"POST"})
    return routes[0].handler


def request(body: bytes, engine: Any = None) -> Any:
    """What the handler reads of a Sanic request: the raw body and the conversation store
    (Rasa wraps the store in a FailSafeTrackerStore; the engine is on the store inside)."""
    store = SimpleNamespace(_tracker_store=SimpleNamespace(engine=engine))
    agent = SimpleNamespace(tracker_store=store if engine is not None else None)
    return SimpleNamespace(
        body=body, args={}, app=SimpleNamespace(ctx=SimpleNamespace(agent=agent))
    )


def beacon(sender: Any) -> bytes:
    return json.dumps({"sender": sender}).encode()


@pytest.fixture
def engine(tmp_path):
    engine = handover.engine_for(str(tmp_path / "conversations.db"))
    yield engine
    engine.dispose()


async def test_the_exit_ends_the_senders_open_request_with_nothing_in_the_answer(engine):
    with engine.begin() as c:
        made = handover.open_request(c, "web-1", "rest", "r", "n", wait=600)
        other = handover.open_request(c, "web-2", "rest", "r", "n", wait=600)
        handover.take(c, made.id, "tyontekija")
    answer = await handler(EXIT)(request(beacon("web-1"), engine))
    assert (answer.status, answer.body) == (204, b"")
    with engine.connect() as c:
        assert handover.get(c, made.id).status == handover.LEFT
        assert handover.messages_of(c, made.id)[-1].text == handover.texts()["left"]
        assert handover.get(c, other.id).status == handover.WAITING  # only the sender's
    # again, or a sender that never asked for a person: fine, the same empty answer
    for sender in ("web-1", "web-3"):
        answer = await handler(EXIT)(request(beacon(sender), engine))
        assert (answer.status, answer.body) == (204, b"")


async def test_the_body_is_read_as_json_whatever_its_content_type(engine):
    """sendBeacon's text/plain Blob: Sanic's request.json is not relied on."""
    with engine.begin() as c:
        handover.open_request(c, "web-é", "rest", "r", "n", wait=600)
    body = json.dumps({"sender": "web-é"}, ensure_ascii=False).encode("utf-8")
    answer = await handler(EXIT)(request(body, engine))
    assert answer.status == 204
    with engine.connect() as c:
        assert handover.latest(c, "web-é").status == handover.LEFT


@pytest.mark.parametrize(
    "body",
    [b"", b"not json", b"\xff\xfe", b"[]", b'"web-1"', b"{}"],
    ids=["empty", "text", "not utf-8", "list", "string", "no sender"],
)
async def test_a_body_without_a_sender_is_refused(engine, body):
    answer = await handler(EXIT)(request(body, engine))
    assert answer.status == 400
    assert "sender" in json.loads(answer.body)["error"]


@pytest.mark.parametrize("sender", ["", "   ", 12, None, "x" * (MAX_SENDER_LENGTH + 1)])
async def test_a_bad_sender_gets_the_channels_sender_error(engine, sender):
    answer = await handler(EXIT)(request(beacon(sender), engine))
    assert answer.status == 400
    assert json.loads(answer.body) == {
        "error": f"'sender' must be a non-empty string of at most {MAX_SENDER_LENGTH} characters"
    }


async def test_without_a_conversation_store_the_exit_says_so():
    answer = await handler(EXIT)(request(beacon("web-1")))
    assert answer.status == 503
