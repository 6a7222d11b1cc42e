"""Staff messages of a handed-over conversation (bot/handover.py) sent to Telegram chats.

A staff member writes in the console; the message waits in the shared conversation store
until this front end sends it with the Bot API (every POLL_SECONDS) and marks it delivered.

Sender ids are one-way hashes of chat ids, so the front end needs the chat id itself. It knows
the chats it has relayed a message for since it started; so that a restarted front end still
reaches a family whose request is open, it keeps the chat id of every sender with an open
request (or a message not yet sent) in the store's `handover_addresses`, encrypted with a key
derived from the sender key that only this front end holds, and deletes it once the request
has ended and everything is sent (retention deletes it in any case)."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import logging
import os
from typing import Dict, List, Optional, Tuple

import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken
from telegram.ext import Application

from bot import handover

logger = logging.getLogger(__name__)
POLL_SECONDS = 1.5
CHANNEL = "telegram"


def _store() -> Optional[str]:
    return os.environ.get("PERHENEUVO_TRACKER_DB", "").strip() or None


class ChatAddresses:
    """Chat ids by sender: those seen since the start, and those kept (encrypted) in the store
    for senders whose request is open."""

    def __init__(self, sender_key: bytes, seen: Dict[str, int]):
        derived = hmac.new(sender_key, b"perheneuvo handover address", hashlib.sha256).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(derived))
        self.seen = seen  # sender -> chat id, filled by Services.sender

    def encrypt(self, chat_id: int) -> str:
        return self._fernet.encrypt(str(chat_id).encode("ascii")).decode("ascii")

    def decrypt(self, address: str) -> Optional[int]:
        try:
            return int(self._fernet.decrypt(address.encode("ascii")))
        except (InvalidToken, ValueError):  # another key (the sender key was changed)
            return None

    def sync(self, connection: sa.engine.Connection) -> Dict[str, int]:
        """Keeps the address of every sender to reach that this process has seen, forgets the
        ones no longer needed; chat ids of all senders to reach that are known."""
        handover.forget_addresses(connection, CHANNEL)
        stored = handover.addresses(connection, CHANNEL)
        known: Dict[str, int] = {}
        for sender in handover.senders_to_reach(connection, CHANNEL):
            chat_id = self.seen.get(sender)
            if chat_id is not None:
                if sender not in stored or self.decrypt(stored[sender]) != chat_id:
                    handover.keep_address(connection, sender, CHANNEL, self.encrypt(chat_id))
            elif sender in stored:
                chat_id = self.decrypt(stored[sender])
            if chat_id is not None:
                known[sender] = chat_id
        return known


def _pending(
    engine: sa.engine.Engine, chats: ChatAddresses
) -> Tuple[Dict[str, int], List[Tuple[str, handover.Message]]]:
    with engine.begin() as connection:
        known = chats.sync(connection)
        return known, handover.undelivered(connection, CHANNEL)


def _delivered(engine: sa.engine.Engine, message_id: int) -> None:
    with engine.begin() as connection:
        handover.mark_delivered(connection, message_id)


async def deliver_forever(application: Application, chats: ChatAddresses) -> None:
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
                known, pending = await asyncio.to_thread(_pending, engine, chats)
                for sender, message in pending:
                    chat_id = known.get(sender)
                    if chat_id is None:  # never seen and not kept: waits for the chat to write
                        continue
                    await application.bot.send_message(chat_id, message.text)
                    await asyncio.to_thread(_delivered, engine, message.id)
            except Exception as error:  # the store or the Bot API briefly away: try again
                logger.error("Could not send staff messages: %s", error)
            await asyncio.sleep(POLL_SECONDS)
    finally:
        if engine is not None:
            engine.dispose()


def start(application: Application, chats: ChatAddresses) -> asyncio.Task:
    return asyncio.get_running_loop().create_task(deliver_forever(application, chats))


async def stop(task: Optional[asyncio.Task]) -> None:
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
