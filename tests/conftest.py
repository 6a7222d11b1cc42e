"""Shared fixtures on the fixture data (tests/fixtures): knowledge base, domain, trackers.

The trained model's fixtures are in tests/model/conftest.py, the running bot's in
tests/e2e/conftest.py. Markers follow the folders: everything under tests/model needs the
trained model (`model`), everything under tests/production is `production` (and `model`);
tests under tests/e2e carry `model` themselves where they need it.
"""

from __future__ import annotations

import glob
from pathlib import Path
from typing import Any, Dict, Optional

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

import knowledge_base
from components.knowledge_entities import KnowledgeBaseEntityExtractor
from knowledge_base.live import LiveKnowledge
from tests.support import FIXTURE_KNOWLEDGE, FIXTURES, TESTS

# One session-wide console test database for every module that uses it (a module importing
# the fixture itself would get a second one, and Django allows only one).
from tests.support.console import console_db  # noqa: F401

_FOLDER_MARKS = {"model": ("model",), "production": ("model", "production")}


@pytest.hookimpl(tryfirst=True)  # before -m selects by marker
def pytest_collection_modifyitems(config, items):
    for item in items:
        folder = Path(str(item.fspath)).relative_to(TESTS).parts[0]
        for mark in _FOLDER_MARKS.get(folder, ()):
            item.add_marker(getattr(pytest.mark, mark))


@pytest.fixture(scope="session")
def kb() -> knowledge_base.KnowledgeBase:
    """The fixture knowledge base (tests/fixtures/knowledge), not the one staff edit."""
    return knowledge_base.load(FIXTURE_KNOWLEDGE)


@pytest.fixture(scope="session")
def domain() -> Dict[str, Any]:
    """The fixture domain as the action server receives it, FAQ answers from the fixture
    data/faq included."""
    data = yaml.safe_load((FIXTURES / "domain.yml").read_text(encoding="utf-8"))
    for path in sorted(glob.glob(str(FIXTURES / "data" / "faq" / "*.yml"))):
        data["responses"].update(
            yaml.safe_load(Path(path).read_text(encoding="utf-8")).get("responses", {})
        )
    return data


@pytest.fixture(scope="session")
def extractor() -> KnowledgeBaseEntityExtractor:
    return KnowledgeBaseEntityExtractor({"knowledge_dir": str(FIXTURE_KNOWLEDGE)})


@pytest.fixture(scope="session")
def fixture_knowledge() -> LiveKnowledge:
    return LiveKnowledge(FIXTURE_KNOWLEDGE)


@pytest.fixture
def actions_kb(fixture_knowledge, monkeypatch) -> knowledge_base.KnowledgeBase:
    """The actions answer from the fixture knowledge base. The one place that knows how the
    actions reach the knowledge base (the live knowledge LIVE, shared by three modules)."""
    from actions import contact_actions, fallback_actions, safety_actions

    for module in (contact_actions, fallback_actions, safety_actions):
        monkeypatch.setattr(module, "LIVE", fixture_knowledge)
    return fixture_knowledge.current()


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()


@pytest.fixture
def make_tracker(extractor):
    """A tracker whose latest message is `text`, with the entities the NLU pipeline would add."""

    def make(
        text: str,
        intent: str = "ask_contact",
        slots: Optional[Dict[str, Any]] = None,
        extra: Optional[Dict[str, Any]] = None,
    ) -> Tracker:
        latest = {
            "text": text,
            "intent": {"name": intent, "confidence": 1.0},
            "entities": extractor.entities_in(text),
            **(extra or {}),
        }
        return Tracker(
            "test-user", dict(slots or {}), latest, [], False, None, None, "action_listen"
        )

    return make
