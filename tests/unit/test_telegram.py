"""Unit tests of the Telegram front end (bot/telegram), without network.

The Bot API is an offline request class that answers like Telegram and records every call
(any other method fails the test); Rasa is an httpx.MockTransport. Handlers are exercised with
`await application.process_update(update)` on built updates.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import stat
import subprocess
import sys
import time
from typing import Any, Callable, Dict, List, Optional

import httpx
import pytest
from telegram import Update
from telegram.ext import Application

from bot.telegram.app import build_application
from bot.telegram.buttons import ButtonStore
from bot.telegram.config import ConfigError, TelegramSettings
from bot.telegram.formatting import MAX_MESSAGE_LENGTH, split_message, utf16_length
from bot.telegram.handlers import ALLOWED_UPDATES
from bot.telegram.identity import sender_id
from bot.telegram.logs import configure_logging
from bot.telegram.rasa_client import Button, RasaClient, RasaUnavailable, parse_replies
from bot.telegram.texts import load_texts
from bot.telegram.throttle import ChatThrottle, Verdict
from tests.support import ROOT
from tests.support.telegram_fake_api import BOT_USER, BotApiAnswers, OfflineBotApi

TOKEN = "123456:unit-test-token"
KEY = b"unit-test-key"
TEXTS = load_texts()
UPDATES = BotApiAnswers()  # builds the updates a user sends


# -- fake Rasa (the offline Bot API is tests.support.telegram_fake_api.OfflineBotApi) -----------


class FakeRasa:
    """Rasa's REST channel as an httpx transport: `answer(message)` gives the reply list."""

    def __init__(
        self,
        answer: Optional[Callable[[str], Any]] = None,
        delay: "float | Callable[[str], float]" = 0.0,
        status: int = 200,
        error: Optional[Exception] = None,
    ):
        self.answer = answer or (lambda message: [{"text": f"Vastaus: {message}"}])
        self.delay = delay
        self.status = status
        self.error = error
        self.requests: List[Dict[str, Any]] = []
        self.raw_bodies: List[bytes] = []

    async def handle(self, request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/webhooks/rest/webhook"
        self.raw_bodies.append(request.content)
        body = json.loads(request.content)
        self.requests.append(body)
        delay = self.delay(body["message"]) if callable(self.delay) else self.delay
        if delay:
            await asyncio.sleep(delay)
        if self.error:
            raise self.error
        reply = self.answer(body["message"])
        return httpx.Response(self.status, json=reply)

    def messages(self) -> List[str]:
        return [body["message"] for body in self.requests]


def settings(**overrides: Any) -> TelegramSettings:
    values: Dict[str, Any] = dict(
        token=TOKEN, sender_key=KEY, rasa_url="http://rasa.test:5005", typing_interval=4.0
    )
    values.update(overrides)
    return TelegramSettings(**values)


class Harness:
    def __init__(self, application: Application, api: OfflineBotApi, rasa: FakeRasa):
        self.application = application
        self.api = api
        self.rasa = rasa

    async def send(self, update: Dict[str, Any]) -> None:
        await self.application.process_update(Update.de_json(update, self.application.bot))

    async def text(self, chat_id: int, text: str) -> None:
        await self.send(message_update(chat_id, text))


@pytest.fixture
async def harness_factory():
    made: List[Application] = []

    async def make(rasa: Optional[FakeRasa] = None, **overrides: Any) -> Harness:
        api, rasa = OfflineBotApi(TOKEN), rasa or FakeRasa()
        application = build_application(
            settings(**overrides),
            request=api,
            rasa_transport=httpx.MockTransport(rasa.handle),
            rasa_ready=lambda url: True,
        )
        await application.initialize()
        await application.post_init(application)
        made.append(application)
        api.calls.clear()  # getMe
        return Harness(application, api, rasa)

    yield make
    for application in made:
        await application.post_shutdown(application)
        await application.shutdown()


@pytest.fixture
async def harness(harness_factory) -> Harness:
    return await harness_factory()


def message_update(
    chat_id: int, text: Optional[str] = None, edited: bool = False, **content: Any
) -> Dict[str, Any]:
    return UPDATES.message_update(chat_id, text, edited, **content)


def callback_update(chat_id: int, data: str, message: Dict[str, Any]) -> Dict[str, Any]:
    return UPDATES.callback_update(chat_id, data, message)


def sent_message(api: OfflineBotApi, index: int = -1) -> Dict[str, Any]:
    """A sent message as Telegram would show it in a callback query."""
    params = api.of("sendMessage")[index]
    return {
        "message_id": 555,
        "date": int(time.time()),
        "from": BOT_USER,
        "chat": {"id": params["chat_id"], "type": "private"},
        "text": params["text"],
        "reply_markup": params.get("reply_markup"),
    }


# -- settings, identity, texts -----------------------------------------------------------------


def test_sender_id_is_a_keyed_hash_of_the_chat_id():
    first = sender_id(KEY, 123456789)
    assert first == sender_id(KEY, 123456789)
    assert first.startswith("tg-") and len(first) == 3 + 32
    assert "123456789" not in first
    assert first != sender_id(KEY, 123456788)
    assert first != sender_id(b"another key", 123456789)


def test_missing_token_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="TELEGRAM_BOT_TOKEN"):
        TelegramSettings.from_env({}, tmp_path / "key")
    with pytest.raises(ConfigError, match="TELEGRAM_BOT_TOKEN"):
        TelegramSettings.from_env({"TELEGRAM_BOT_TOKEN": "  "}, tmp_path / "key")


def test_defaults_are_long_polling_against_telegram(tmp_path):
    loaded = TelegramSettings.from_env(
        {"TELEGRAM_BOT_TOKEN": "1:abc", "PERHENEUVO_SENDER_KEY": "k"}, tmp_path / "key"
    )
    assert loaded.webhook is None
    assert loaded.api_base_url == "https://api.telegram.org/bot"
    assert loaded.rasa_url == "http://127.0.0.1:5005"
    assert loaded.rasa_timeout == 10.0
    assert (loaded.throttle_messages, loaded.throttle_seconds) == (5, 10.0)
    assert loaded.sender_key == b"k"


def test_sender_key_is_made_once_and_kept_private(tmp_path):
    path = tmp_path / "var" / "telegram-sender-key"
    env = {"TELEGRAM_BOT_TOKEN": "1:abc"}
    first = TelegramSettings.from_env(env, path).sender_key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first) >= 32
    assert TelegramSettings.from_env(env, path).sender_key == first


def test_webhook_mode_requires_a_secret(tmp_path):
    env = {
        "TELEGRAM_BOT_TOKEN": "1:abc",
        "PERHENEUVO_SENDER_KEY": "k",
        "TELEGRAM_WEBHOOK_URL": "https://perheneuvo.example.fi/telegram/hook",
    }
    with pytest.raises(ConfigError, match="TELEGRAM_WEBHOOK_SECRET"):
        TelegramSettings.from_env(env, tmp_path / "key")
    with pytest.raises(ConfigError, match="TELEGRAM_WEBHOOK_SECRET"):
        TelegramSettings.from_env(
            {**env, "TELEGRAM_WEBHOOK_SECRET": "not allowed!"}, tmp_path / "key"
        )
    webhook = TelegramSettings.from_env(
        {**env, "TELEGRAM_WEBHOOK_SECRET": "s3cr3t_-X", "TELEGRAM_WEBHOOK_PORT": "8444"},
        tmp_path / "key",
    ).webhook
    assert webhook.secret == "s3cr3t_-X"
    assert (webhook.listen, webhook.port, webhook.path) == ("127.0.0.1", 8444, "telegram/hook")


@pytest.mark.parametrize(
    "name,value",
    [
        ("TELEGRAM_RASA_TIMEOUT", "soon"),
        ("TELEGRAM_THROTTLE_MESSAGES", "0"),
        ("TELEGRAM_API_BASE_URL", "api.telegram.org/bot"),
    ],
)
def test_malformed_settings_name_the_variable(tmp_path, name, value):
    with pytest.raises(ConfigError, match=name):
        TelegramSettings.from_env(
            {"TELEGRAM_BOT_TOKEN": "1:abc", "PERHENEUVO_SENDER_KEY": "k", name: value},
            tmp_path / "key",
        )


def test_running_without_token_exits_with_a_clear_error():
    env = {k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM_")}
    result = subprocess.run(
        [sys.executable, "-m", "bot.telegram"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert "TELEGRAM_BOT_TOKEN" in result.stderr


def test_texts_are_complete_and_honest():
    assert "112" in TEXTS.unavailable and "112" in TEXTS.start and "112" in TEXTS.throttled
    greeting, privacy_notice = TEXTS.start.split("\n\n")  # greeting + one privacy paragraph
    assert "/poista" in privacy_notice and "30 päivää" in privacy_notice
    assert "30 päivää" in TEXTS.privacy and "/poista" in TEXTS.privacy
    for command in ("/apua", "/tietosuoja", "/poista"):
        assert command in TEXTS.help
    assert "{choice}" in TEXTS.chosen


def test_logging_hides_tokens_and_update_contents():
    configure_logging("DEBUG")
    try:
        assert logging.getLogger("httpx").level == logging.WARNING
        assert logging.getLogger("telegram").getEffectiveLevel() >= logging.INFO
    finally:
        logging.getLogger().setLevel(logging.WARNING)


# -- formatting, buttons, throttle -------------------------------------------------------------


def test_short_text_is_one_message_as_is():
    assert split_message("Hei <b>*sinä*</b> [x](y)") == ["Hei <b>*sinä*</b> [x](y)"]
    assert split_message("   ") == []


def test_long_text_splits_on_paragraphs_in_order():
    paragraphs = [f"Kappale {n}. " + "sana " * 300 for n in range(12)]
    text = "\n\n".join(p.strip() for p in paragraphs)
    parts = split_message(text)
    assert len(parts) > 1
    assert all(utf16_length(part) <= MAX_MESSAGE_LENGTH for part in parts)
    assert all(part.startswith("Kappale") for part in parts)  # cut between paragraphs
    assert " ".join(" ".join(parts).split()) == " ".join(text.split())


def test_long_paragraph_splits_on_sentences_then_words():
    sentences = " ".join(f"Lause numero {n} on tässä." for n in range(400))
    parts = split_message(sentences, limit=500)
    assert all(len(part) <= 500 and part.endswith(".") for part in parts)
    assert " ".join(parts) == sentences
    word = "a" * 1200
    assert split_message(word, limit=500) == ["a" * 500, "a" * 500, "a" * 200]


def test_emoji_count_as_telegram_counts_them():
    text = "😀" * 3000  # 6,000 UTF-16 units
    parts = split_message(text)
    assert [utf16_length(p) for p in parts] == [4096, 1904]
    assert "".join(parts) == text


def test_buttons_carry_short_tokens_and_remember_long_payloads():
    store = ButtonStore()
    payload = "Mitä apua eroperheille on Etelä-Savossa ja Pohjois-Savossa, kun lapsia on kolme?"
    assert len(payload.encode()) > 64
    keyboard = store.keyboard(1, [Button("Eroperheet", payload), Button("B", "b")])
    tokens = [row[0].callback_data for row in keyboard.inline_keyboard]
    assert all(len(token.encode()) <= 64 for token in tokens) and len(set(tokens)) == 2
    assert store.lookup(1, tokens[0]).payload == payload
    assert store.lookup(2, tokens[0]) is None  # another chat cannot use it
    assert store.lookup(1, "unknown") is None
    store.forget_chat(1)
    assert store.lookup(1, tokens[0]) is None


def test_button_store_is_bounded_least_recently_used_first():
    store = ButtonStore(per_chat=3, chats=2)
    tokens = [store.remember(1, Button(str(n), str(n))) for n in range(4)]
    assert store.lookup(1, tokens[0]) is None and store.lookup(1, tokens[3]).payload == "3"
    other = store.remember(2, Button("x", "x"))
    store.lookup(1, tokens[3])  # chat 1 used most recently
    store.remember(3, Button("y", "y"))  # pushes out chat 2
    assert store.lookup(2, other) is None and store.lookup(1, tokens[3]) is not None


def test_throttle_notifies_once_then_drops_until_the_chat_calms_down():
    now = [0.0]
    throttle = ChatThrottle(capacity=5, period=10.0, clock=lambda: now[0])
    assert [throttle.check(1) for _ in range(5)] == [Verdict.ALLOW] * 5
    assert throttle.check(1) is Verdict.NOTIFY
    assert throttle.check(1) is Verdict.DROP
    assert throttle.check(2) is Verdict.ALLOW  # other chats are not affected
    now[0] = 2.0  # one message's worth refilled
    assert throttle.check(1) is Verdict.ALLOW
    assert throttle.check(1) is Verdict.DROP  # same flood: no second notice
    now[0] = 12.0  # calm again: full bucket
    assert [throttle.check(1) for _ in range(5)] == [Verdict.ALLOW] * 5
    assert throttle.check(1) is Verdict.NOTIFY


# -- Rasa client -------------------------------------------------------------------------------


def test_rasa_replies_are_parsed_with_buttons_and_images():
    replies = parse_replies(
        [
            {"recipient_id": "x", "text": "Hei", "buttons": [{"title": "A", "payload": "a?"}]},
            {"image": "https://example.fi/kuva.png"},
            {"custom": {}},
        ]
    )
    assert [(r.text, r.buttons) for r in replies] == [
        ("Hei", (Button("A", "a?"),)),
        ("https://example.fi/kuva.png", ()),
    ]
    with pytest.raises(RasaUnavailable):
        parse_replies({"error": "x"})


@pytest.mark.parametrize(
    "rasa",
    [
        FakeRasa(status=500),
        FakeRasa(answer=lambda m: "not a list"),
        FakeRasa(error=httpx.ConnectError("refused")),
    ],
)
async def test_rasa_failures_become_rasa_unavailable(rasa):
    client = RasaClient("http://rasa.test", 1.0, httpx.MockTransport(rasa.handle))
    try:
        with pytest.raises(RasaUnavailable) as raised:
            await client.send("tg-x", "salainen viesti")
        assert "salainen" not in str(raised.value)
    finally:
        await client.close()


async def test_rasa_call_has_a_total_time_limit():
    client = RasaClient("http://rasa.test", 0.2, httpx.MockTransport(FakeRasa(delay=5).handle))
    started = time.monotonic()
    try:
        with pytest.raises(RasaUnavailable, match="no answer within 0.2 s"):
            await client.send("tg-x", "hei")
    finally:
        await client.close()
    assert time.monotonic() - started < 2


# -- handlers ----------------------------------------------------------------------------------


async def test_text_is_relayed_under_a_pseudonym_and_replies_come_back_in_order(harness):
    chat_id = 987654321
    harness.rasa.answer = lambda message: [
        {"text": "Ensimmäinen."},
        {"text": "Toinen."},
        {"text": "Kolmas."},
    ]
    await harness.text(chat_id, "Mikä on Perheneuvo?")
    [request] = harness.rasa.requests
    # the update's id goes along, so that an update delivered twice is answered once
    assert request == {
        "sender": sender_id(KEY, chat_id),
        "message": "Mikä on Perheneuvo?",
        "message_id": request["message_id"],
    }
    assert re.fullmatch(r"tg-\d+", request["message_id"])
    assert str(chat_id) not in harness.rasa.raw_bodies[0].decode()
    assert harness.api.sent_texts() == ["Ensimmäinen.", "Toinen.", "Kolmas."]
    assert all(params["chat_id"] == chat_id for params in harness.api.of("sendMessage"))
    methods = [method for method, _ in harness.api.calls]
    assert methods[0] == "sendChatAction"  # typing before the answer
    assert harness.api.of("sendChatAction")[0]["action"] == "typing"


async def test_markup_in_answers_is_sent_as_plain_text(harness):
    answer = "<b>Lihava</b> *tähti* _alaviiva_ [linkki](javascript:alert(1)) & 040 123 4567"
    harness.rasa.answer = lambda message: [{"text": answer}]
    await harness.text(1, "kerro")
    sent = harness.api.of("sendMessage")[0]
    assert sent["text"] == answer
    assert "parse_mode" not in sent and "entities" not in sent


async def test_a_long_answer_is_split_in_order(harness):
    long = "\n\n".join(f"Osa {n}: " + "tietoa " * 200 for n in range(8))
    harness.rasa.answer = lambda message: [{"text": long}, {"text": "Loppu."}]
    await harness.text(1, "kerro kaikki")
    texts = harness.api.sent_texts()
    assert len(texts) >= 3 and texts[-1] == "Loppu."
    assert all(len(text) <= 4096 for text in texts)
    assert [int(t.split(":")[0].split()[1]) for t in texts[:-1] if t.startswith("Osa")] == sorted(
        int(t.split(":")[0].split()[1]) for t in texts[:-1] if t.startswith("Osa")
    )
    assert " ".join(" ".join(texts[:-1]).split()) == " ".join(long.split())


async def test_buttons_become_a_keyboard_and_a_press_sends_the_full_payload(harness):
    payload = "Mitä apua eroperheille on Etelä-Savossa, kun vanhemmat asuvat eri kunnissa?"
    assert len(payload.encode()) > 64

    def answer(message: str) -> List[Dict[str, Any]]:
        if message == payload:
            return [{"text": "Eroperheiden apu on tässä."}]
        return [
            {
                "text": "Tarkoititko jotakin näistä?",
                "buttons": [
                    {"title": "Eroperheiden apu", "payload": payload},
                    {"title": "Mikä on LAPE?", "payload": "Mikä on LAPE?"},
                ],
            }
        ]

    harness.rasa.answer = answer
    await harness.text(5, "apua")
    keyboard = harness.api.of("sendMessage")[0]["reply_markup"]["inline_keyboard"]
    assert [row[0]["text"] for row in keyboard[:-1]] == ["Eroperheiden apu", "Mikä on LAPE?"]
    assert [button["text"] for button in keyboard[-1]] == [TEXTS.helpful, TEXTS.not_helpful]
    data = keyboard[0][0]["callback_data"]
    assert len(data.encode()) <= 64 and payload not in data

    await harness.send(callback_update(5, data, sent_message(harness.api)))
    assert harness.rasa.messages()[-1] == payload
    assert harness.api.sent_texts()[-1] == "Eroperheiden apu on tässä."
    assert len(harness.api.of("answerCallbackQuery")) == 1
    edited = harness.api.of("editMessageText")[0]
    assert "reply_markup" not in edited  # keyboard removed
    assert edited["text"].startswith("Tarkoititko jotakin näistä?")
    assert edited["text"].endswith(TEXTS.chosen.format(choice="Eroperheiden apu"))


async def test_an_unknown_or_foreign_button_asks_to_type(harness):
    harness.rasa.answer = lambda m: [
        {"text": "Valitse", "buttons": [{"title": "A", "payload": "a"}]}
    ]
    await harness.text(5, "apua")
    token = harness.api.of("sendMessage")[0]["reply_markup"]["inline_keyboard"][0][0][
        "callback_data"
    ]
    await harness.send(callback_update(5, "expired-token", sent_message(harness.api)))
    elsewhere = {**sent_message(harness.api, 0), "chat": {"id": 6, "type": "private"}}
    await harness.send(callback_update(6, token, elsewhere))  # the token, but in another chat
    assert harness.rasa.messages() == ["apua"]
    assert harness.api.sent_texts()[-2:] == [TEXTS.button_expired, TEXTS.button_expired]
    assert len(harness.api.of("answerCallbackQuery")) == 2
    assert len(harness.api.of("editMessageReplyMarkup")) == 2  # stale keyboards removed


@pytest.mark.parametrize(
    "command,text",
    [
        ("/start", TEXTS.start),
        ("/apua", TEXTS.help),
        ("/help", TEXTS.help),
        ("/tietosuoja", TEXTS.privacy),
        ("/tuntematon", TEXTS.unknown_command),
    ],
)
async def test_commands_answer_from_the_texts_without_rasa(harness, command, text):
    await harness.text(3, command)
    assert harness.api.sent_texts() == [text]
    assert harness.rasa.requests == []


async def test_poista_resets_the_conversation_in_rasa(harness):
    harness.rasa.answer = lambda m: (
        []
        if m == "/restart"
        else [{"text": "Valitse", "buttons": [{"title": "A", "payload": "a"}]}]
    )
    await harness.text(8, "hei")
    token = harness.api.of("sendMessage")[0]["reply_markup"]["inline_keyboard"][0][0][
        "callback_data"
    ]
    await harness.text(8, "/poista")
    assert harness.rasa.requests[-1] == {"sender": sender_id(KEY, 8), "message": "/restart"}
    assert harness.api.sent_texts()[-1] == TEXTS.forgotten
    await harness.send(callback_update(8, token, sent_message(harness.api, 0)))
    assert harness.api.sent_texts()[-1] == TEXTS.button_expired  # old buttons forgotten too


async def test_poista_when_rasa_is_down_says_so(harness_factory):
    harness = await harness_factory(FakeRasa(error=httpx.ConnectError("refused")))
    await harness.text(8, "/poista")
    assert harness.api.sent_texts() == [TEXTS.unavailable]


@pytest.mark.parametrize(
    "content",
    [
        {"photo": [{"file_id": "p", "file_unique_id": "p", "width": 90, "height": 90}]},
        {"voice": {"file_id": "v", "file_unique_id": "v", "duration": 3}},
        {
            "sticker": {
                "file_id": "s",
                "file_unique_id": "s",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
                "type": "regular",
            }
        },
        {"document": {"file_id": "d", "file_unique_id": "d", "file_name": "a.pdf"}},
        {"location": {"latitude": 61.69, "longitude": 27.27}},
        {"contact": {"phone_number": "+358401234567", "first_name": "Perhe"}},
    ],
)
async def test_anything_but_text_gets_the_text_only_reply(harness, content):
    await harness.send(message_update(4, **content))
    assert harness.api.sent_texts() == [TEXTS.text_only]
    assert harness.rasa.requests == []


async def test_an_edited_message_gets_a_friendly_reply(harness):
    await harness.send(message_update(4, "korjattu kysymys", edited=True))
    assert harness.api.sent_texts() == [TEXTS.edited]
    assert harness.rasa.requests == []


async def test_service_messages_are_ignored(harness):
    await harness.send(message_update(4, new_chat_title="Perhe"))
    assert harness.api.calls == [] and harness.rasa.requests == []


@pytest.mark.parametrize(
    "rasa",
    [
        FakeRasa(error=httpx.ConnectError("refused")),
        FakeRasa(status=500),
        FakeRasa(answer=lambda m: {"x": 1}),
    ],
)
async def test_rasa_failure_gives_the_apology_and_logs_without_text(harness_factory, caplog, rasa):
    caplog.set_level(logging.DEBUG)
    harness = await harness_factory(rasa)
    await harness.text(424242, "Minulla on salainen huoli")
    assert harness.api.sent_texts() == [TEXTS.unavailable]
    assert "112" in TEXTS.unavailable
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors and sender_id(KEY, 424242) in errors[0].getMessage()
    assert "salainen" not in caplog.text and "424242" not in caplog.text


async def test_rasa_slower_than_the_limit_gives_the_apology_in_time(harness_factory):
    harness = await harness_factory(FakeRasa(delay=3), rasa_timeout=0.3, typing_interval=0.1)
    started = time.monotonic()
    await harness.text(9, "hei")
    assert time.monotonic() - started < 2
    assert harness.api.sent_texts() == [TEXTS.unavailable]
    assert len(harness.api.of("sendChatAction")) >= 2  # typing repeated while waiting


async def test_typing_is_repeated_while_rasa_thinks(harness_factory):
    harness = await harness_factory(FakeRasa(delay=0.35), typing_interval=0.1)
    await harness.text(9, "hei")
    methods = [method for method, _ in harness.api.calls]
    assert methods.count("sendChatAction") >= 3
    assert (
        methods[-1] == "sendMessage"
        and "sendChatAction" not in methods[methods.index("sendMessage") :]
    )


async def test_an_empty_answer_is_never_silence(harness):
    harness.rasa.answer = lambda message: []
    await harness.text(1, "hmm")
    assert harness.api.sent_texts() == [TEXTS.no_answer]


async def test_a_flood_is_throttled_politely(harness_factory):
    harness = await harness_factory(throttle_messages=5, throttle_seconds=10)
    for n in range(8):
        await harness.text(11, f"viesti {n}")
    assert harness.rasa.messages() == [f"viesti {n}" for n in range(5)]
    assert harness.api.sent_texts() == [f"Vastaus: viesti {n}" for n in range(5)] + [
        TEXTS.throttled
    ]
    await harness.text(12, "toinen chat")  # not affected
    assert harness.api.sent_texts()[-1] == "Vastaus: toinen chat"


async def test_one_chat_is_answered_in_order_while_others_are_not_blocked(harness_factory):
    harness = await harness_factory(FakeRasa(delay=lambda m: 0.4 if m == "eka" else 0))
    await asyncio.gather(
        harness.text(21, "eka"), harness.text(21, "toka"), harness.text(22, "muu chat")
    )
    texts = harness.api.sent_texts()
    assert texts.index("Vastaus: eka") < texts.index("Vastaus: toka")
    assert texts[0] == "Vastaus: muu chat"  # was not held up by chat 21's slow answer
    assert len(harness.application.bot_data["perheneuvo"].locks) == 0  # no lock left behind


async def test_a_failing_handler_is_logged_and_the_family_still_hears(harness, caplog):
    harness.api.fail_next["sendMessage"] = "Bad Request: something went wrong"
    await harness.text(31, "hei")
    assert harness.api.sent_texts() == ["Vastaus: hei", TEXTS.unavailable]
    assert any("Handling an update failed" in r.getMessage() for r in caplog.records)


def test_only_the_updates_the_bot_handles_are_requested():
    assert sorted(ALLOWED_UPDATES) == ["callback_query", "edited_message", "message"]


def test_feedback_buttons_carry_the_rating_and_the_message_in_64_bytes():
    from bot.telegram import feedback as telegram_feedback

    row = telegram_feedback.buttons_row(TEXTS, "tg-1234567890")
    assert [b.text for b in row] == [TEXTS.helpful, TEXTS.not_helpful]
    data = [b.callback_data for b in row]
    assert all(len(str(d).encode()) <= 64 for d in data)
    assert telegram_feedback.parse_callback(str(data[1])) == ("not_helpful", "tg-1234567890")
    assert telegram_feedback.parse_callback("fb:great:tg-1") is None
    assert telegram_feedback.parse_callback("AbCdEf0123456789") is None  # a choice's token
    prompts = telegram_feedback.CommentPrompts(size=2)
    prompts.remember(5, 100, "tg-1")
    prompts.remember(5, 101, "tg-2")
    prompts.remember(6, 102, "tg-3")
    assert prompts.take(5, 100) is None  # pushed out
    assert prompts.take(5, 101) == "tg-2" and prompts.take(5, 101) is None
    prompts.forget_chat(6)
    assert prompts.take(6, 102) is None
