"""What the bot does when it is not sure what the user meant."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.contact_actions import LIVE, answer_pending, child_in_conversation
from actions.responses import answer_metadata, answered_topic
from knowledge_base.finnish import refers_back

MAX_BUTTONS = 3
MIN_BUTTON_CONFIDENCE = 0.05
# Topics that make no sense as a "did you mean" suggestion.
NOT_SUGGESTED = {"faq/tervehdys", "faq/hyvastit", "faq/kiitos"}


def topic_title(domain: Dict[str, Any], topic: str) -> str:
    """The staff-written title of an FAQ topic (metadata.title of its answer), or ''."""
    return (answer_metadata(domain, topic).get("title") or "").strip()


def previous_topic(tracker: Tracker) -> Optional[str]:
    """The FAQ topic the user's previous message was answered with, if it was one."""
    user_turns = [e for e in tracker.events if e.get("event") == "user"]
    if len(user_turns) < 2:
        return None
    topic = answered_topic(user_turns[-2].get("parse_data") or {})
    return topic if topic not in NOT_SUGGESTED else None


# Intents answered from the knowledge base: a follow-up gets that answer again.
LOOKUP_INTENTS = {"ask_contact", "ask_meeting_place", "inform_municipality"}


def previous_lookup_texts(tracker: Tracker) -> List[str]:
    """What the bot said to the user's previous message, when that was a look-up of contacts
    or places ("koska se aukes?" after a list of Kangasniemi's places)."""
    events = list(tracker.events)
    user_turns = [i for i, e in enumerate(events) if e.get("event") == "user"]
    if len(user_turns) < 2:
        return []
    previous = events[user_turns[-2]]
    intent = ((previous.get("parse_data") or {}).get("intent") or {}).get("name")
    if intent not in LOOKUP_INTENTS:
        return []
    return [
        e["text"]
        for e in events[user_turns[-2] : user_turns[-1]]
        if e.get("event") == "bot" and e.get("text")
    ]


def likely_topics(tracker: Tracker) -> List[str]:
    selector = (tracker.latest_message.get("response_selector") or {}).get("faq") or {}
    return [
        r["intent_response_key"]
        for r in selector.get("ranking", [])
        if r.get("confidence", 0.0) >= MIN_BUTTON_CONFIDENCE
        and r.get("intent_response_key") not in NOT_SUGGESTED
    ]


class ActionAskRephrase(Action):
    def name(self) -> Text:
        return "action_ask_rephrase"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        """Asks the user to rephrase, offering the most likely topics as buttons."""
        if tracker.get_slot("pending_request") and any(
            e.get("entity") == "municipality" and e.get("value") in LIVE.current().municipalities
            for e in tracker.latest_message.get("entities", [])
        ):
            return answer_pending(dispatcher, tracker, domain)
        topic = previous_topic(tracker)
        if topic and refers_back(tracker.latest_message.get("text") or ""):
            # an unclear follow-up of the answer just given: that answer again, said so
            dispatcher.utter_message(response="utter_followup_same_topic")
            dispatcher.utter_message(response=f"utter_{topic}")
            return []
        if child_in_conversation(tracker, LIVE.current()):
            # a child the bot did not understand ("isi huutaa ja mua pelottaa") gets the
            # children's line and 112, not a list of topics
            dispatcher.utter_message(response="utter_child_help")
            return []
        answer = previous_lookup_texts(tracker)
        if answer and refers_back(tracker.latest_message.get("text") or ""):
            dispatcher.utter_message(response="utter_followup_same_topic")
            for text in answer:
                dispatcher.utter_message(text=text)
            return []
        buttons = []
        for topic in likely_topics(tracker):
            title = topic_title(domain, topic)
            if title:
                buttons.append({"title": title, "payload": title})
            if len(buttons) == MAX_BUTTONS:
                break
        if buttons:
            dispatcher.utter_message(response="utter_ask_rephrase", buttons=buttons)
        else:
            dispatcher.utter_message(response="utter_ask_rephrase_plain")
        return []
