"""Rasa's REST channel (/webhooks/rest/webhook) with input checks.

Same request and response format as Rasa's RestInput, but:
- a malformed request gets a 400 with a reason instead of a 500;
- every message is cleaned (bot.message_input), and a message cut for length gets a note in
  front of the answers;
- an optional "message_id" makes a retry safe: a message the conversation store already holds
  under that id is not handled again, and the replies it got are returned again (the widget,
  Telegram and the load balancer may all retry);
- a turn that produced no reply at all (the action server down, say) gets the
  `utter_try_again_shortly` reply, so that a family is never met with silence.

GET /webhooks/rest/knowledge says which version of the knowledge base this server uses
(`make reload` asks; a version is a hash of the files, nothing personal).
"""

from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

import knowledge_base
from bot import model_files, rasa_speedups
from bot.constants import MAX_MESSAGE_LENGTH
from bot.message_input import clean_message

# This module is imported when the Rasa server starts, before it loads a model.
rasa_speedups.install()
model_files.install_load_guard()

logger = logging.getLogger(__name__)
MAX_SENDER_LENGTH = 128
MAX_MESSAGE_ID_LENGTH = 128
# What anyone may see of the knowledge in use: versions and time, not the problems' text.
KNOWLEDGE_STATUS_FIELDS = ("knowledge_version", "knowledge_loaded_at", "knowledge_rejected_version")


def _bad_request(reason: str) -> HTTPResponse:
    return response.json({"error": reason}, status=400)


def _domain_text(request: Request, name: str) -> Optional[str]:
    agent = getattr(request.app.ctx, "agent", None)
    if agent is None:
        return None
    try:
        return agent.domain.responses[name][0]["text"]
    except (AttributeError, KeyError, IndexError, TypeError):
        return None


async def _earlier_replies(
    request: Request, sender: str, message_id: str
) -> Optional[List[Dict[str, Any]]]:
    """The replies already given to this message, if the conversation store holds it."""
    agent = getattr(request.app.ctx, "agent", None)
    if agent is None:
        return None
    store = getattr(agent, "tracker_store", None)
    store = getattr(store, "_tracker_store", store)  # Rasa wraps it in a FailSafeTrackerStore
    if store is None or not hasattr(store, "replies_to"):
        return None
    # under the conversation's lock, so that a first attempt still running finishes first
    async with agent.lock_store.lock(sender):
        return store.replies_to(sender, message_id)


class SafeRestInput(RestInput):
    @classmethod
    def name(cls) -> Text:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("safe_rest_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/knowledge", methods=["GET"])
        async def knowledge(request: Request) -> HTTPResponse:
            live = knowledge_base.live()
            live.current()  # take a changed directory into use now, if it is valid
            status = live.status()
            return response.json({key: status[key] for key in KNOWLEDGE_STATUS_FIELDS})

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
                return _bad_request(
                    f"'sender' must be a non-empty string of at most {MAX_SENDER_LENGTH} characters"
                )
            raw = body.get("message")
            if raw is not None and not isinstance(raw, str):
                return _bad_request("'message' must be a string")
            message_id = body.get("message_id")
            if message_id is not None and (
                not isinstance(message_id, str)
                or not message_id
                or len(message_id) > MAX_MESSAGE_ID_LENGTH
            ):
                return _bad_request(
                    f"'message_id' must be a non-empty string of at most "
                    f"{MAX_MESSAGE_ID_LENGTH} characters"
                )
            metadata = body.get("metadata")
            message = clean_message(raw)

            messages = await _earlier_replies(request, sender, message_id) if message_id else None
            if messages is None:
                collector = CollectingOutputChannel()
                await on_new_message(
                    UserMessage(
                        message.text,
                        collector,
                        sender,
                        input_channel=self.name(),
                        message_id=message_id,
                        metadata=metadata if isinstance(metadata, dict) else None,
                    )
                )
                messages = list(collector.messages)
            if not messages:
                logger.warning(
                    "no reply to a message from %s; answering 'try again shortly'", sender
                )
                text = _domain_text(request, "utter_try_again_shortly")
                if text:
                    messages.append({"recipient_id": sender, "text": text})
            if message.truncated:
                note = _domain_text(request, "utter_message_truncated")
                if note:
                    messages.insert(
                        0,
                        {
                            "recipient_id": sender,
                            "text": note.replace("{limit}", str(MAX_MESSAGE_LENGTH)),
                        },
                    )
            return response.json(messages)

        return webhook
