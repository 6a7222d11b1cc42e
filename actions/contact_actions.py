"""Actions that find people, regional contacts and meeting places in the knowledge base."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

import knowledge_base
from actions.responses import (
    answer_metadata,
    answered_topic,
    contact_lines,
    place_lines,
    render,
    years_of,
)
from knowledge_base import Contact, KnowledgeBase, Project, Region
from knowledge_base.safety import written_by_child

# Validated when the action server imports this module: a broken knowledge base stops the
# server at start-up instead of failing a family mid-chat. Each action then asks for the
# knowledge in force, so a fact staff change reaches the next message without a restart.
LIVE = knowledge_base.live()

# The subjects a follow-up may refer to, the most specific first.
SUBJECTS = ("person", "project", "municipality", "region")
LAST_SUBJECT = "last_subject"
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


def _answer_outside_area(
    kb: KnowledgeBase, dispatcher: CollectingDispatcher, domain: Dict[str, Any], municipality: str
) -> None:
    dispatcher.utter_message(
        text=render(
            domain,
            "utter_outside_area",
            municipality=municipality,
            region=kb.region_of(municipality).name,
        )
    )


def answer_contacts_for(
    kb: KnowledgeBase, dispatcher: CollectingDispatcher, domain: Dict[str, Any], municipality: str
) -> List[EventType]:
    region = kb.region_of(municipality)
    if not region.covered:
        _answer_outside_area(kb, dispatcher, domain, municipality)
    else:
        people = kb.primary_contacts(region.id)
        if people:
            dispatcher.utter_message(
                text=render(
                    domain,
                    "utter_contact_municipality",
                    municipality=municipality,
                    region=region.name,
                    region_in=region.in_form,
                    people=contact_lines(domain, people),
                    years=years_of(c.valid for c in people),
                )
            )
        else:
            dispatcher.utter_message(
                text=render(
                    domain,
                    "utter_contact_municipality_no_people",
                    municipality=municipality,
                    region=region.name,
                    region_in=region.in_form,
                )
            )
        local = kb.places_in(municipality)
        if local:
            dispatcher.utter_message(
                text=render(
                    domain,
                    "utter_local_services",
                    municipality_in=kb.municipalities[municipality].in_form,
                    places=place_lines(domain, local),
                )
            )
        dispatcher.utter_message(text=render(domain, "utter_current_services_pointer"))
    return [
        SlotSet("municipality", municipality),
        SlotSet("pending_request", None),
        SlotSet("last_request", PENDING_CONTACT),
    ]


def answer_meeting_places_for(
    kb: KnowledgeBase, dispatcher: CollectingDispatcher, domain: Dict[str, Any], municipality: str
) -> List[EventType]:
    region = kb.region_of(municipality)
    if not region.covered:
        _answer_outside_area(kb, dispatcher, domain, municipality)
    else:
        places = kb.places_in(municipality)
        if places:
            dispatcher.utter_message(
                text=render(
                    domain,
                    "utter_meeting_places",
                    municipality_in=kb.municipalities[municipality].in_form,
                    places=place_lines(domain, places),
                    years=years_of(p.valid for p in places),
                )
            )
        else:
            dispatcher.utter_message(
                text=render(
                    domain, "utter_no_meeting_place", municipality=municipality, region=region.name
                )
            )
    return [
        SlotSet("municipality", municipality),
        SlotSet("pending_request", None),
        SlotSet("last_request", PENDING_MEETING_PLACE),
    ]


def _ask_municipality(dispatcher: CollectingDispatcher, pending: str) -> List[EventType]:
    dispatcher.utter_message(response="utter_ask_municipality")
    return [SlotSet("pending_request", pending)]


def _earlier_subject(
    kb: KnowledgeBase, tracker: Tracker, domain: Optional[Dict[str, Any]] = None
) -> Optional[Tuple[str, str]]:
    """What the conversation talked about last, for follow-ups that name nothing themselves
    ("mikä hänen numeronsa on?", "kuka sitä veti?", "kuka siellä on yhteyshenkilö?"): the
    person or project the bot answered about (slot last_subject), or the person, project,
    municipality or region of an earlier message, whichever is more recent."""
    known = {
        "person": {c.id for c in kb.contacts},
        "project": set(kb.projects),
        "municipality": set(kb.municipalities),
        "region": {r.name for r in kb.regions.values()},
    }
    events = list(tracker.events)
    user_turns = [i for i, e in enumerate(events) if e.get("event") == "user"]
    before_this_message = events[: user_turns[-1]] if user_turns else events
    for event in reversed(before_this_message):
        if (
            event.get("event") == "slot"
            and event.get("name") == LAST_SUBJECT
            and event.get("value")
        ):
            kind, _sep, value = str(event["value"]).partition(":")
            if value and set(value.split(",")) <= known.get(kind, set()):
                return kind, value
        if event.get("event") == "user":
            parse_data = event.get("parse_data") or {}
            entities = parse_data.get("entities") or []
            found = [
                (kind, entity["value"])
                for kind in SUBJECTS  # the most specific subject of a message first
                for entity in entities
                if entity.get("entity") == kind and entity.get("value") in known[kind]
            ]
            topic = answered_topic(parse_data)  # "kuka sitä veti?" after an FAQ answer
            project = answer_metadata(domain or {}, topic).get("project") if topic else None
            if project in known["project"]:
                # the project the answer was about, before a place the question named
                # ("Mikkelissä oli joku ryhmä" -> "keneltä siitä saa lisätietoa")
                found.insert(
                    sum(kind in ("person", "project") for kind, _v in found),
                    ("project", str(project)),
                )
            if found:
                return found[0]
    return None


def child_in_conversation(tracker: Tracker, kb: KnowledgeBase) -> bool:
    """Whether a message of this conversation, the latest included, reads as a child's."""
    return any(
        written_by_child(e.get("text") or "", kb.safety)
        for e in tracker.events
        if e.get("event") == "user"
    ) or written_by_child(tracker.latest_message.get("text") or "", kb.safety)


def _subject(kind: str, value: str) -> List[EventType]:
    return [SlotSet(LAST_SUBJECT, f"{kind}:{value}")]


def answer_people(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any], people: List[Contact]
) -> List[EventType]:
    dispatcher.utter_message(
        text=render(
            domain,
            "utter_person_found",
            people=contact_lines(domain, people),
            years=years_of(c.valid for c in people),
        )
    )
    return _subject("person", ",".join(c.id for c in people))


def answer_projects(
    kb: KnowledgeBase,
    dispatcher: CollectingDispatcher,
    domain: Dict[str, Any],
    projects: List[Project],
) -> List[EventType]:
    for project in projects:
        contacts = kb.project_contacts(project.id)
        response = "utter_project_people" if contacts else "utter_project_no_people"
        dispatcher.utter_message(
            text=render(
                domain,
                response,
                project=project.name,
                organisation=project.organisation,
                years=project.period.years,
                people=contact_lines(domain, contacts),
            )
        )
    if len(projects) == 1 and not kb.project_contacts(projects[0].id):
        # nobody of the project is known: the region's contacts are whom to ask
        answer_region(kb, dispatcher, domain, kb.regions[projects[0].region])
    return _subject("project", ",".join(p.id for p in projects))


def answer_region(
    kb: KnowledgeBase, dispatcher: CollectingDispatcher, domain: Dict[str, Any], region: Region
) -> List[EventType]:
    if not region.covered:
        dispatcher.utter_message(
            text=render(domain, "utter_outside_area_region", region=region.name)
        )
        return []
    people = kb.primary_contacts(region.id)
    if not people:
        dispatcher.utter_message(
            text=render(
                domain, "utter_region_no_people", region=region.name, region_in=region.in_form
            )
        )
        return []
    answer_people(dispatcher, domain, people)
    dispatcher.utter_message(text=render(domain, "utter_current_services_pointer"))
    return []


class ActionFindContact(Action):
    def name(self) -> Text:
        return "action_find_contact"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        """Answers whom to contact: a named person, project, organisation, role or field of
        responsibility, a municipality's or region's contacts, or, for a follow-up that names
        nothing, whatever the conversation talked about last."""
        kb = LIVE.current()
        text = tracker.latest_message.get("text") or ""
        people = kb.known_contacts(_entity_values(tracker, "person"))
        roles = _entity_values(tracker, "role")
        projects = [kb.projects[i] for i in _entity_values(tracker, "project") if i in kb.projects]
        projects = projects or kb.find_organisations(text)
        regions = [
            region
            for region in map(kb.region_named, _entity_values(tracker, "region"))
            if region is not None
        ]
        municipality = _municipality(kb, tracker, use_slot=False)
        # A named municipality says the region best: South Ostrobothnians call their own
        # region "Pohjanmaa", which is also the name of the region next to it.
        region_id = (
            kb.region_of(municipality).id if municipality else regions[0].id if regions else None
        )
        named_region = kb.regions[region_id] if region_id else None
        if named_region and not municipality and named_region.often_meant:
            # "siälä pohjanmaalla" from Seinäjoki: say so, and answer for Etelä-Pohjanmaa
            meant = kb.regions[named_region.often_meant]
            dispatcher.utter_message(
                text=render(
                    domain, "utter_region_often_meant", region=named_region.name, meant=meant.name
                )
            )
            region_id, regions = meant.id, [meant]
        if region_id and not kb.regions[region_id].covered:
            region_id = None  # look across the four regions; a field names one of them

        if people:
            return answer_people(dispatcher, domain, people)
        if projects and region_id and all(p.region != region_id for p in projects):
            # "Etelä-Pohjanmaan perhekeskustoiminta": the named region's people of that field,
            # not another region's project of the same common name
            in_region = kb.contacts_by_field(text, region_id)
            if in_region:
                return answer_people(dispatcher, domain, in_region)
        if projects:
            return answer_projects(kb, dispatcher, domain, projects)
        if roles:
            earlier = None if region_id else _earlier_subject(kb, tracker, domain)
            if earlier and earlier[0] == "project":  # "kuka on johtaja?" after a project
                of_project = [c for i in earlier[1].split(",") for c in kb.project_contacts(i)]
                found = [c for c in kb.contacts_with_role(roles[0]) if c in of_project]
                # titles differ ("johtaja" of a project is its hankepäällikkö): the project's
                # own people rather than someone of the same title elsewhere
                if found or of_project:
                    return answer_people(dispatcher, domain, found or of_project)
            found = kb.contacts_with_role(roles[0], region_id)
            if found:
                return answer_people(dispatcher, domain, found)
            dispatcher.utter_message(response="utter_person_not_found")
            return []
        if municipality:
            return answer_contacts_for(kb, dispatcher, domain, municipality)
        by_field = kb.contacts_by_field(text, region_id)
        if by_field:
            return answer_people(dispatcher, domain, by_field)
        if regions:
            return answer_region(kb, dispatcher, domain, regions[0])
        earlier = _earlier_subject(kb, tracker, domain)
        if earlier:
            kind, value = earlier
            if kind == "person":
                return answer_people(dispatcher, domain, kb.known_contacts(value.split(",")))
            if kind == "project":
                return answer_projects(
                    kb, dispatcher, domain, [kb.projects[i] for i in value.split(",")]
                )
            if kind == "municipality":
                return answer_contacts_for(kb, dispatcher, domain, value)
            region = kb.region_named(value)
            if region:
                return answer_region(kb, dispatcher, domain, region)
        if child_in_conversation(tracker, kb):  # a child is not sent to look for a municipality
            dispatcher.utter_message(response="utter_child_help")
            return []
        return _ask_municipality(dispatcher, PENDING_CONTACT)


class ActionFindMeetingPlace(Action):
    def name(self) -> Text:
        return "action_find_meeting_place"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        """Lists meeting places and family houses of the user's municipality."""
        kb = LIVE.current()
        municipality = _municipality(kb, tracker)
        if not municipality:
            return _ask_municipality(dispatcher, PENDING_MEETING_PLACE)
        return answer_meeting_places_for(kb, dispatcher, domain, municipality)


class ActionAnswerPending(Action):
    def name(self) -> Text:
        return "action_answer_pending"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        """Uses a reply that names a municipality for the question that was waiting for it."""
        return answer_pending(dispatcher, tracker, domain)


def answer_pending(
    dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
) -> List[EventType]:
    kb = LIVE.current()
    municipality = _municipality(kb, tracker, use_slot=False)
    # a reply to "Missä kunnassa asut?", or "entä Juvalla?" after an answer about another place
    asked = tracker.get_slot("pending_request") or tracker.get_slot("last_request")
    regions = [r for r in map(kb.region_named, _entity_values(tracker, "region")) if r is not None]
    if not municipality and regions and asked != PENDING_MEETING_PLACE:
        return answer_region(kb, dispatcher, domain, regions[0])  # "entä Pohjois-Savossa?"
    if not municipality:
        dispatcher.utter_message(response="utter_municipality_not_recognised")
        return []
    if asked == PENDING_MEETING_PLACE:
        return answer_meeting_places_for(kb, dispatcher, domain, municipality)
    if asked == "person":  # actions.handover_actions.PENDING_PERSON
        from actions.handover_actions import request_person

        return request_person(kb, dispatcher, tracker, domain, kb.region_of(municipality))
    return answer_contacts_for(kb, dispatcher, domain, municipality)
