""" "Was this helpful?" in Telegram: two inline buttons under the last message of each answer.

A button's callback data names the rating and the message the answer was for
("fb:not_helpful:tg-123"; under Telegram's 64 bytes), so it needs no memory and still works
after a restart. The rating goes to the Rasa server (POST /webhooks/rest/feedback), which keeps
it with the answer in the conversation store. After "not helpful" the family gets the topics the
model ranked next and the way to a person as buttons, and a message it can answer (Telegram's
"reply") with a short comment: the prompts waiting for a reply are remembered per chat,
bounded, like the buttons' payloads."""

from __future__ import annotations

import collections
from typing import List, Optional, Tuple

from telegram import InlineKeyboardButton

from bot.telegram.texts import Texts

PREFIX = "fb:"
HELPFUL = "helpful"
NOT_HELPFUL = "not_helpful"


def callback_data(rating: str, message_id: str) -> str:
    return f"{PREFIX}{rating}:{message_id}"


def parse_callback(data: str) -> Optional[Tuple[str, str]]:
    """(rating, message_id) of a feedback button's data; None for any other button."""
    if not data.startswith(PREFIX):
        return None
    rating, _, message_id = data[len(PREFIX) :].partition(":")
    if rating not in (HELPFUL, NOT_HELPFUL) or not message_id:
        return None
    return rating, message_id


def buttons_row(texts: Texts, message_id: str) -> List[InlineKeyboardButton]:
    return [
        InlineKeyboardButton(texts.helpful, callback_data=callback_data(HELPFUL, message_id)),
        InlineKeyboardButton(
            texts.not_helpful, callback_data=callback_data(NOT_HELPFUL, message_id)
        ),
    ]


def title(texts: Texts, rating: str) -> str:
    return texts.helpful if rating == HELPFUL else texts.not_helpful


class CommentPrompts:
    """(chat, Telegram message id of a comment prompt) -> the rated message's id; bounded."""

    def __init__(self, size: int = 10_000):
        self.size = size
        self._prompts: "collections.OrderedDict[Tuple[int, int], str]" = collections.OrderedDict()

    def remember(self, chat_id: int, prompt_id: int, message_id: str) -> None:
        self._prompts[(chat_id, prompt_id)] = message_id
        while len(self._prompts) > self.size:
            self._prompts.popitem(last=False)

    def take(self, chat_id: int, prompt_id: int) -> Optional[str]:
        return self._prompts.pop((chat_id, prompt_id), None)

    def forget_chat(self, chat_id: int) -> None:
        for key in [key for key in self._prompts if key[0] == chat_id]:
            del self._prompts[key]
