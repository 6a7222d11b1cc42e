"""The safety answer: 112 first, then the fitting national line(s), then local help."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.contact_actions import LIVE
from actions.responses import contact_lines, render
from knowledge_base.safety import written_by_child

CATEGORIES = ("violence", "suicide", "child")


def crisis_categories(tracker: Tracker) -> List[str]:
    """Categories the safety guard found, else the one named by the crisis intent."""
    found = [
        e["value"]
        for e in tracker.latest_message.get("entities", [])
        if e.get("entity") == "crisis_category" and e.get("value") in CATEGORIES
    ]
    intent = (tracker.latest_message.get("intent") or {}).get("name") or ""
    if not found and intent.startswith("crisis_"):
        found = [intent[len("crisis_") :]]
    return list(dict.fromkeys(found)) or ["violence"]


class ActionSafetyHelp(Action):
    def name(self) -> Text:
        return "action_safety_help"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        """Gives 112, then each fitting helpline, then the local contacts kept for that need."""
        dispatcher.utter_message(response="utter_safety_emergency")
        kb = LIVE.current()
        if written_by_child(tracker.latest_message.get("text") or "", kb.safety):
            dispatcher.utter_message(response="utter_safety_child_line")
        categories = crisis_categories(tracker)
        for category in categories:
            dispatcher.utter_message(response=f"utter_safety_{category}")
        for category in categories:
            project = kb.projects.get(kb.local_help.get(category, ""))
            contacts = kb.project_contacts(project.id) if project else []
            if project and contacts:
                dispatcher.utter_message(
                    text=render(
                        domain,
                        "utter_safety_local_project",
                        project=project.name,
                        organisation=project.organisation,
                        years=project.period.years,
                        region_in=kb.regions[project.region].in_form,
                        people=contact_lines(domain, contacts),
                    )
                )
        return []
