"""Shared fixtures: knowledge base, domain, trackers, the trained agent and the running bot."""
from __future__ import annotations

import asyncio
import glob
import os
import uuid
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

import knowledge_base
from components.knowledge_entities import KnowledgeBaseEntityExtractor

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "models" / "perheneuvo.tar.gz"


@pytest.fixture(scope="session")
def kb() -> knowledge_base.KnowledgeBase:
    return knowledge_base.load()


@pytest.fixture(scope="session")
def domain() -> Dict[str, Any]:
    """The domain as the action server receives it, FAQ answers from data/faq included."""
    data = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    for path in glob.glob(str(ROOT / "data" / "faq" / "*.yml")):
        data["responses"].update(yaml.safe_load(open(path, encoding="utf-8")).get("responses", {}))
    return data


@pytest.fixture(scope="session")
def extractor() -> KnowledgeBaseEntityExtractor:
    return KnowledgeBaseEntityExtractor({"knowledge_dir": None})


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()


@pytest.fixture
def make_tracker(extractor):
    """A tracker whose latest message is `text`, with the entities the NLU pipeline would add."""

    def make(text: str, intent: str = "ask_contact", slots: Optional[Dict[str, Any]] = None,
             extra: Optional[Dict[str, Any]] = None) -> Tracker:
        latest = {"text": text, "intent": {"name": intent, "confidence": 1.0},
                  "entities": extractor.entities_in(text), **(extra or {})}
        return Tracker("test-user", dict(slots or {}), latest, [], False, None, None, "action_listen")

    return make


def texts(dispatcher: CollectingDispatcher) -> List[str]:
    """What the action said, with domain responses named as `response:<name>`."""
    return [m.get("text") or f"response:{m.get('response')}" for m in dispatcher.messages]


# -- the trained model and the running bot (marked `model`) -----------------------------------


@pytest.fixture(scope="session")
def agent():
    if not MODEL.exists():
        pytest.fail("no trained model: run 'make train' (make test does it)")
    from rasa.core.agent import load_agent

    return asyncio.run(load_agent(model_path=str(MODEL)))


@pytest.fixture(scope="session")
def parse(agent):
    loop = asyncio.new_event_loop()

    def run(text: str) -> Dict[str, Any]:
        return loop.run_until_complete(agent.parse_message(text))

    yield run
    loop.close()


@pytest.fixture(scope="session")
def bot(tmp_path_factory):
    """The real action server, Rasa server and demo web page on free ports, as `make run`
    starts them."""
    from bot.launcher import Stack
    from bot.probes import free_port
    from bot.settings import Settings

    if not MODEL.exists():
        pytest.fail("no trained model: run 'make train' (make test does it)")
    logs = tmp_path_factory.mktemp("logs")
    web_port = free_port()
    settings = Settings(rasa_port=free_port(), actions_port=free_port(), model=MODEL,
                        tracker_db=logs / "conversations.db", api_token=uuid.uuid4().hex,
                        web_port=web_port,
                        cors_origins=f"http://localhost:{web_port} http://127.0.0.1:{web_port}")
    stack = Stack(settings, logs)
    try:
        stack.start(timeout=240, web=True, telegram=False)
    except Exception:
        stack.stop()
        for log in logs.glob("*.log"):
            print(log.read_text(errors="replace")[-3000:])
        raise
    yield stack
    stack.stop()


@pytest.fixture
def chat(bot):
    """Sends messages as one new user over the REST channel; returns the reply texts."""
    import requests

    sender = f"test-{uuid.uuid4().hex[:12]}"

    def send(message: Any, raw: bool = False, timeout: float = 30):
        body = message if raw else {"sender": sender, "message": message}
        reply = requests.post(f"{bot.rasa_url}/webhooks/rest/webhook", json=body, timeout=timeout)
        if raw:
            return reply
        assert reply.status_code == 200, reply.text
        return reply.json()

    send.sender = sender
    return send
