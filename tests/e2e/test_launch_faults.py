"""Faults of `make run` found in issue 11, on the real stack as bot/launcher.py starts it:

- an API token that begins with "-" broke `rasa run` (`--auth-token` took it for an option),
  and the token stood on Rasa's command line, readable by every local user in `ps`;
- the Telegram front end polled at once while Rasa loaded its model (~25 s), so every update
  that had waited at Telegram got the "technical fault" apology.

One stack serves every test here: an API token beginning with "-", the Telegram front end
against the fake Bot API, which holds three messages before anything starts; Rasa and the
front end are started together (Stack.start), as `make run` does.
"""

from __future__ import annotations

import dataclasses
import os
import random
import secrets
from pathlib import Path
from typing import Dict, Iterator

import pytest
import requests

from bot.launcher import Stack
from bot.probes import free_port
from bot.settings import Settings
from bot.telegram.texts import load_texts
from tests.support import MODEL
from tests.support.telegram_fake_api import FakeBotApi

pytestmark = pytest.mark.model

API_TOKEN = "-" + secrets.token_urlsafe(24)  # begins with "-", as a generated one could have
WAIT = 120.0  # generous: the machine is shared
# The messages waiting at Telegram when everything starts, and a text each real answer holds.
WAITING_MESSAGES = {
    "Mikä on perhekeskus?": "perhekeskus",
    "Mikä on Perheneuvo?": "Perheneuvo on Etelä-Savon perhekeskustoiminnan palvelu",
    "mitä on eroauttaminen": "ero",
}


@dataclasses.dataclass
class Started:
    stack: Stack
    api: FakeBotApi
    chats: Dict[int, str]  # chat id -> the message it sent before the start


@pytest.fixture(scope="module")
def started(tmp_path_factory) -> Iterator[Started]:
    if not MODEL.exists():
        pytest.fail("no trained model: run 'make train' (make test does it)")
    api = FakeBotApi().start()
    chats = {random.randint(10**8, 10**9): text for text in WAITING_MESSAGES}
    for chat, text in chats.items():
        api.queue_message(chat, text)
    logs = tmp_path_factory.mktemp("launch-faults")
    web_port = free_port()
    settings = Settings(
        rasa_port=free_port(),
        actions_port=free_port(),
        model=MODEL,
        tracker_db=logs / "conversations.db",
        api_token=API_TOKEN,
        web_port=web_port,
        telegram_token=api.token,
        cors_origins=f"http://localhost:{web_port}",
    )
    stack = Stack(settings, logs)
    with pytest.MonkeyPatch.context() as patch:
        for name in [n for n in os.environ if n.startswith("TELEGRAM_")]:
            patch.delenv(name)
        patch.delenv("PERHENEUVO_API_TOKEN", raising=False)
        patch.setenv("TELEGRAM_API_BASE_URL", api.base_url)
        patch.setenv("PERHENEUVO_SENDER_KEY", "launch-fault-key")
        try:
            stack.start(timeout=300, web=False, telegram=True)
        except Exception:
            stack.stop()
            api.stop()
            for log in logs.glob("*.log"):
                print(f"--- {log.name}\n{log.read_text(errors='replace')[-3000:]}")
            raise
    yield Started(stack, api, chats)
    stack.stop()
    api.stop()


def command_lines() -> Dict[int, bytes]:
    """The command line of every process on the machine that can be read."""
    found = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                found[int(entry)] = Path(f"/proc/{entry}/cmdline").read_bytes()
            except OSError:
                continue  # ended meanwhile
    return found


def test_updates_that_waited_during_the_start_get_real_answers(started):
    texts = load_texts()
    for chat, message in started.chats.items():
        [answer] = started.api.wait_for("sendMessage", chat, timeout=WAIT, settle=1.0)
        assert answer["text"] != texts.unavailable, f"{message!r} got the apology"
        assert WAITING_MESSAGES[message].lower() in answer["text"].lower(), answer["text"]


def test_rasa_answers_and_its_api_takes_the_token_beginning_with_a_dash(started):
    url = started.stack.rasa_url
    reply = requests.post(
        f"{url}/webhooks/rest/webhook",
        json={"sender": "dash-token", "message": "Mikä on perhekeskus?"},
        timeout=60,
    )
    assert reply.status_code == 200 and "perhekeskus" in reply.text.lower()
    assert requests.get(f"{url}/status", params={"token": API_TOKEN}, timeout=30).status_code == 200
    for wrong in (API_TOKEN[1:], "-", "wrong", API_TOKEN + "x"):
        assert (
            requests.get(f"{url}/status", params={"token": wrong}, timeout=30).status_code == 401
        ), wrong
    assert requests.get(f"{url}/status", timeout=30).status_code == 401


def test_no_process_has_the_token_on_its_command_line(started):
    processes = started.stack.processes
    assert {"actions", "rasa", "telegram"} <= set(processes)
    lines = command_lines()
    assert {process.pid for process in processes.values()} <= set(lines)
    for pid, command_line in lines.items():  # the spawned ones and every process under them
        assert API_TOKEN.encode() not in command_line, (pid, command_line[:200])
    rasa = lines[processes["rasa"].pid]
    assert b"--enable-api" in rasa and b"--auth-token" not in rasa
