"""What the handlers share, kept in `application.bot_data`: settings, texts, the Rasa client,
the button store, the flood throttle and the per-chat locks; and the start-up wait for Rasa."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
from typing import Any, AsyncIterator, Callable, Dict, List, Optional

import httpx
from telegram.ext import Application, ContextTypes

from bot import probes
from bot.telegram import handover as staff_messages
from bot.telegram.buttons import ButtonStore
from bot.telegram.config import TelegramSettings
from bot.telegram.feedback import CommentPrompts
from bot.telegram.identity import sender_id
from bot.telegram.rasa_client import RasaClient
from bot.telegram.texts import Texts
from bot.telegram.throttle import ChatThrottle

_KEY = "perheneuvo"
logger = logging.getLogger("bot.telegram")


class ChatLocks:
    """One lock a chat, so that a chat's messages are answered in order while other chats are
    served concurrently; a lock is dropped when nobody holds or waits for it."""

    def __init__(self) -> None:
        self._locks: Dict[int, List] = {}  # chat id -> [lock, holders and waiters]

    @contextlib.asynccontextmanager
    async def hold(self, chat_id: int) -> AsyncIterator[None]:
        entry = self._locks.setdefault(chat_id, [asyncio.Lock(), 0])
        entry[1] += 1
        try:
            async with entry[0]:
                yield
        finally:
            entry[1] -= 1
            if entry[1] == 0:
                del self._locks[chat_id]

    def __len__(self) -> int:
        return len(self._locks)


@dataclasses.dataclass
class Services:
    settings: TelegramSettings
    texts: Texts
    buttons: ButtonStore
    throttle: ChatThrottle
    locks: ChatLocks
    rasa_transport: Optional[httpx.AsyncBaseTransport] = None  # tests put a fake Rasa here
    # Whether Rasa answers at an address (GET, 200); tests put a fake here.
    rasa_ready: Callable[[str], bool] = probes.responds
    rasa: Optional[RasaClient] = None  # open between post_init and post_shutdown
    comment_prompts: CommentPrompts = dataclasses.field(default_factory=CommentPrompts)
    # sender id -> chat id of the chats seen since the start, for staff messages
    # (bot/telegram/handover.py); the delivery task runs between post_init and post_shutdown
    chats: Dict[str, int] = dataclasses.field(default_factory=dict)
    delivery: Optional[Any] = None

    def sender(self, chat_id: int) -> str:
        sender = sender_id(self.settings.sender_key, chat_id)
        self.chats[sender] = chat_id
        return sender


def services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    return context.bot_data[_KEY]


def attach(application: Application, shared: Services) -> None:
    application.bot_data[_KEY] = shared


async def open_rasa_client(application: Application) -> None:
    """post_init: the shared HTTP client to Rasa, then the wait until Rasa answers.

    post_init runs before polling starts (or the webhook is set), so the updates that wait at
    Telegram while Rasa loads its model (~25 s) stay there and are answered properly once it
    has loaded, instead of each getting the apology. A message that meets a Rasa outage after
    the start still gets the apology."""
    shared: Services = application.bot_data[_KEY]
    shared.rasa = RasaClient(
        shared.settings.rasa_url, shared.settings.rasa_timeout, shared.rasa_transport
    )
    await wait_until_rasa_answers(shared.settings.rasa_url + "/", shared.rasa_ready)
    chats = staff_messages.ChatAddresses(shared.settings.sender_key, shared.chats)
    shared.delivery = staff_messages.start(application, chats)


async def wait_until_rasa_answers(
    url: str,
    ready: Callable[[str], bool],
    first_pause: float = 0.25,
    max_pause: float = 2.0,
    report_every: float = 30.0,
) -> float:
    """Probes `url` until it answers, however long that takes (no update is dropped for
    waiting); logs the wait. The seconds waited."""
    started = time.monotonic()
    if await asyncio.to_thread(ready, url):
        return 0.0
    logger.info("Waiting for Rasa at %s before taking Telegram updates", url)
    pause, next_report = first_pause, started + report_every
    while not await asyncio.to_thread(ready, url):
        if time.monotonic() >= next_report:
            logger.info("Still waiting for Rasa at %s (%.0f s)", url, time.monotonic() - started)
            next_report += report_every
        await asyncio.sleep(pause)
        pause = min(pause * 2, max_pause)
    waited = time.monotonic() - started
    logger.info("Rasa answers after %.0f s; taking Telegram updates", waited)
    return waited


async def close_rasa_client(application: Application) -> None:
    """post_shutdown."""
    shared: Services = application.bot_data[_KEY]
    await staff_messages.stop(shared.delivery)
    shared.delivery = None
    if shared.rasa is not None:
        await shared.rasa.close()
        shared.rasa = None
