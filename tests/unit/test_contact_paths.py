"""Contact look-ups that find the right person: generic words are not roles, fields of
responsibility and organisations in any case form, and follow-ups that name nothing
themselves resolve from what the conversation talked about last."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.contact_actions import ActionAnswerPending, ActionFindContact
from tests.support import texts

pytestmark = pytest.mark.usefixtures("actions_kb")


@pytest.fixture
def conversation(extractor):
    """A tracker whose events hold the earlier user messages with the entities NLU found."""

    def make(
        *earlier: str,
        latest: str,
        intent: str = "ask_contact",
        slots: Optional[Dict[str, Any]] = None,
    ) -> Tracker:
        events: List[Dict[str, Any]] = []
        for text in earlier + (latest,):
            events.append(
                {
                    "event": "user",
                    "text": text,
                    "parse_data": {"text": text, "entities": extractor.entities_in(text)},
                }
            )
            events.append({"event": "bot", "text": "…"})
        latest_message = {
            "text": latest,
            "intent": {"name": intent, "confidence": 1.0},
            "entities": extractor.entities_in(latest),
        }
        return Tracker(
            "test-user",
            dict(slots or {}),
            latest_message,
            events[:-1],
            False,
            None,
            None,
            "action_listen",
        )

    return make


def answered_about_toivo(tracker: Tracker, domain: Dict[str, Any]) -> Dict[str, Any]:
    """The tracker's first message answered with the Toivo-ryhmä FAQ topic, whose answer's
    metadata names the Turvassa project; returns the domain with that answer."""
    earlier = tracker.events[0]["parse_data"]
    earlier["intent"] = {"name": "faq", "confidence": 0.9}
    earlier["response_selector"] = {
        "faq": {"response": {"intent_response_key": "faq/toivo_ryhma", "confidence": 0.9}}
    }
    with_topic = dict(domain, responses=dict(domain["responses"]))
    with_topic["responses"]["utter_faq/toivo_ryhma"] = [
        {"text": "…", "metadata": {"title": "Toivo-ryhmä", "project": "turvassa"}}
    ]
    return with_topic


async def said(action, dispatcher, tracker, domain) -> str:
    events = await action.run(dispatcher, tracker, domain)
    said.events = events
    return "\n".join(texts(dispatcher))


@pytest.mark.parametrize(
    "text", ["tarvitsen yhteyshenkilön, asun juvalla", "kuka on yhteyshenkilö kangasniemellä"]
)
async def test_a_generic_word_is_not_a_role(conversation, dispatcher, domain, text):
    answer = await said(ActionFindContact(), dispatcher, conversation(latest=text), domain)
    assert "Hanna Kokkonen" in answer and "Heikkinen" not in answer and "Isotalus" not in answer


async def test_a_generic_word_in_another_region_gets_that_regions_contacts(
    conversation, dispatcher, domain
):
    answer = await said(
        ActionFindContact(),
        dispatcher,
        conversation(latest="tarvitsen yhteyshenkilön, asun seinäjoella"),
        domain,
    )
    assert "Satu Mäki-Fossi" in answer and "En löydä" not in answer and "Heli Mäki" not in answer


async def test_a_role_by_its_field_of_responsibility(conversation, dispatcher, domain):
    answer = await said(
        ActionFindContact(),
        dispatcher,
        conversation(latest="kuka hoiti Keski-Suomessa varhaiskasvatuksen asioita"),
        domain,
    )
    assert "Senja Hirsjärvi" in answer and "Paananen" not in answer and "Hämäläinen" not in answer


@pytest.mark.parametrize(
    "text", ["miten saan yhteyden Viola ry:hyn", "violan yhteystiedot", "voiko violaan soittaa"]
)
async def test_an_organisation_in_any_case_form(conversation, dispatcher, domain, text):
    answer = await said(ActionFindContact(), dispatcher, conversation(latest=text), domain)
    assert "Emmi Heikkinen" in answer and "Heli Isotalus" in answer
    assert "Missä kunnassa" not in answer


async def test_a_project_in_any_case_form(conversation, dispatcher, domain):
    answer = await said(
        ActionFindContact(),
        dispatcher,
        conversation(latest="kehen otan yhteyttä Turvassa-hankkeeseen"),
        domain,
    )
    assert "Emmi Heikkinen" in answer and "050 476 8736" in answer


async def test_a_person_named_without_details_gets_where_to_ask(conversation, dispatcher, domain):
    answer = await said(
        ActionFindContact(),
        dispatcher,
        conversation(latest="kuka on pohjois-savon muutosagentti"),
        domain,
    )
    assert "Minna Rytkönen" in answer and "yhteystietoja ei ole aineistossani" in answer
    assert "puh." not in answer and "Hämäläinen" not in answer


async def test_who_led_it_follows_the_project(conversation, dispatcher, domain):
    tracker = conversation("Kerro Arki haltuun -hankkeesta", latest="kuka sitä veti?")
    answer = await said(ActionFindContact(), dispatcher, tracker, domain)
    assert "Eeva Pääkkönen" in answer


async def test_their_number_follows_the_person_the_bot_named(conversation, dispatcher, domain):
    first = conversation(latest="kuka on keski-suomen muutosagentti")
    assert "Hanna Hämäläinen" in await said(ActionFindContact(), dispatcher, first, domain)
    tracker = conversation("kuka on keski-suomen muutosagentti", latest="mikä hänen numeronsa on?")
    tracker.events[1:1] = [
        {"event": "slot", "name": e["name"], "value": e["value"]} for e in said.events
    ]  # what the first answer set
    answer = await said(ActionFindContact(), CollectingDispatcher(), tracker, domain)
    assert "Hanna Hämäläinen" in answer and "050 304 6670" in answer and "Raija" not in answer


async def test_who_is_there_follows_the_last_place(conversation, dispatcher, domain):
    tracker = conversation(
        "onko mikkelissä kohtaamispaikkaa",
        "entä pieksämäellä?",
        latest="kuka sielä on yhteyshenkilö",
    )
    answer = await said(ActionFindContact(), dispatcher, tracker, domain)
    assert "Pieksämäki" in answer and "Hanna Kokkonen" in answer and "Heikkinen" not in answer


async def test_the_latest_subject_wins(conversation, dispatcher, domain):
    tracker = conversation(
        "kerro arki haltuun hankkeesta",
        "keneen otan yhteyttä seinäjoella",
        latest="kuka siellä auttaa",
    )
    answer = await said(ActionFindContact(), dispatcher, tracker, domain)
    assert "Satu Mäki-Fossi" in answer and "Pääkkönen" not in answer


async def test_and_there_asks_the_same_as_before(conversation, dispatcher, domain):
    tracker = conversation(
        "onko mikkelissä kohtaamispaikkaa",
        latest="entä pieksämäellä?",
        intent="inform_municipality",
        slots={"last_request": "meeting_place"},
    )
    answer = await said(ActionAnswerPending(), dispatcher, tracker, domain)
    assert "Perheiden talo" in answer and "Hanna Kokkonen" not in answer
    assert SlotSet("last_request", "meeting_place") in said.events


async def test_who_to_contact_about_it_follows_the_faq_topic(conversation, dispatcher, domain):
    tracker = conversation("mikä on toivo-ryhmä", latest="kelle siitä soitan")
    tracker.events[0]["parse_data"]["entities"] = []  # the answer named it, the question not
    with_topic = answered_about_toivo(tracker, domain)
    answer = await said(ActionFindContact(), dispatcher, tracker, with_topic)
    assert "Emmi Heikkinen" in answer and "Missä kunnassa" not in answer


async def test_a_child_asking_whom_to_talk_to_gets_the_childrens_line(
    conversation, dispatcher, domain
):
    answer = await said(
        ActionFindContact(),
        dispatcher,
        conversation(latest="kenelle mä voin puhua kun mun faija muuttaa pois"),
        domain,
    )
    assert answer == "response:utter_child_help"
    assert "116 111" in domain["responses"]["utter_child_help"][0]["text"]


async def test_a_uncovered_region_name_does_not_hide_a_named_municipality(
    conversation, dispatcher, domain
):
    answer = await said(
        ActionFindContact(),
        dispatcher,
        conversation(latest="kuka oli pohjanmaan lape-hankkeen koordinaattori siälä seinäjoella"),
        domain,
    )
    assert "Satu Mäki-Fossi" in answer and "En löydä" not in answer


async def test_a_role_right_after_a_project_is_the_projects(conversation, dispatcher, domain):
    tracker = conversation("kerro kslape-hankkeesta", latest="kuka on koordinaattori?")
    answer = await said(ActionFindContact(), dispatcher, tracker, domain)
    assert "Sari Paananen" in answer and "Senja Hirsjärvi" in answer
    assert "Kokkonen" not in answer and "Mäki-Fossi" not in answer


async def test_a_misspelt_project_name_is_found(conversation, dispatcher, domain):
    tracker = conversation(latest="turvasa hankeen yhteyshenkilot")
    answer = await said(ActionFindContact(), dispatcher, tracker, domain)
    assert "Emmi Heikkinen" in answer and "Missä kunnassa" not in answer


async def test_a_named_regions_field_beats_another_regions_project(
    conversation, dispatcher, domain
):
    tracker = conversation(latest="etela pohjanmaan perhekeskus toimintamalli kuka hoiti")
    answer = await said(ActionFindContact(), dispatcher, tracker, domain)
    assert "Heli Mäki" in answer and "Kokkonen" not in answer


async def test_pohjanmaa_is_answered_for_the_region_people_often_mean(
    conversation, dispatcher, domain
):
    tracker = conversation(latest="kuka hoiti siälä pohjanmaalla sitä perhekeskusmallia")
    answer = await said(ActionFindContact(), dispatcher, tracker, domain)
    assert answer.startswith("Maakunta Pohjanmaa ei kuulu")
    assert "maakuntaa Etelä-Pohjanmaa" in answer
    assert "Heli Mäki" in answer and "Sari Paananen" not in answer


async def test_their_numbers_follow_every_person_the_bot_named(conversation, dispatcher, domain):
    first = conversation(latest="keneen otan yhteyttä mikkelissä")
    answer = await said(ActionFindContact(), dispatcher, first, domain)
    assert "Hanna Kokkonen" in answer and "Katja Saukkonen" in answer
    tracker = conversation("keneen otan yhteyttä mikkelissä", latest="annappa heiän numerot")
    tracker.events[1:1] = [
        {"event": "slot", "name": e["name"], "value": e["value"]} for e in said.events
    ]
    answer = await said(ActionFindContact(), CollectingDispatcher(), tracker, domain)
    assert "Hanna Kokkonen" in answer and "Katja Saukkonen" in answer


async def test_a_child_earlier_in_the_conversation_is_not_asked_for_a_municipality(
    conversation, dispatcher, domain
):
    tracker = conversation("mä en haluu et iskä ja äiti eroo", latest="voinko mä soittaa johonki")
    answer = await said(ActionFindContact(), dispatcher, tracker, domain)
    assert answer == "response:utter_child_help"


async def test_a_role_the_project_lacks_gives_the_projects_people(conversation, dispatcher, domain):
    tracker = conversation("mitä turvassa hanke tekee?", latest="kuka on johtaja?")
    answer = await said(ActionFindContact(), dispatcher, tracker, domain)
    assert "Emmi Heikkinen" in answer and "Satu Auvinen" not in answer


async def test_the_answers_project_comes_before_a_place_of_the_same_message(
    conversation, dispatcher, domain
):
    tracker = conversation(
        "kuulin että Mikkelissä oli joku ryhmä riitaisen eron perheille",
        latest="keneltä siitä saa lisätietoa",
    )
    with_topic = answered_about_toivo(tracker, domain)
    answer = await said(ActionFindContact(), dispatcher, tracker, with_topic)
    assert "Emmi Heikkinen" in answer and "Hanna Kokkonen" not in answer


async def test_an_organisations_projects_are_the_subject_of_the_next_question(
    conversation, dispatcher, domain
):
    first = conversation(latest="mikä järjestö se viola on")
    assert "Turvassa" in await said(ActionFindContact(), dispatcher, first, domain)
    tracker = conversation("mikä järjestö se viola on", latest="miten niihin saa yhteyden")
    tracker.events[0]["parse_data"]["entities"] = []
    tracker.events[1:1] = [
        {"event": "slot", "name": e["name"], "value": e["value"]} for e in said.events
    ]
    answer = await said(ActionFindContact(), CollectingDispatcher(), tracker, domain)
    assert "Emmi Heikkinen" in answer and "Missä kunnassa" not in answer
