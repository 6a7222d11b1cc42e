"""Talk to a person (action_request_person): a request for a staff member of the family's
region in its opening hours, else the honest answer that nobody is there, with the region's
contacts, the national lines and 112. The bot never promises a person who is not there.

The region is the municipality this message or an earlier one named (the `municipality` slot),
or a region named now; without one the bot asks for the municipality first ("ihminen"'s FAQ
answer), and action_answer_pending comes back here when it is given. A child (child_voice in
knowledge/safety.yml) is first given the children's line 116 111. Opening hours and requests
are in the conversation store (bot/handover.py), shared with the Rasa servers and the console.
"""

from __future__ import annotations

import logging
import os
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import contact_actions
from bot import handover
from knowledge_base import KnowledgeBase, Region

logger = logging.getLogger(__name__)
PENDING_PERSON = "person"
TELEGRAM_PREFIX = "tg-"  # bot.telegram.identity.SENDER_PREFIX


def region_of(kb: KnowledgeBase, tracker: Tracker) -> Optional[Region]:
    """The region of the conversation: a municipality named now or before, or a region named."""
    municipality = contact_actions._municipality(kb, tracker)
    if municipality:
        return kb.region_of(municipality)
    for name in contact_actions._entity_values(tracker, "region"):
        region = kb.region_named(name)
        if region is not None:
            return region
    return None


def _contacts(
    kb: KnowledgeBase, domain: Dict[str, Any], region: Region, municipality: Optional[str]
) -> List[str]:
    """The texts the contact actions give for the municipality (else the region)."""
    scratch = CollectingDispatcher()
    if municipality and kb.region_of(municipality).id == region.id:
        contact_actions.answer_contacts_for(kb, scratch, domain, municipality)
    else:
        contact_actions.answer_region(kb, scratch, domain, region)
    return [m["text"] for m in scratch.messages if m.get("text")]


def channel_of(tracker: Tracker) -> str:
    """ "telegram" for a Telegram chat (its pseudonymous sender id), else the input channel."""
    if tracker.sender_id.startswith(TELEGRAM_PREFIX):
        return "telegram"
    return tracker.get_latest_input_channel() or "rest"


def _store() -> Optional[str]:
    return os.environ.get("PERHENEUVO_TRACKER_DB", "").strip() or None


def request_person(
    kb: KnowledgeBase,
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    domain: Dict[str, Any],
    region: Region,
) -> List[EventType]:
    texts = handover.texts()
    municipality = contact_actions._municipality(kb, tracker)
    contacts = _contacts(kb, domain, region, municipality)
    honest = [texts["nobody_came"], *contacts, texts["national_lines"]]
    db = _store()
    request = None
    if db and region.covered:
        engine = handover.engine_for(db)
        try:
            with engine.begin() as connection:
                if handover.is_open(connection, region.id):
                    request = handover.open_request(
                        connection,
                        tracker.sender_id,
                        channel_of(tracker),
                        region.id,
                        "\n\n".join(honest),
                    )
        except Exception:  # the store unreachable: the honest answer, never a promise
            logger.exception("could not make a request for a person")
            request = None
        finally:
            engine.dispose()
    if request is not None:
        minutes = max(1, round(handover.wait_seconds() / 60))
        dispatcher.utter_message(text=texts["requested"].format(minutes=minutes))
    else:
        if region.covered:
            dispatcher.utter_message(text=texts["closed_now"].format(region=region.name))
        for text in contacts:
            dispatcher.utter_message(text=text)
        dispatcher.utter_message(text=texts["national_lines"])
    events: List[EventType] = [SlotSet("pending_request", None)]
    if municipality:
        events.append(SlotSet("municipality", municipality))
    return events


class ActionRequestPerson(Action):
    def name(self) -> Text:
        return "action_request_person"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        kb = contact_actions.LIVE.current()
        if contact_actions.child_in_conversation(tracker, kb):
            # a child hears first of the line where an adult answers at once, whether or not a
            # worker of the region can come to this chat
            dispatcher.utter_message(response="utter_child_help")
        region = region_of(kb, tracker)
        if region is None:
            dispatcher.utter_message(response="utter_faq/ihminen")
            return [SlotSet("pending_request", PENDING_PERSON)]
        return request_person(kb, dispatcher, tracker, domain, region)
