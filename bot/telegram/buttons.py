"""Rasa's buttons as inline keyboards.

Telegram limits a button's callback data to 64 bytes, and a payload here is a whole question,
so a button carries a short random token and the payload waits in memory, per chat and bounded
(least recently used first out). A token that is no longer remembered (after a restart, or
pushed out) is answered politely by the handler."""

from __future__ import annotations

import collections
import dataclasses
import secrets
from typing import Iterable, Optional

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.telegram.rasa_client import Button

TOKEN_BYTES = 12  # 16 url-safe characters


@dataclasses.dataclass(frozen=True)
class Choice:
    title: str
    payload: str


class ButtonStore:
    """Token -> choice, at most `per_chat` tokens a chat and `chats` chats."""

    def __init__(self, per_chat: int = 50, chats: int = 10_000):
        self.per_chat = per_chat
        self.chats = chats
        self._chats: "collections.OrderedDict[int, collections.OrderedDict[str, Choice]]" = (
            collections.OrderedDict()
        )

    def keyboard(self, chat_id: int, buttons: Iterable[Button]) -> Optional[InlineKeyboardMarkup]:
        """An inline keyboard, one button a row, remembering each payload under a new token."""
        rows = [
            [InlineKeyboardButton(button.title, callback_data=self.remember(chat_id, button))]
            for button in buttons
        ]
        return InlineKeyboardMarkup(rows) if rows else None

    def remember(self, chat_id: int, button: Button) -> str:
        tokens = self._chat(chat_id)
        token = secrets.token_urlsafe(TOKEN_BYTES)
        tokens[token] = Choice(button.title, button.payload)
        while len(tokens) > self.per_chat:
            tokens.popitem(last=False)
        return token

    def lookup(self, chat_id: int, token: str) -> Optional[Choice]:
        tokens = self._chats.get(chat_id)
        if tokens is None or token not in tokens:
            return None
        self._chats.move_to_end(chat_id)
        return tokens[token]

    def forget_chat(self, chat_id: int) -> None:
        self._chats.pop(chat_id, None)

    def _chat(self, chat_id: int) -> "collections.OrderedDict[str, Choice]":
        tokens = self._chats.get(chat_id)
        if tokens is None:
            tokens = self._chats[chat_id] = collections.OrderedDict()
            while len(self._chats) > self.chats:
                self._chats.popitem(last=False)
        else:
            self._chats.move_to_end(chat_id)
        return tokens
