"""The trained model in this process (marked `model` by tests/conftest.py)."""

from __future__ import annotations

import asyncio
from typing import Any, Dict

import pytest

from tests.support import MODEL


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
