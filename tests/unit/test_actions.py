"""Custom actions against the fixture knowledge base and domain (tests/fixtures), with
trackers built inline."""

import pytest
from rasa_sdk.events import SlotSet

from actions.contact_actions import ActionAnswerPending, ActionFindContact, ActionFindMeetingPlace
from actions.fallback_actions import ActionAskRephrase
from actions.safety_actions import ActionSafetyHelp
from tests.support import texts

pytestmark = pytest.mark.usefixtures("actions_kb")


async def run(action, dispatcher, tracker, domain):
    return await action.run(dispatcher, tracker, domain)


async def test_contact_for_a_municipality(make_tracker, dispatcher, domain):
    events = await run(
        ActionFindContact(), dispatcher, make_tracker("keneen otan yhteyttä mikkelissä"), domain
    )
    said = "\n".join(texts(dispatcher))
    assert "Hanna Kokkonen" in said and "040 359 8519" in said and "Etelä-Savo" in said
    assert "Perhetalo" in said and "Perheneuvo" in said  # Mikkeli's own places
    assert "Jyväskylä" not in said and "Mäki-Fossi" not in said
    assert SlotSet("municipality", "Mikkeli") in events


@pytest.mark.parametrize(
    "text,person",
    [
        ("kenelle soitan kangasniemellä", "Hanna Kokkonen"),
        ("yhteystiedot seinäjoella", "Satu Mäki-Fossi"),
        ("keneen otan yhteyttä äänekoskella", "Hanna Hämäläinen"),
    ],
)
async def test_region_contacts_follow_the_municipality(
    make_tracker, dispatcher, domain, text, person
):
    await run(ActionFindContact(), dispatcher, make_tracker(text), domain)
    assert person in "\n".join(texts(dispatcher))


async def test_region_without_named_people_says_so(make_tracker, dispatcher, domain):
    await run(ActionFindContact(), dispatcher, make_tracker("kuka auttaa varkaudessa"), domain)
    said = "\n".join(texts(dispatcher))
    assert "Pohjois-Savo" in said and "ei ole nimettyjen yhteyshenkilöiden" in said
    assert "@" not in said  # no other region's people


async def test_municipality_outside_the_regions(make_tracker, dispatcher, domain):
    await run(
        ActionFindContact(), dispatcher, make_tracker("keneen otan yhteyttä tampereella"), domain
    )
    said = "\n".join(texts(dispatcher))
    assert "Tampere" in said and "Pirkanmaa" in said
    assert "080 005 005" in said and "116 111" in said and "neuvola" in said
    assert "Kokkonen" not in said and "@" not in said


@pytest.mark.parametrize(
    "text,expected,absent",
    [
        ("mikä on Sari Paanasen puhelinnumero", "050 351 8621", "Kokkonen"),
        ("hanna kokkosen sähköposti", "hanna.kokkonen@essote.fi", "Paananen"),
        ("Heli Mäen numero", "044 4255 722", "Isotalus"),
        ("kuka on keski-suomen muutosagentti", "Hanna Hämäläinen", "Saukkonen"),
        ("etelä-savon perhekeskuskoordinaattorin yhteystiedot", "Hanna Kokkonen", "Paananen"),
        ("kuka vetää turvassa-hanketta", "Emmi Heikkinen", "Kokkonen"),
        ("arki haltuun hankkeen yhteyshenkilö", "eeva@estery.fi", "Kokkonen"),
    ],
)
async def test_people_roles_and_projects(make_tracker, dispatcher, domain, text, expected, absent):
    await run(ActionFindContact(), dispatcher, make_tracker(text), domain)
    said = "\n".join(texts(dispatcher))
    assert expected in said and absent not in said
    assert "vanhentuneita" in said  # the period is stated honestly


async def test_unknown_person_is_not_invented(make_tracker, dispatcher, domain):
    await run(
        ActionFindContact(), dispatcher, make_tracker("mikä on pirjo virtasen numero"), domain
    )
    assert texts(dispatcher) == ["response:utter_ask_municipality"]


async def test_missing_municipality_is_asked_then_the_reply_is_used(
    make_tracker, dispatcher, domain
):
    events = await run(
        ActionFindMeetingPlace(),
        dispatcher,
        make_tracker("onko lähellä kohtaamispaikkaa", "ask_meeting_place"),
        domain,
    )
    assert texts(dispatcher) == ["response:utter_ask_municipality"]
    assert events == [SlotSet("pending_request", "meeting_place")]

    reply = make_tracker(
        "kangasniemel", "inform_municipality", slots={"pending_request": "meeting_place"}
    )
    answer = dispatcher.__class__()
    await run(ActionAnswerPending(), answer, reply, domain)
    said = "\n".join(texts(answer))
    assert "Perhetupa" in said and "14.8.2019" in said


async def test_no_meeting_place_known_is_said_honestly(make_tracker, dispatcher, domain):
    await run(
        ActionFindMeetingPlace(),
        dispatcher,
        make_tracker("onko sulkavalla perhetaloa", "ask_meeting_place"),
        domain,
    )
    said = "\n".join(texts(dispatcher))
    assert "Minulla ei ole tietoa" in said and "Sulkava" in said


@pytest.mark.parametrize(
    "categories,lines",
    [
        (["violence"], ["080 005 005"]),
        (["suicide"], ["09 2525 0111"]),
        (["child"], ["116 111"]),
        (["violence", "child"], ["080 005 005", "116 111"]),
    ],
)
async def test_safety_answer_starts_with_112(make_tracker, dispatcher, domain, categories, lines):
    extra = {"entities": [{"entity": "crisis_category", "value": c} for c in categories]}
    await run(
        ActionSafetyHelp(),
        dispatcher,
        make_tracker("...", "crisis_" + categories[0], extra=extra),
        domain,
    )
    said = texts(dispatcher)
    assert said[0] == "response:utter_safety_emergency"
    assert "112" in domain["responses"]["utter_safety_emergency"][0]["text"]
    for category, line in zip(categories, lines, strict=True):
        assert f"response:utter_safety_{category}" in said
        assert line in domain["responses"][f"utter_safety_{category}"][0]["text"]
    local = [t for t in said if not t.startswith("response:")]
    if "violence" in categories:  # the Turvassa project's people, with their years
        assert len(local) == 1 and "Heli Isotalus" in local[0] and "2019–2021" in local[0]
    else:
        assert local == []


async def test_fallback_offers_the_likely_topics_as_buttons(make_tracker, dispatcher, domain):
    ranking = [
        {"intent_response_key": "faq/erokahvila", "confidence": 0.3},
        {"intent_response_key": "faq/tervehdys", "confidence": 0.2},
        {"intent_response_key": "faq/eroseminaari", "confidence": 0.2},
        {"intent_response_key": "faq/lape", "confidence": 0.01},
    ]
    tracker = make_tracker(
        "ero jotain", "nlu_fallback", extra={"response_selector": {"faq": {"ranking": ranking}}}
    )
    await run(ActionAskRephrase(), dispatcher, tracker, domain)
    message = dispatcher.messages[0]
    assert message["response"] == "utter_ask_rephrase"
    titles = [b["title"] for b in message["buttons"]]
    assert titles == [
        domain["responses"]["utter_faq/erokahvila"][0]["metadata"]["title"],
        domain["responses"]["utter_faq/eroseminaari"][0]["metadata"]["title"],
    ]


async def test_fallback_without_topics_asks_plainly(make_tracker, dispatcher, domain):
    await run(ActionAskRephrase(), dispatcher, make_tracker("asdf", "nlu_fallback"), domain)
    assert texts(dispatcher) == ["response:utter_ask_rephrase_plain"]


def _followup(make_tracker, previous_topic: str, text: str):
    tracker = make_tracker(text, intent="nlu_fallback")
    previous = {
        "intent": {"name": "faq"},
        "response_selector": {"faq": {"response": {"intent_response_key": previous_topic}}},
    }
    tracker.events = [
        {"event": "user", "text": "…", "parse_data": previous},
        {"event": "bot", "text": "…"},
        {"event": "user", "text": text, "parse_data": tracker.latest_message},
    ]
    return tracker


async def test_an_unclear_follow_up_gets_the_previous_answer_again(
    make_tracker, dispatcher, domain
):
    tracker = _followup(make_tracker, "faq/erokahvila", "mikä se oli?")
    await run(ActionAskRephrase(), dispatcher, tracker, domain)
    assert texts(dispatcher) == [
        "response:utter_followup_same_topic",
        "response:utter_faq/erokahvila",
    ]


async def test_an_unclear_message_that_refers_to_nothing_is_asked_again(
    make_tracker, dispatcher, domain
):
    tracker = _followup(make_tracker, "faq/erokahvila", "blaa blaa kahvi")
    await run(ActionAskRephrase(), dispatcher, tracker, domain)
    assert texts(dispatcher)[0].startswith("response:utter_ask_rephrase")


async def test_an_unclear_follow_up_of_a_look_up_gets_that_answer_again(
    make_tracker, dispatcher, domain
):
    places = "Kangasniemellä perheille oli tarjolla: Perhetupa (avattiin 14.8.2019)"
    tracker = make_tracker("koska se aukes", intent="nlu_fallback")
    tracker.events = [
        {"event": "user", "text": "…", "parse_data": {"intent": {"name": "ask_meeting_place"}}},
        {"event": "bot", "text": places},
        {"event": "user", "text": "koska se aukes", "parse_data": tracker.latest_message},
    ]
    await run(ActionAskRephrase(), dispatcher, tracker, domain)
    assert texts(dispatcher) == ["response:utter_followup_same_topic", places]


async def test_a_follow_up_of_an_out_of_scope_reply_is_not_a_look_up(
    make_tracker, dispatcher, domain
):
    tracker = make_tracker("koska se aukes", intent="nlu_fallback")
    tracker.events = [
        {"event": "user", "text": "…", "parse_data": {"intent": {"name": "out_of_scope"}}},
        {"event": "bot", "text": "Autan lapsiperheiden palveluihin liittyvissä asioissa."},
        {"event": "user", "text": "koska se aukes", "parse_data": tracker.latest_message},
    ]
    await run(ActionAskRephrase(), dispatcher, tracker, domain)
    assert texts(dispatcher)[0].startswith("response:utter_ask_rephrase")


async def test_a_child_the_bot_did_not_understand_gets_the_childrens_line(
    make_tracker, dispatcher, domain
):
    tracker = make_tracker("isi huutaa äidille ja mua pelottaa", intent="nlu_fallback")
    tracker.events = [
        {"event": "user", "text": "mä oon 12 ja mun vanhemmat eroo", "parse_data": {}},
        {"event": "bot", "text": "…"},
        {"event": "user", "text": tracker.latest_message["text"], "parse_data": {}},
    ]
    await run(ActionAskRephrase(), dispatcher, tracker, domain)
    assert texts(dispatcher) == ["response:utter_child_help"]
