"""The guards that overrule a classifier's guess: an out-of-scope guess gives way to a topic
the topic classifier is nearly sure of, and a question asking who can help is a contact
question even when the classifiers call it out of scope or a crisis."""

from __future__ import annotations

from typing import Any, Dict, List

from rasa.shared.nlu.training_data.message import Message

from components.guards import ContactQuestionGuard, TopicOverOutOfScope
from tests.support import FIXTURE_KNOWLEDGE


def _message(text: str, intent: str, topic_confidence: float = 0.2, entities=()) -> Message:
    return Message(
        data={
            "text": text,
            "intent": {"name": intent, "confidence": 0.8},
            "intent_ranking": [{"name": intent, "confidence": 0.8}],
            "entities": list(entities),
            "response_selector": {
                "faq": {
                    "response": {
                        "intent_response_key": "faq/tilanne_lapsi_ei_halua",
                        "confidence": topic_confidence,
                    }
                }
            },
        }
    )


def _intent_after(component: Any, message: Message) -> str:
    component.process([message])
    return message.get("intent")["name"]


def test_a_nearly_sure_topic_overrules_out_of_scope():
    gate = TopicOverOutOfScope(TopicOverOutOfScope.get_default_config())
    text = "meidän 7-vuotias ei suostu lähtemään isälleen"
    assert _intent_after(gate, _message(text, "out_of_scope", 0.97)) == "faq"
    assert _intent_after(gate, _message("sähkön hinta", "out_of_scope", 0.73)) == "out_of_scope"
    assert _intent_after(gate, _message(text, "ask_contact", 0.97)) == "ask_contact"


def _guard() -> ContactQuestionGuard:
    return ContactQuestionGuard(
        {**ContactQuestionGuard.get_default_config(), "knowledge_dir": str(FIXTURE_KNOWLEDGE)}
    )


def test_asking_who_can_help_is_a_contact_question():
    text = "mies ja minä riitelemme koko ajan lapsista. kuka voi auttaa meitä?"
    assert _intent_after(_guard(), _message(text, "out_of_scope")) == "ask_contact"


def test_a_crisis_guess_asking_for_help_in_a_place_is_a_contact_question():
    mikkeli: List[Dict[str, Any]] = [
        {"entity": "municipality", "value": "Mikkeli", "start": 5, "end": 15}
    ]
    text = "Onko Mikkelissä joku, joka auttaa tällaisissa eroissa?"
    message = _message(text, "crisis_violence", entities=mikkeli)
    assert _intent_after(_guard(), message) == "ask_contact"


def test_who_questions_about_other_things_stay_out_of_scope():
    assert _intent_after(_guard(), _message("kuka voitti formulat", "out_of_scope")) == (
        "out_of_scope"
    )
    assert _intent_after(_guard(), _message("kuka korjaa auton", "out_of_scope")) == (
        "out_of_scope"
    )


def test_an_organisation_alone_is_a_contact_question_unless_a_topic_answers_it():
    assert _intent_after(_guard(), _message("mikä järjestö se viola on", "nlu_fallback")) == (
        "ask_contact"
    )
    assert _intent_after(_guard(), _message("mikä järjestö se viola on", "faq")) == "faq"


def test_asking_for_help_in_a_named_municipality_gets_its_contacts_first():
    juva = [{"entity": "municipality", "value": "Juva", "start": 28, "end": 33}]
    text = "mist saa apuu eroon? asun juval"
    assert _intent_after(_guard(), _message(text, "faq", entities=juva)) == "ask_contact"
    assert _intent_after(_guard(), _message("mist saa apuu eroon?", "faq")) == "faq"
