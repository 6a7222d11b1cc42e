"""What the handlers share, kept in `application.bot_data`: settings, texts, the Rasa client,
the button store, the flood throttle and the per-chat locks."""
from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from typing import AsyncIterator, Dict, List, Optional

import httpx
from telegram.ext import Application, ContextTypes

from bot.telegram.buttons import ButtonStore
from bot.telegram.config import TelegramSettings
from bot.telegram.identity import sender_id
from bot.telegram.rasa_client import RasaClient
from bot.telegram.texts import Texts
from bot.telegram.throttle import ChatThrottle

_KEY = "perheneuvo"


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
    rasa: Optional[RasaClient] = None  # open between post_init and post_shutdown

    def sender(self, chat_id: int) -> str:
        return sender_id(self.settings.sender_key, chat_id)


def services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    return context.bot_data[_KEY]


def attach(application: Application, shared: Services) -> None:
    application.bot_data[_KEY] = shared


async def open_rasa_client(application: Application) -> None:
    """post_init: the shared HTTP client to Rasa."""
    shared: Services = application.bot_data[_KEY]
    shared.rasa = RasaClient(shared.settings.rasa_url, shared.settings.rasa_timeout,
                             shared.rasa_transport)


async def close_rasa_client(application: Application) -> None:
    """post_shutdown."""
    shared: Services = application.bot_data[_KEY]
    if shared.rasa is not None:
        await shared.rasa.close()
        shared.rasa = None
