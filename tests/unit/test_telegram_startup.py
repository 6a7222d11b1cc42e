"""The Telegram front end takes no updates before Rasa answers (bot/telegram/services.py):
the real Application.run_polling with an offline Bot API and a Rasa probe that answers only
on its fourth call."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, List

import httpx
from telegram.request import HTTPXRequest

from bot.telegram.app import build_application
from bot.telegram.config import TelegramSettings
from bot.telegram.services import wait_until_rasa_answers

TOKEN = "123456:startup-test-token"
BOT_USER = {"id": 99, "is_bot": True, "first_name": "Perheneuvo", "username": "perheneuvo_bot"}


def polling_bot_api(events: List[str], application: List[Any]) -> HTTPXRequest:
    """An offline Bot API: answers getMe, deleteWebhook and getUpdates (no updates), records
    each call in `events`, and stops `application[0]` soon after the first getUpdates."""

    def answer(request: httpx.Request) -> httpx.Response:
        name = request.url.path.rsplit("/", 1)[1]
        events.append(name)
        if name == "getUpdates" and events.count(name) == 1:
            asyncio.get_running_loop().call_later(0.5, application[0].stop_running)
        result = {"getMe": BOT_USER, "deleteWebhook": True, "getUpdates": []}[name]
        return httpx.Response(200, json={"ok": True, "result": result})

    return HTTPXRequest(httpx_kwargs={"transport": httpx.MockTransport(answer)})


def test_no_updates_are_fetched_before_rasa_answers(caplog):
    events: List[str] = []
    probes = iter([False, False, False, True])

    def rasa_ready(url: str) -> bool:
        assert url == "http://rasa.test:5005/"
        answer = next(probes)
        events.append(f"probe:{answer}")
        return answer

    running: List[Any] = []
    api = polling_bot_api(events, running)
    settings = TelegramSettings(token=TOKEN, sender_key=b"key", rasa_url="http://rasa.test:5005")
    rasa = httpx.MockTransport(lambda request: httpx.Response(500))
    application = build_application(
        settings, request=api, rasa_ready=rasa_ready, rasa_transport=rasa
    )
    running.append(application)
    caplog.set_level(logging.INFO, logger="bot.telegram")
    application.run_polling(stop_signals=None, close_loop=False, bootstrap_retries=0)

    assert "getUpdates" in events
    first_poll = events.index("getUpdates")
    assert events.index("probe:True") < first_poll
    assert events[:first_poll].count("probe:False") == 3
    assert "Waiting for Rasa" in caplog.text and "Rasa answers after" in caplog.text


def test_the_wait_has_no_time_limit_and_reports_progress(caplog):
    """A Rasa that takes longer than any report interval is still waited for."""
    answers = iter([False] * 6 + [True])
    caplog.set_level(logging.INFO, logger="bot.telegram")
    started = time.monotonic()
    waited = asyncio.run(
        wait_until_rasa_answers(
            "http://rasa.test/",
            lambda url: next(answers),
            first_pause=0.01,
            max_pause=0.05,
            report_every=0.05,
        )
    )
    assert 0 < waited <= time.monotonic() - started
    assert "Still waiting for Rasa" in caplog.text
