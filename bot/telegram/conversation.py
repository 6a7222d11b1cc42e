"""Relaying a family's message to Rasa and every reply back, in order, never in silence."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import AsyncIterator, Optional

from telegram import Bot, InlineKeyboardMarkup
from telegram.constants import ChatAction
from telegram.error import TelegramError

from bot.constants import RESTART_COMMAND
from bot.telegram import feedback
from bot.telegram.formatting import split_message
from bot.telegram.rasa_client import BotReply, RasaClient, RasaUnavailable
from bot.telegram.services import Services

logger = logging.getLogger(__name__)


async def relay(
    bot: Bot, shared: Services, chat_id: int, text: str, message_id: Optional[str] = None
) -> None:
    """Sends `text` to Rasa as this chat's pseudonymous sender and every reply back. When Rasa
    cannot answer, the family gets the apology with 112 and the error is logged (the hashed id
    and the error only, never the message). `message_id` (from the Telegram update) lets Rasa
    answer an update delivered twice only once."""
    sender = shared.sender(chat_id)
    try:
        async with typing_indicator(bot, chat_id, shared.settings.typing_interval):
            replies = await _rasa(shared).send(sender, text, message_id)
    except RasaUnavailable as error:
        logger.error("Rasa gave no answer for %s: %s", sender, error)
        await bot.send_message(chat_id, shared.texts.unavailable)
        return
    if not replies and getattr(replies, "handover", None):
        return  # a staff member has the conversation: their messages come separately
    if not replies:
        await send_reply(bot, shared, chat_id, BotReply(shared.texts.no_answer))
        return
    for index, reply in enumerate(replies):
        # the answer as a whole is rated, under its last message
        rated = message_id if index == len(replies) - 1 and text != RESTART_COMMAND else None
        await send_reply(bot, shared, chat_id, reply, rated)


async def reset(bot: Bot, shared: Services, chat_id: int) -> None:
    """Resets this chat's conversation in Rasa (/poista) and says so."""
    sender = shared.sender(chat_id)
    try:
        await _rasa(shared).send(sender, RESTART_COMMAND)  # resets the tracker
    except RasaUnavailable as error:
        logger.error("Rasa could not reset %s: %s", sender, error)
        await bot.send_message(chat_id, shared.texts.unavailable)
        return
    shared.buttons.forget_chat(chat_id)
    shared.comment_prompts.forget_chat(chat_id)
    logger.info("Conversation reset for %s", sender)
    await bot.send_message(chat_id, shared.texts.forgotten)


async def send_reply(
    bot: Bot, shared: Services, chat_id: int, reply: BotReply, rated: Optional[str] = None
) -> None:
    """One Rasa message as one or more Telegram messages; its buttons go under the last part,
    and, when it ends the answer to the message `rated`, the "was this helpful?" buttons."""
    parts = split_message(reply.text) or [shared.texts.buttons_prompt]
    keyboard = shared.buttons.keyboard(chat_id, reply.buttons)
    if rated:
        rows = [list(row) for row in keyboard.inline_keyboard] if keyboard else []
        keyboard = InlineKeyboardMarkup(rows + [feedback.buttons_row(shared.texts, rated)])
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        await bot.send_message(chat_id, part, reply_markup=keyboard if last else None)


@contextlib.asynccontextmanager
async def typing_indicator(bot: Bot, chat_id: int, interval: float) -> AsyncIterator[None]:
    """Shows "typing…" from now until the block ends (Telegram shows it for about 5 s, so it
    is repeated every `interval` seconds)."""

    async def keep_typing() -> None:
        while True:
            try:
                await bot.send_chat_action(chat_id, ChatAction.TYPING)
            except TelegramError as error:  # only a nicety: never let it stop an answer
                logger.debug("Typing indicator failed: %s", type(error).__name__)
            await asyncio.sleep(interval)

    task = asyncio.create_task(keep_typing())
    await asyncio.sleep(0)  # the first indicator goes out before the Rasa call
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def _rasa(shared: Services) -> RasaClient:
    if shared.rasa is None:
        raise RasaUnavailable("the Rasa client is not open")
    return shared.rasa
