"""Actions that find people, regional contacts and meeting places in the knowledge base."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

import knowledge_base
from actions.responses import contact_lines, place_lines, render, years_of
from knowledge_base import KnowledgeBase

# Validated when the action server imports this module: a broken knowledge base stops the
# server at start-up instead of failing a family mid-chat. Each action then asks for the
# knowledge in force, so a fact staff change reaches the next message without a restart.
LIVE = knowledge_base.live()

PENDING_CONTACT = "contact"
PENDING_MEETING_PLACE = "meeting_place"


def _entity_values(tracker: Tracker, entity: str) -> List[str]:
    values = []
    for item in tracker.latest_message.get("entities", []):
        if item.get("entity") == entity and item.get("value") not in values:
            values.append(item["value"])
    return values


def _municipality(kb: KnowledgeBase, tracker: Tracker, use_slot: bool = True) -> Optional[str]:
    """The municipality of this message, else (optionally) the one the user gave earlier."""
    named = [m for m in _entity_values(tracker, "municipality") if m in kb.municipalities]
    if named:
        return named[0]
    slot = tracker.get_slot("municipality") if use_slot else None
    return slot if slot in kb.municipalities else None


def _answer_outside_area(kb: KnowledgeBase, dispatcher: CollectingDispatcher,
                         domain: Dict[str, Any], municipality: str) -> None:
    dispatcher.utter_message(text=render(domain, "utter_outside_area", municipality=municipality,
                                         region=kb.region_of(municipality).name))


def answer_contacts_for(kb: KnowledgeBase, dispatcher: CollectingDispatcher,
                        domain: Dict[str, Any], municipality: str) -> List[EventType]:
    region = kb.region_of(municipality)
    if not region.covered:
        _answer_outside_area(kb, dispatcher, domain, municipality)
    else:
        people = kb.primary_contacts(region.id)
        if people:
            dispatcher.utter_message(text=render(
                domain, "utter_contact_municipality", municipality=municipality,
                region=region.name, region_in=region.in_form,
                people=contact_lines(domain, people), years=years_of(c.valid for c in people)))
        else:
            dispatcher.utter_message(text=render(
                domain, "utter_contact_municipality_no_people", municipality=municipality,
                region=region.name, region_in=region.in_form))
        local = kb.places_in(municipality)
        if local:
            dispatcher.utter_message(text=render(
                domain, "utter_local_services",
                municipality_in=kb.municipalities[municipality].in_form,
                places=place_lines(domain, local)))
        dispatcher.utter_message(text=render(domain, "utter_current_services_pointer"))
    return [SlotSet("municipality", municipality), SlotSet("pending_request", None)]


def answer_meeting_places_for(kb: KnowledgeBase, dispatcher: CollectingDispatcher,
                              domain: Dict[str, Any], municipality: str) -> List[EventType]:
    region = kb.region_of(municipality)
    if not region.covered:
        _answer_outside_area(kb, dispatcher, domain, municipality)
    else:
        places = kb.places_in(municipality)
        if places:
            dispatcher.utter_message(text=render(
                domain, "utter_meeting_places",
                municipality_in=kb.municipalities[municipality].in_form,
                places=place_lines(domain, places), years=years_of(p.valid for p in places)))
        else:
            dispatcher.utter_message(text=render(
                domain, "utter_no_meeting_place", municipality=municipality, region=region.name))
    return [SlotSet("municipality", municipality), SlotSet("pending_request", None)]


def _ask_municipality(dispatcher: CollectingDispatcher, pending: str) -> List[EventType]:
    dispatcher.utter_message(response="utter_ask_municipality")
    return [SlotSet("pending_request", pending)]


class ActionFindContact(Action):
    def name(self) -> Text:
        return "action_find_contact"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        """Answers whom to contact: a named person, a role, a project, or a municipality's contacts."""
        kb = LIVE.current()
        people = kb.known_contacts(_entity_values(tracker, "person"))
        roles = _entity_values(tracker, "role")
        projects = [kb.projects[i] for i in _entity_values(tracker, "project") if i in kb.projects]
        regions = [region for region in map(kb.region_named, _entity_values(tracker, "region"))
                   if region is not None]
        municipality = _municipality(kb, tracker, use_slot=False)

        if people:
            self._answer_people(dispatcher, domain, people)
            return []
        if projects:
            for project in projects:
                contacts = kb.project_contacts(project.id)
                response = "utter_project_people" if contacts else "utter_project_no_people"
                dispatcher.utter_message(text=render(
                    domain, response, project=project.name, organisation=project.organisation,
                    years=project.period.years, people=contact_lines(domain, contacts)))
            return []
        if roles:
            region_id = (regions[0].id if regions
                         else kb.region_of(municipality).id if municipality else None)
            found = kb.contacts_with_role(roles[0], region_id)
            if found:
                self._answer_people(dispatcher, domain, found)
            else:
                dispatcher.utter_message(response="utter_person_not_found")
            return []
        if municipality:
            return answer_contacts_for(kb, dispatcher, domain, municipality)
        if regions and regions[0].municipalities:
            region = regions[0]
            if not region.covered:
                return answer_contacts_for(kb, dispatcher, domain, region.municipalities[0])
            people_in_region = kb.primary_contacts(region.id)
            if people_in_region:
                self._answer_people(dispatcher, domain, people_in_region)
                dispatcher.utter_message(text=render(domain, "utter_current_services_pointer"))
                return []
        remembered = _municipality(kb, tracker)
        if remembered:
            return answer_contacts_for(kb, dispatcher, domain, remembered)
        return _ask_municipality(dispatcher, PENDING_CONTACT)

    @staticmethod
    def _answer_people(dispatcher: CollectingDispatcher, domain: Dict[str, Any], people) -> None:
        dispatcher.utter_message(text=render(domain, "utter_person_found",
                                             people=contact_lines(domain, people),
                                             years=years_of(c.valid for c in people)))


class ActionFindMeetingPlace(Action):
    def name(self) -> Text:
        return "action_find_meeting_place"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        """Lists meeting places and family houses of the user's municipality."""
        kb = LIVE.current()
        municipality = _municipality(kb, tracker)
        if not municipality:
            return _ask_municipality(dispatcher, PENDING_MEETING_PLACE)
        return answer_meeting_places_for(kb, dispatcher, domain, municipality)


class ActionAnswerPending(Action):
    def name(self) -> Text:
        return "action_answer_pending"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        """Uses a reply that names a municipality for the question that was waiting for it."""
        return answer_pending(dispatcher, tracker, domain)


def answer_pending(dispatcher: CollectingDispatcher, tracker: Tracker,
                   domain: Dict[Text, Any]) -> List[EventType]:
    kb = LIVE.current()
    municipality = _municipality(kb, tracker, use_slot=False)
    if not municipality:
        dispatcher.utter_message(response="utter_municipality_not_recognised")
        return []
    if tracker.get_slot("pending_request") == PENDING_MEETING_PLACE:
        return answer_meeting_places_for(kb, dispatcher, domain, municipality)
    return answer_contacts_for(kb, dispatcher, domain, municipality)
