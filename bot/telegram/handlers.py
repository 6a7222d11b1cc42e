"""The Telegram handlers. Each answers one kind of update; `register` wires them in order."""

from __future__ import annotations

import functools
import logging
from typing import Any, Callable, Coroutine, Optional

from telegram import CallbackQuery, ForceReply, InlineKeyboardMarkup, Message, Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.telegram import feedback
from bot.telegram.buttons import Choice
from bot.telegram.conversation import relay, reset, send_reply
from bot.telegram.formatting import MAX_MESSAGE_LENGTH, utf16_length
from bot.telegram.rasa_client import RasaUnavailable
from bot.telegram.services import services
from bot.telegram.throttle import Verdict

logger = logging.getLogger(__name__)

# Updates the bot asks Telegram for; everything else (channel posts, polls, ...) never arrives.
ALLOWED_UPDATES = [Update.MESSAGE, Update.EDITED_MESSAGE, Update.CALLBACK_QUERY]
NEW_MESSAGE = filters.UpdateType.MESSAGE
Handler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]


def register(application: Application) -> None:
    # Group -1 runs first: a flooding chat is stopped before any other handler sees it.
    application.add_handler(TypeHandler(Update, throttle_guard), group=-1)
    # Group 0: the first handler whose filter matches answers the update, in the chat's turn.
    application.add_handlers(
        [
            CommandHandler("start", in_chat_order(start), filters=NEW_MESSAGE),
            CommandHandler(["apua", "help"], in_chat_order(help_command), filters=NEW_MESSAGE),
            CommandHandler("tietosuoja", in_chat_order(privacy), filters=NEW_MESSAGE),
            CommandHandler("poista", in_chat_order(forget), filters=NEW_MESSAGE),
            MessageHandler(NEW_MESSAGE & filters.COMMAND, in_chat_order(unknown_command)),
            MessageHandler(NEW_MESSAGE & filters.TEXT, in_chat_order(text_message)),
            CallbackQueryHandler(in_chat_order(button_pressed)),
            MessageHandler(filters.UpdateType.EDITED_MESSAGE, in_chat_order(edited_message)),
            MessageHandler(NEW_MESSAGE & ~filters.StatusUpdate.ALL, in_chat_order(not_text)),
        ]
    )
    application.add_error_handler(error_handler)


def in_chat_order(handler: Handler) -> Handler:
    """Runs `handler` holding its chat's lock: updates are processed concurrently across chats,
    but one chat's updates are answered one at a time, in the order they arrived."""

    @functools.wraps(handler)
    async def ordered(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat = update.effective_chat
        async with services(context).locks.hold(chat.id if chat else 0):
            await handler(update, context)

    return ordered


async def throttle_guard(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Over the flood limit: one polite notice, then silence until the chat calms down."""
    chat = update.effective_chat
    if chat is None:
        return
    verdict = services(context).throttle.check(chat.id)
    if verdict is Verdict.ALLOW:
        return
    if update.callback_query:
        await _answer_quietly(update.callback_query)
    if verdict is Verdict.NOTIFY:
        logger.warning("Throttling %s", services(context).sender(chat.id))
        await context.bot.send_message(chat.id, services(context).texts.throttled)
    raise ApplicationHandlerStop


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _say(update, context, services(context).texts.start)


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _say(update, context, services(context).texts.help)


async def privacy(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _say(update, context, services(context).texts.privacy)


async def forget(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    await reset(context.bot, services(context), chat.id)


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _say(update, context, services(context).texts.unknown_command)


async def text_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat = update.effective_chat
    message = update.effective_message
    if chat is None or message is None or message.text is None:
        return
    replied = message.reply_to_message
    rated = services(context).comment_prompts.take(chat.id, replied.message_id) if replied else None
    if rated:
        await comment(update, context, rated, message.text)
        return
    await relay(
        context.bot,
        services(context),
        chat.id,
        message.text,
        message_id=f"tg-{update.update_id}",
    )


async def not_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Photos, voice, stickers, documents, locations, ...: the bot reads text only."""
    await _say(update, context, services(context).texts.text_only)


async def edited_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _say(update, context, services(context).texts.edited)


async def button_pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Sends the pressed button's payload on, after marking the choice and removing the
    keyboard; a button the bot no longer remembers gets a polite request to type instead."""
    query = update.callback_query
    chat = update.effective_chat
    if query is None or chat is None:
        return
    chat_id = chat.id
    shared = services(context)
    rating = feedback.parse_callback(query.data or "")
    if rating:
        await rate(update, context, *rating)
        return
    choice = shared.buttons.lookup(chat_id, query.data or "")
    await _answer_quietly(query)
    await _mark_choice(query, choice, shared.texts.chosen)
    if choice is None:
        await context.bot.send_message(chat_id, shared.texts.button_expired)
        return
    await relay(context.bot, shared, chat_id, choice.payload, message_id=f"tg-{update.update_id}")


async def rate(
    update: Update, context: ContextTypes.DEFAULT_TYPE, rating: str, message_id: str
) -> None:
    """A "was this helpful?" button: the rating goes to Rasa, the buttons are replaced by the
    choice; after "not helpful" come other topics, the way to a person and a comment prompt."""
    query, chat = update.callback_query, update.effective_chat
    if query is None or chat is None:
        return
    shared = services(context)
    sender = shared.sender(chat.id)
    try:
        if shared.rasa is None:
            raise RasaUnavailable("the Rasa client is not open")
        follow_up = await shared.rasa.rate(sender, message_id, rating)
    except RasaUnavailable as error:
        logger.error("Rating by %s not stored: %s", sender, error)
        await _answer_quietly(query)
        await context.bot.send_message(chat.id, shared.texts.unavailable)
        return
    try:
        await query.answer(shared.texts.feedback_thanks)
    except TelegramError as error:
        logger.debug("Callback query answer failed: %s", type(error).__name__)
    await _mark_rating(query, shared.texts, feedback.title(shared.texts, rating))
    if rating != feedback.NOT_HELPFUL:
        return
    for reply in follow_up:
        await send_reply(context.bot, shared, chat.id, reply)
    prompt = await context.bot.send_message(
        chat.id, shared.texts.comment_prompt, reply_markup=ForceReply(selective=False)
    )
    shared.comment_prompts.remember(chat.id, prompt.message_id, message_id)


async def comment(
    update: Update, context: ContextTypes.DEFAULT_TYPE, message_id: str, text: str
) -> None:
    """A reply to the comment prompt: the comment joins the "not helpful" rating."""
    chat = update.effective_chat
    if chat is None:
        return
    shared = services(context)
    sender = shared.sender(chat.id)
    try:
        if shared.rasa is None:
            raise RasaUnavailable("the Rasa client is not open")
        await shared.rasa.rate(sender, message_id, feedback.NOT_HELPFUL, text)
    except RasaUnavailable as error:
        logger.error("Comment by %s not stored: %s", sender, error)
        await context.bot.send_message(chat.id, shared.texts.unavailable)
        return
    await context.bot.send_message(chat.id, shared.texts.comment_thanks)


async def error_handler(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Logs the error first (its class and traceback, no message text), then apologises."""
    logger.error(
        "Handling an update failed: %s", type(context.error).__name__, exc_info=context.error
    )
    if isinstance(update, Update) and update.effective_chat:
        try:
            await context.bot.send_message(
                update.effective_chat.id, services(context).texts.unavailable
            )
        except TelegramError as error:
            logger.error("The apology could not be sent either: %s", type(error).__name__)


async def _say(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    await context.bot.send_message(chat.id, text)


async def _answer_quietly(query: CallbackQuery) -> None:
    """Stops the button's loading spinner; a late answer is refused by Telegram, which is fine."""
    try:
        await query.answer()
    except TelegramError as error:
        logger.debug("Callback query answer failed: %s", type(error).__name__)


async def _mark_rating(query: CallbackQuery, texts: Any, rating_title: str) -> None:
    """Replaces the rated answer's buttons by the rating written under it (other buttons of
    the message stay usable)."""
    message = query.message
    if not isinstance(message, Message):
        return
    rows = [
        list(row)
        for row in (message.reply_markup.inline_keyboard if message.reply_markup else ())
        if not any(feedback.parse_callback(str(b.callback_data or "")) for b in row)
    ]
    markup = InlineKeyboardMarkup(rows) if rows else None
    marked = f"{message.text}\n\n{texts.rated.format(rating=rating_title)}" if message.text else ""
    try:
        if marked and utf16_length(marked) <= MAX_MESSAGE_LENGTH:
            await message.edit_text(marked, reply_markup=markup)
        else:
            await message.edit_reply_markup(reply_markup=markup)
    except TelegramError as error:
        logger.debug("Marking the rating failed: %s", type(error).__name__)


async def _mark_choice(query: CallbackQuery, choice: Optional[Choice], template: str) -> None:
    """Removes the keyboard and, when it fits, writes the choice under the message."""
    message = query.message
    if not isinstance(message, Message):  # older than 48 hours: cannot be edited
        return
    try:
        marked = (
            f"{message.text}\n\n{template.format(choice=choice.title)}"
            if (choice and message.text)
            else ""
        )
        if marked and utf16_length(marked) <= MAX_MESSAGE_LENGTH:
            await message.edit_text(marked, reply_markup=None)
        else:
            await message.edit_reply_markup(reply_markup=None)
    except TelegramError as error:
        logger.debug("Removing the keyboard failed: %s", type(error).__name__)
