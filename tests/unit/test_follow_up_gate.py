"""FollowUpGate: a short question that only points back and a doubtful topic go to the
fallback, which answers from the previous topic; anything else keeps its intent."""

from typing import Any, Dict, List

from rasa.shared.nlu.training_data.message import Message

from components.guards import FollowUpGate


def gated(text: str, topic_confidence: float, entities: List[Dict[str, Any]] = ()) -> str:
    message = Message(
        data={
            "text": text,
            "intent": {"name": "faq", "confidence": 0.8},
            "entities": list(entities),
            "response_selector": {
                "faq": {
                    "response": {"intent_response_key": "faq/botti", "confidence": topic_confidence}
                }
            },
        }
    )
    FollowUpGate(FollowUpGate.get_default_config()).process([message])
    return message.get("intent")["name"]


def test_a_doubtful_short_question_pointing_back_goes_to_the_fallback():
    assert gated("kauanko se kesti", 0.48) == "nlu_fallback"
    assert gated("onko se vielä käynnissä?", 0.34) == "nlu_fallback"


def test_a_sure_topic_a_long_message_or_one_without_a_pointer_keeps_its_intent():
    assert gated("kiitos siitä", 0.97) == "faq"
    assert gated("mikä on erokahvila", 0.40) == "faq"
    long = "mitä se perheneuvo tekee käytännössä, voiko sinne soittaa pienestä asiasta"
    assert gated(long, 0.40) == "faq"


def test_a_message_with_its_own_subject_is_no_follow_up():
    place = {"entity": "municipality", "value": "Mikkeli", "start": 0, "end": 0}
    assert gated("onko se mikkelissä", 0.40, [place]) == "faq"
