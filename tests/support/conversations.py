"""A conversation store written by Rasa's own SQL tracker store, for the inbox tests
(`make inbox` and the console's Saapuneet)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any, Dict, List

DAY = 86400


def parse_data(
    text: str,
    intent: str,
    confidence: float,
    topic: str = "erokahvila",
    topic_confidence: float = 0.3,
) -> Dict[str, Any]:
    ranking = [{"name": intent, "confidence": confidence}]
    if intent != "faq":
        ranking.append({"name": "faq", "confidence": 1 - confidence})
    return {
        "text": text,
        "intent": {"name": intent, "confidence": confidence},
        "intent_ranking": ranking,
        "entities": [],
        "response_selector": {
            "all_retrieval_intents": ["faq"],
            "faq": {
                "response": {
                    "intent_response_key": f"faq/{topic}",
                    "confidence": topic_confidence,
                    "responses": [{"text": "vastaus"}],
                    "utter_action": f"utter_faq/{topic}",
                },
                "ranking": [
                    {"intent_response_key": f"faq/{topic}", "confidence": topic_confidence}
                ],
            },
        },
    }


def fill_store(db: Path, conversations: Dict[str, List[tuple]]) -> None:
    """Writes conversations with Rasa's SQL tracker store: per user, (text, parse, bot action,
    age in days) turns."""
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.events import ActionExecuted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    store = SQLTrackerStore(dialect="sqlite", db=str(db))
    now = time.time()
    for sender, turns in conversations.items():
        events = []
        for text, parse, action, age in turns:
            at = now - age * DAY
            events += [
                ActionExecuted("action_listen", timestamp=at - 1),
                UserUttered(text, parse["intent"], parse_data=parse, timestamp=at),
                ActionExecuted(action, timestamp=at + 1),
            ]
        events.append(ActionExecuted("action_listen", timestamp=now))
        asyncio.run(store.save(DialogueStateTracker.from_events(sender, events)))
