"""Staff messages of a handed-over conversation (bot/handover.py) sent to Telegram chats.

A staff member writes in the console; the message waits in the shared conversation store
until this front end sends it with the Bot API (every POLL_SECONDS) and marks it delivered.
Sender ids are one-way hashes of chat ids, so the front end sends to the chats it has relayed
a message for since it started (a request is always made from a message of that chat); a
message for a chat it does not know waits until that chat writes again."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from typing import Dict, List, Optional, Tuple

import sqlalchemy as sa
from telegram.ext import Application

from bot import handover

logger = logging.getLogger(__name__)
POLL_SECONDS = 1.5


def _store() -> Optional[str]:
    return os.environ.get("PERHENEUVO_TRACKER_DB", "").strip() or None


def _pending(engine: sa.engine.Engine) -> List[Tuple[str, handover.Message]]:
    with engine.connect() as connection:
        return handover.undelivered(connection, "telegram")


def _delivered(engine: sa.engine.Engine, message_id: int) -> None:
    with engine.begin() as connection:
        handover.mark_delivered(connection, message_id)


async def deliver_forever(application: Application, chats: Dict[str, int]) -> None:
    db = _store()
    if db is None:
        logger.info("No conversation store: staff messages are not sent to Telegram")
        return
    engine: Optional[sa.engine.Engine] = None  # one for the whole loop, made once it can be
    try:
        while True:
            try:
                if engine is None:
                    engine = await asyncio.to_thread(handover.engine_for, db)
                for sender, message in await asyncio.to_thread(_pending, engine):
                    chat_id = chats.get(sender)
                    if chat_id is None:
                        continue
                    await application.bot.send_message(chat_id, message.text)
                    await asyncio.to_thread(_delivered, engine, message.id)
            except Exception as error:  # the store or the Bot API briefly away: try again
                logger.error("Could not send staff messages: %s", error)
            await asyncio.sleep(POLL_SECONDS)
    finally:
        if engine is not None:
            engine.dispose()


def start(application: Application, chats: Dict[str, int]) -> asyncio.Task:
    return asyncio.get_running_loop().create_task(deliver_forever(application, chats))


async def stop(task: Optional[asyncio.Task]) -> None:
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
