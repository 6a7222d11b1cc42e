"""End-to-end tests of the Telegram front end: the real `python -m bot.telegram` process talks
real HTTP to a fake Telegram Bot API on loopback (tests/support/telegram_fake_api.py), and, in
the tests marked `model`, to the real Rasa server with the trained model (the session `bot`
fixture).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import random
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest
import requests

from bot.launcher import stop_process
from bot.telegram.identity import sender_id
from bot.telegram.texts import load_texts
from tests.support import ROOT, free_port
from tests.support.telegram_fake_api import FakeBotApi, StartupOnlyRasa

TEXTS = load_texts()
SENDER_KEY = "e2e-sender-key"
PERHENEUVO_ANSWER = "Perheneuvo on Etelä-Savon perhekeskustoiminnan palvelu"
# A vague message that the model answers with the rephrase fallback and topic buttons.
VAGUE_MESSAGE = "lapsi"
WAIT = 90.0  # generous: the machine is shared and Rasa may be busy


@dataclasses.dataclass
class FrontEnd:
    api: FakeBotApi
    process: subprocess.Popen
    log: Path

    def sender(self, chat_id: int) -> str:
        return sender_id(SENDER_KEY.encode(), chat_id)

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


def _new_chat() -> int:
    return random.randint(10**8, 10**9)


@contextlib.contextmanager
def front_end(log: Path, rasa_url: str, ready: str = "polling", **env: str) -> Iterator[FrontEnd]:
    """`python -m bot.telegram` against a new fake Bot API, as the launcher starts it."""
    api = FakeBotApi().start()
    environment = {k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM_")}
    environment.update(
        TELEGRAM_BOT_TOKEN=api.token,
        TELEGRAM_API_BASE_URL=api.base_url,
        PERHENEUVO_RASA_URL=rasa_url,
        PERHENEUVO_SENDER_KEY=SENDER_KEY,
        **env,
    )
    with open(log, "ab") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.telegram"],
            cwd=ROOT,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    running = FrontEnd(api, process, log)
    try:
        deadline = time.monotonic() + WAIT
        while not (api.polls if ready == "polling" else api.calls_of("setWebhook")):
            assert process.poll() is None, f"front end exited: {running.log_text()[-3000:]}"
            assert time.monotonic() < deadline, f"front end not ready: {running.log_text()}"
            time.sleep(0.1)
        yield running
    finally:
        stop_process(process)
        api.stop()


@pytest.fixture(scope="module")
def telegram(bot, tmp_path_factory) -> Iterator[FrontEnd]:
    """The front end relaying to the real Rasa server (the session `bot` fixture)."""
    log = tmp_path_factory.mktemp("telegram") / "telegram.log"
    with front_end(log, bot.rasa_url) as running:
        yield running


@pytest.fixture(scope="module")
def telegram_without_rasa(tmp_path_factory) -> Iterator[FrontEnd]:
    """The front end with Rasa unreachable: it answered the start-up probe, then went away."""
    log = tmp_path_factory.mktemp("telegram-no-rasa") / "telegram.log"
    rasa = StartupOnlyRasa().start()
    with front_end(log, rasa.url) as running:
        rasa.stop()
        yield running


def rest_answers(rasa_url: str, messages: List[str]) -> List[List[str]]:
    """What the REST channel answers to `messages` as a new user: the reference."""
    sender = f"reference-{random.randint(0, 10**9)}"
    answers = []
    for message in messages:
        reply = requests.post(
            f"{rasa_url}/webhooks/rest/webhook",
            json={"sender": sender, "message": message},
            timeout=60,
        )
        answers.append([item["text"] for item in reply.json() if item.get("text")])
    return answers


def tracker(bot, sender: str, include: str = "AFTER_RESTART") -> Dict[str, Any]:
    reply = requests.get(
        f"{bot.rasa_url}/conversations/{sender}/tracker",
        params={"include_events": include, "token": bot.settings.api_token},
        timeout=30,
    )
    assert reply.status_code == 200, reply.text
    return reply.json()


def user_texts(events: List[Dict[str, Any]]) -> List[str]:
    return [event.get("text") for event in events if event.get("event") == "user"]


# -- with the real Rasa server and the trained model -------------------------------------------


@pytest.mark.model
def test_question_gets_the_perheneuvo_answer(telegram):
    chat = _new_chat()
    telegram.api.queue_message(chat, "Mikä on Perheneuvo?")
    [answer] = telegram.api.wait_for("sendMessage", chat, timeout=WAIT, settle=1.0)
    assert PERHENEUVO_ANSWER in answer["text"]
    assert "parse_mode" not in answer
    typing = telegram.api.calls_of("sendChatAction", chat)
    assert typing and typing[0]["action"] == "typing"
    assert telegram.api.calls.index(typing[0]) < telegram.api.calls.index(answer)


@pytest.mark.model
def test_several_replies_arrive_in_order(telegram, bot):
    chat = _new_chat()
    messages = ["keneen voin ottaa yhteyttä", "Mikkeli"]
    expected = rest_answers(bot.rasa_url, messages)
    assert len(expected[1]) >= 2, "the reference conversation should answer in several parts"
    for message in messages:
        telegram.api.queue_message(chat, message)
    count = sum(len(answers) for answers in expected)
    sent = telegram.api.wait_for("sendMessage", chat, count=count, timeout=WAIT, settle=1.0)
    assert [call["text"] for call in sent] == [text for answers in expected for text in answers]


@pytest.mark.model
def test_a_pressed_button_gets_its_answer(telegram, bot):
    chat = _new_chat()
    telegram.api.queue_message(chat, VAGUE_MESSAGE)
    [offer] = telegram.api.wait_for("sendMessage", chat, timeout=WAIT)
    keyboard = offer["reply_markup"]["inline_keyboard"]
    button = keyboard[0][0]
    assert len(button["callback_data"].encode()) <= 64

    telegram.api.queue_callback(chat, button["callback_data"], offer.result)
    sent = telegram.api.wait_for("sendMessage", chat, count=2, timeout=WAIT, settle=1.0)
    [[expected]] = rest_answers(bot.rasa_url, [button["text"]])  # the payload is the title
    assert sent[1]["text"] == expected
    assert not expected.startswith("En ole varma")  # a real answer, not the fallback again
    assert telegram.api.calls_of("answerCallbackQuery")
    [edited] = telegram.api.calls_of("editMessageText", chat)
    assert edited["message_id"] == offer.result["message_id"]
    assert "reply_markup" not in edited  # the keyboard is gone
    assert button["text"] in edited["text"]  # and the choice is marked


@pytest.mark.model
def test_poista_starts_a_fresh_conversation(telegram, bot):
    chat = _new_chat()
    sender = telegram.sender(chat)
    telegram.api.queue_message(chat, "keneen voin ottaa yhteyttä")
    telegram.api.wait_for("sendMessage", chat, timeout=WAIT)
    assert user_texts(tracker(bot, sender)["events"]) == ["keneen voin ottaa yhteyttä"]

    telegram.api.queue_message(chat, "/poista")
    sent = telegram.api.wait_for("sendMessage", chat, count=2, timeout=WAIT)
    assert sent[1]["text"] == TEXTS.forgotten
    assert user_texts(tracker(bot, sender)["events"]) == []  # nothing before the reset counts

    telegram.api.queue_message(chat, "Mikä on Perheneuvo?")
    sent = telegram.api.wait_for("sendMessage", chat, count=3, timeout=WAIT)
    assert PERHENEUVO_ANSWER in sent[2]["text"]
    fresh = tracker(bot, sender)
    assert user_texts(fresh["events"]) == ["Mikä on Perheneuvo?"]
    assert fresh["sender_id"] == sender and str(chat) not in json.dumps(fresh)


@pytest.mark.model
def test_logs_hold_no_message_text(telegram):
    chat = _new_chat()
    telegram.api.queue_message(chat, "Salainen huoli perheestämme")
    telegram.api.wait_for("sendMessage", chat, timeout=WAIT)
    log = telegram.log_text()
    assert "Telegram front end: long polling" in log
    for private in (
        "Salainen huoli",
        "Mikä on Perheneuvo",
        "Mikkeli",
        str(chat),
        telegram.api.token,
    ):
        assert private not in log


# -- the fake Bot API only (no model needed) ---------------------------------------------------


def test_a_photo_gets_the_text_only_reply(telegram_without_rasa):
    api = telegram_without_rasa.api
    chat = _new_chat()
    api.queue_message(
        chat,
        photo=[
            {
                "file_id": "AgAD",
                "file_unique_id": "AQAD",
                "width": 800,
                "height": 600,
                "file_size": 51234,
            }
        ],
    )
    api.queue_message(
        chat,
        sticker={
            "file_id": "CAAC",
            "file_unique_id": "AgAD",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "type": "regular",
        },
    )
    sent = api.wait_for("sendMessage", chat, count=2, timeout=WAIT, settle=0.5)
    assert [call["text"] for call in sent] == [TEXTS.text_only, TEXTS.text_only]


def test_unreachable_rasa_gives_the_apology_with_112(telegram_without_rasa):
    api = telegram_without_rasa.api
    chat = _new_chat()
    api.queue_message(chat, "Tarvitsen apua heti")
    [apology] = api.wait_for("sendMessage", chat, timeout=WAIT, settle=0.5)
    assert apology["text"] == TEXTS.unavailable and "112" in apology["text"]
    deadline = time.monotonic() + 10
    while telegram_without_rasa.sender(chat) not in telegram_without_rasa.log_text():
        assert time.monotonic() < deadline, telegram_without_rasa.log_text()
        time.sleep(0.1)
    log = telegram_without_rasa.log_text()
    assert "ERROR" in log and "ConnectError" in log
    assert "Tarvitsen apua" not in log and str(chat) not in log


def test_start_command_and_the_base_url_with_the_token(telegram_without_rasa):
    api = telegram_without_rasa.api
    chat = _new_chat()
    api.queue_message(chat, "/start")
    [greeting] = api.wait_for("sendMessage", chat, timeout=WAIT)
    assert greeting["text"] == TEXTS.start
    assert api.calls_of("getMe")  # reached as <TELEGRAM_API_BASE_URL><token>/getMe


def test_webhook_mode_accepts_only_posts_with_the_secret(tmp_path):
    port, secret = free_port(), "webhook_secret-123"
    url = f"http://127.0.0.1:{port}/telegram-hook"
    rasa = StartupOnlyRasa().start()
    with front_end(
        tmp_path / "telegram.log",
        rasa.url,
        ready="webhook",
        TELEGRAM_WEBHOOK_URL=url,
        TELEGRAM_WEBHOOK_SECRET=secret,
        TELEGRAM_WEBHOOK_PORT=str(port),
    ) as running:
        rasa.stop()
        [registered] = running.api.calls_of("setWebhook")
        assert registered["url"] == url and registered["secret_token"] == secret
        chat = _new_chat()
        update = json.dumps({"update_id": 1, "message": running.api.message(chat, "/start")})

        def post(headers: Dict[str, str]) -> int:
            request = urllib.request.Request(
                url,
                data=update.encode(),
                method="POST",
                headers={"Content-Type": "application/json", **headers},
            )
            for _ in range(100):  # the server may still be starting
                try:
                    with urllib.request.urlopen(request, timeout=10) as reply:
                        return reply.status
                except urllib.error.HTTPError as error:
                    return error.code
                except urllib.error.URLError:
                    time.sleep(0.1)
            raise AssertionError("the webhook server did not answer")

        assert post({}) == 403
        assert post({"X-Telegram-Bot-Api-Secret-Token": "wrong"}) == 403
        time.sleep(1)
        assert running.api.calls_of("sendMessage") == []  # refused updates were not handled
        assert post({"X-Telegram-Bot-Api-Secret-Token": secret}) == 200
        [greeting] = running.api.wait_for("sendMessage", chat, timeout=WAIT)
        assert greeting["text"] == TEXTS.start


def test_webhook_mode_without_a_secret_does_not_start():
    environment = {k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM_")}
    environment.update(
        TELEGRAM_BOT_TOKEN="1:abc",
        PERHENEUVO_SENDER_KEY=SENDER_KEY,
        TELEGRAM_WEBHOOK_URL="https://perheneuvo.example.fi/telegram",
    )
    result = subprocess.run(
        [sys.executable, "-m", "bot.telegram"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2 and "TELEGRAM_WEBHOOK_SECRET" in result.stderr
