"""Rasa's REST channel (/webhooks/rest/webhook) with input checks.

Same request and response format as Rasa's RestInput, but: a malformed request gets a
400 with a reason instead of a 500, every message is cleaned (bot.message_input), and a
message cut for length gets a note in front of the answers.
"""
from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import rasa_speedups
from bot.message_input import MAX_MESSAGE_LENGTH, clean_message

rasa_speedups.install()

logger = logging.getLogger(__name__)
MAX_SENDER_LENGTH = 128


def _bad_request(reason: str) -> HTTPResponse:
    return response.json({"error": reason}, status=400)


def _domain_text(request: Request, name: str) -> Optional[str]:
    agent = getattr(request.app.ctx, "agent", None)
    try:
        return agent.domain.responses[name][0]["text"]
    except (AttributeError, KeyError, IndexError, TypeError):
        return None


class SafeRestInput(RestInput):
    @classmethod
    def name(cls) -> Text:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("safe_rest_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                body = request.json
            except Exception:  # sanic raises its own error types for broken JSON
                body = None
            if not isinstance(body, dict):
                return _bad_request("body must be a JSON object with 'sender' and 'message'")
            sender = body.get("sender")
            if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER_LENGTH:
                return _bad_request(f"'sender' must be a non-empty string of at most "
                                    f"{MAX_SENDER_LENGTH} characters")
            raw = body.get("message")
            if raw is not None and not isinstance(raw, str):
                return _bad_request("'message' must be a string")
            metadata = body.get("metadata")
            message = clean_message(raw)

            collector = CollectingOutputChannel()
            await on_new_message(UserMessage(
                message.text, collector, sender, input_channel=self.name(),
                metadata=metadata if isinstance(metadata, dict) else None))
            messages: List[Dict[str, Any]] = list(collector.messages)
            if message.truncated:
                note = _domain_text(request, "utter_message_truncated")
                if note:
                    messages.insert(0, {"recipient_id": sender,
                                        "text": note.replace("{limit}", str(MAX_MESSAGE_LENGTH))})
            return response.json(messages)

        return webhook
