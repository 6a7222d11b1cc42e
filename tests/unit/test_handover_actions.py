"""action_request_person (actions/handover_actions.py) and the NLU's PersonRequestGuard: a
request for a person is made only in the region's opening hours; otherwise, the honest answer
with the region's contacts, the national lines and 112; without a region, the question for the
municipality first."""

from __future__ import annotations

import datetime as dt

import pytest
from rasa.shared.nlu.training_data.message import Message
from rasa_sdk.events import SlotSet

from actions.contact_actions import ActionAnswerPending
from actions.handover_actions import PENDING_PERSON, ActionRequestPerson
from bot import handover
from components.guards import PersonRequestGuard
from tests.support import texts

pytestmark = pytest.mark.usefixtures("actions_kb")
TEXTS = handover.texts()


@pytest.fixture
def store(tmp_path, monkeypatch):
    path = str(tmp_path / "conversations.db")
    monkeypatch.setenv("PERHENEUVO_TRACKER_DB", path)
    engine = handover.engine_for(path)
    yield engine
    engine.dispose()


def open_now(engine, region: str) -> None:
    now = dt.datetime.now(handover.HELSINKI)
    with engine.begin() as c:
        handover.set_hours(c, region, {now.weekday(): ("0:00", "23:59")})


async def test_without_a_region_the_bot_asks_for_the_municipality(
    make_tracker, dispatcher, domain, store
):
    tracker = make_tracker("haluan puhua ihmisen kanssa", intent="request_person")
    events = await ActionRequestPerson().run(dispatcher, tracker, domain)
    assert [m.get("response") for m in dispatcher.messages] == ["utter_faq/ihminen"]
    assert SlotSet("pending_request", PENDING_PERSON) in events
    with store.connect() as c:
        assert handover.latest(c, "test-user") is None


async def test_a_child_asking_for_a_person_hears_of_the_childrens_line_first(
    make_tracker, dispatcher, domain, store
):
    tracker = make_tracker("mä oon 12 ja haluun puhua jonku ihmisen kaa", intent="request_person")
    events = await ActionRequestPerson().run(dispatcher, tracker, domain)
    assert [m.get("response") for m in dispatcher.messages] == [
        "utter_child_help",
        "utter_faq/ihminen",
    ]
    assert SlotSet("pending_request", PENDING_PERSON) in events


async def test_outside_opening_hours_the_answer_is_honest_with_contacts(
    make_tracker, dispatcher, domain, store
):
    tracker = make_tracker(
        "haluan puhua ihmisen kanssa", intent="request_person", slots={"municipality": "Mikkeli"}
    )
    await ActionRequestPerson().run(dispatcher, tracker, domain)
    said = "\n".join(texts(dispatcher))
    assert TEXTS["closed_now"].format(region="Etelä-Savo") in said
    assert "Hanna Kokkonen" in said and "112" in said and "0800 92277" in said
    assert "Pyysin työntekijää" not in said
    with store.connect() as c:
        assert handover.latest(c, "test-user") is None


async def test_in_opening_hours_a_request_is_made_and_its_honest_text_kept(
    make_tracker, dispatcher, domain, store
):
    open_now(store, "etela-savo")
    tracker = make_tracker(
        "haluan puhua ihmisen kanssa", intent="request_person", slots={"municipality": "Mikkeli"}
    )
    await ActionRequestPerson().run(dispatcher, tracker, domain)
    said = "\n".join(texts(dispatcher))
    assert "Pyysin työntekijää" in said and "112" in said
    assert "Hanna Kokkonen" not in said  # no contacts while a person is coming
    with store.connect() as c:
        request = handover.latest(c, "test-user")
    assert request is not None and request.status == handover.WAITING
    assert request.region == "etela-savo" and request.channel == "rest"
    assert "Hanna Kokkonen" in request.nobody_text and "112" in request.nobody_text


async def test_another_regions_hours_do_not_open_this_one(make_tracker, dispatcher, domain, store):
    open_now(store, "pohjois-savo")
    tracker = make_tracker(
        "haluan puhua ihmisen kanssa", intent="request_person", slots={"municipality": "Mikkeli"}
    )
    await ActionRequestPerson().run(dispatcher, tracker, domain)
    assert "Pyysin työntekijää" not in "\n".join(texts(dispatcher))


async def test_the_municipality_given_afterwards_answers_the_request(
    make_tracker, dispatcher, domain, store
):
    tracker = make_tracker(
        "asun mikkelissä", intent="inform_municipality", slots={"pending_request": PENDING_PERSON}
    )
    await ActionAnswerPending().run(dispatcher, tracker, domain)
    said = "\n".join(texts(dispatcher))
    assert TEXTS["closed_now"].format(region="Etelä-Savo") in said
    assert "Hanna Kokkonen" in said


def _faq(topic: str, intent: str = "faq") -> Message:
    return Message(
        data={
            "text": "x",
            "intent": {"name": intent, "confidence": 0.9},
            "intent_ranking": [{"name": intent, "confidence": 0.9}],
            "response_selector": {
                "faq": {"response": {"intent_response_key": topic, "confidence": 0.8}}
            },
        }
    )


def test_the_guard_turns_only_the_ihminen_topic_into_request_person():
    guard = PersonRequestGuard(PersonRequestGuard.get_default_config())
    messages = [_faq("faq/ihminen"), _faq("faq/erokahvila"), _faq("faq/ihminen", "crisis_child")]
    guard.process(messages)
    assert [m.get("intent")["name"] for m in messages] == [
        "request_person",
        "faq",
        "crisis_child",
    ]
