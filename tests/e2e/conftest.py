"""The running bot: real servers on free ports. The session `bot` is shared; a test that
stops a server, reloads the model or otherwise changes the bot starts its own (`own_bot`)."""

from __future__ import annotations

import pytest

from tests.support import chat_with, start_stack


@pytest.fixture(scope="session")
def bot(tmp_path_factory):
    """The action server, Rasa server and demo web page, as `make run` starts them."""
    stack = start_stack(tmp_path_factory.mktemp("logs"))
    yield stack
    stack.stop()


@pytest.fixture(scope="module")
def own_bot(tmp_path_factory):
    """A stack of this test module's own, for tests that stop its servers or change it."""
    stack = start_stack(tmp_path_factory.mktemp("own-bot"))
    yield stack
    stack.stop()


@pytest.fixture
def chat(bot):
    """Sends messages as one new user over the REST channel; returns the reply texts."""
    return chat_with(bot)
