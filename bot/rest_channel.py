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

POST /webhooks/rest/feedback stores a family's rating of an answer ("Auttoi" / "Ei auttanut",
optionally a short comment): {"sender", "message_id" of the message whose answer is rated,
"rating": "helpful" | "not_helpful", "comment"?, "channel"?}. The rated message must be one of
the sender's own recent messages that got an answer (so a rating is always tied to what that
conversation was told); ratings are limited per sender and the comment's length is limited.
A "not helpful" rating is answered with what the family can do next: the topics the model
ranked next and the way to a person, as buttons (texts in bot/feedback.yml).

Talk to a person (bot/handover.py): while the sender has a request for a person open (waiting
for a staff member or taken by one), a message is stored for the staff member and not handled
by the bot at all (no NLU, no policies, no action): the bot stays silent until the staff member
hands the conversation back or closes it (a message that matches the safety patterns still
gets the bot's safety answer with 112 first). The reply is otherwise only {"custom": {"handover":
status}}; the same marker follows the bot's replies of the turn that opened a request. The
state is in the shared conversation store, so every Rasa server behind the load balancer
knows it. GET /webhooks/rest/handover?sender=...&after=<id> gives the messages staff (and the
bot about the handover) wrote after message `after`, and the request's status; the widget
polls it while a handover is open, the Telegram front end reads the store itself.
POST /webhooks/rest/handover/exit {"sender"} is the widget's *Poistu nopeasti*: the sender's
open request ends `left` (staff see that the family left) and the answer is an empty 204
whether there was one or not. The widget sends it with navigator.sendBeacon as the page goes,
as a text/plain body (a "simple" request: no CORS preflight, so it works from every embedding
site and while the page unloads; the browser does not read the answer), so the body is parsed
as JSON whatever its content type.

GET /webhooks/rest/knowledge says which version of the knowledge base this server uses
(`make reload` asks; a version is a hash of the files, nothing personal).
"""

from __future__ import annotations

import functools
import json
import logging
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text, TypeGuard

import yaml
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

import knowledge_base
from bot import feedback, handover, model_files, rasa_speedups
from bot.constants import MAX_MESSAGE_LENGTH, RESTART_COMMAND
from bot.message_input import clean_message
from knowledge_base.safety import crisis_categories

# This module is imported when the Rasa server starts, before it loads a model.
rasa_speedups.install()
model_files.install_load_guard()

logger = logging.getLogger(__name__)
MAX_SENDER_LENGTH = 128
MAX_MESSAGE_ID_LENGTH = 128
# What anyone may see of the knowledge in use: versions and time, not the problems' text.
KNOWLEDGE_STATUS_FIELDS = ("knowledge_version", "knowledge_loaded_at", "knowledge_rejected_version")


FEEDBACK_TEXTS = Path(__file__).with_name("feedback.yml")
FEEDBACK_CHANNELS = ("rest", "telegram")


@functools.lru_cache(maxsize=1)
def feedback_texts() -> Dict[str, str]:
    return yaml.safe_load(FEEDBACK_TEXTS.read_text(encoding="utf-8"))


def _bad_request(reason: str) -> HTTPResponse:
    return response.json({"error": reason}, status=400)


def _bad_sender() -> HTTPResponse:
    return _bad_request(
        f"'sender' must be a non-empty string of at most {MAX_SENDER_LENGTH} characters"
    )


def _valid_message_id(message_id: Any) -> bool:
    return isinstance(message_id, str) and 0 < len(message_id) <= MAX_MESSAGE_ID_LENGTH


def _bad_message_id() -> HTTPResponse:
    return _bad_request(
        f"'message_id' must be a non-empty string of at most {MAX_MESSAGE_ID_LENGTH} characters"
    )


def _domain_text(request: Request, name: str) -> Optional[str]:
    agent = getattr(request.app.ctx, "agent", None)
    if agent is None:
        return None
    try:
        return agent.domain.responses[name][0]["text"]
    except (AttributeError, KeyError, IndexError, TypeError):
        return None


def _conversation_store(request: Request) -> Any:
    agent = getattr(request.app.ctx, "agent", None)
    store = getattr(agent, "tracker_store", None)
    return getattr(store, "_tracker_store", store)  # Rasa wraps it in a FailSafeTrackerStore


def _topic_title(request: Request, topic: str) -> Optional[str]:
    agent: Any = getattr(request.app.ctx, "agent", None)
    try:
        title = agent.domain.responses[f"utter_{topic}"][0]["metadata"]["title"]
    except (AttributeError, KeyError, IndexError, TypeError):
        return None
    return title.strip() if isinstance(title, str) and title.strip() else None


def _not_helpful_follow_up(
    request: Request, sender: str, turn: feedback.RatedTurn
) -> List[Dict[str, Any]]:
    """The topics ranked next and the way to a person, as one message with buttons."""
    texts = feedback_texts()
    titles = [_topic_title(request, t) for t in feedback.suggested_topics(turn.parse, turn.topic)]
    person = _topic_title(request, texts["person_topic"])
    buttons = [{"title": t, "payload": t} for t in titles if t and t != person]
    if person:
        buttons.append({"title": person, "payload": person})
    text = texts["not_helpful"] if len(buttons) > 1 or not person else texts["not_helpful_plain"]
    return [{"recipient_id": sender, "text": text.strip(), "buttons": buttons}]


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


def _json_body(request: Request) -> Any:
    """The body as JSON whatever the Content-Type (sendBeacon sends text/plain); None when it
    is not JSON."""
    try:
        return json.loads(request.body or b"")
    except (ValueError, UnicodeDecodeError):
        return None


def _valid_sender(sender: Any) -> TypeGuard[str]:
    return isinstance(sender, str) and bool(sender.strip()) and len(sender) <= MAX_SENDER_LENGTH


def _handover_engine(request: Request) -> Any:
    store = _conversation_store(request)
    return getattr(store, "engine", None)


def _handover_status(request: Request, sender: str) -> Optional[str]:
    """The status of the sender's open request for a person, if it has one."""
    engine = _handover_engine(request)
    if engine is None:
        return None
    with engine.begin() as connection:
        found = handover.active(connection, sender)
    return found.status if found is not None else None


def _to_staff(request: Request, sender: str, text: str) -> Optional[str]:
    """Keeps the family's message for the staff member when a request is open; its status,
    or None when the bot should answer."""
    engine = _handover_engine(request)
    if engine is None:
        return None
    with engine.begin() as connection:
        found = handover.active(connection, sender)
        if found is None:
            return None
        if text.strip() == RESTART_COMMAND:  # the family started over: the request ends
            handover.finish(connection, found.id, handover.CLOSED)
            return None
        if text.strip():
            handover.add_message(connection, found, handover.FAMILY, text)
        return found.status


def _mentions_danger(text: str) -> bool:
    """Whether the safety patterns (knowledge/safety.yml) match: such a message still gets the
    bot's safety answer with 112 during a handover, and reaches the staff member too."""
    try:
        return bool(crisis_categories(text, knowledge_base.live().current().safety))
    except Exception:  # the knowledge base unreadable: silence is the staff member's call
        logger.exception("could not check a message for danger")
        return False


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

        limit = feedback.RateLimit()

        @webhook.route("/feedback", methods=["POST"])
        async def rate(request: Request) -> HTTPResponse:
            try:
                body = request.json
            except Exception:  # sanic raises its own error types for broken JSON
                body = None
            if not isinstance(body, dict):
                return _bad_request("body must be a JSON object with 'sender' and 'message_id'")
            sender, message_id = body.get("sender"), body.get("message_id")
            if not _valid_sender(sender):
                return _bad_sender()
            if not _valid_message_id(message_id):
                return _bad_message_id()
            rating = body.get("rating")
            if rating not in feedback.RATINGS:
                return _bad_request(f"'rating' must be one of {', '.join(feedback.RATINGS)}")
            channel = body.get("channel", self.name())
            if channel not in FEEDBACK_CHANNELS:
                return _bad_request(f"'channel' must be one of {', '.join(FEEDBACK_CHANNELS)}")
            raw_comment = body.get("comment")
            if isinstance(raw_comment, str) and len(raw_comment) > 2 * feedback.MAX_COMMENT_LENGTH:
                return _bad_request(
                    f"'comment' may be at most {feedback.MAX_COMMENT_LENGTH} characters"
                )
            try:
                comment = feedback.clean_comment(raw_comment)
            except ValueError as error:
                return _bad_request(str(error))
            store = _conversation_store(request)
            if store is None or not hasattr(store, "rate"):
                return response.json({"error": "feedback is not kept here"}, status=503)
            if not limit.allow(sender):
                return response.json({"error": "too many ratings; try later"}, status=429)
            agent = request.app.ctx.agent
            async with agent.lock_store.lock(sender):
                turn = store.rate(sender, message_id, rating, comment, channel)
            if turn is None:
                return response.json(
                    {"error": "this conversation has no answered message with that id"},
                    status=404,
                )
            follow_up = (
                _not_helpful_follow_up(request, sender, turn)
                if rating == feedback.NOT_HELPFUL and comment is None
                else []
            )
            return response.json({"stored": rating, "messages": follow_up})

        @webhook.route("/handover", methods=["GET"])
        async def handed_over(request: Request) -> HTTPResponse:
            sender = request.args.get("sender") or ""
            if not sender.strip() or len(sender) > MAX_SENDER_LENGTH:
                return _bad_request("'sender' is missing or too long")
            try:
                after = int(request.args.get("after") or 0)
            except ValueError:
                return _bad_request("'after' must be a message id (a number)")
            engine = _handover_engine(request)
            if engine is None:
                return response.json({"error": "no conversation store here"}, status=503)
            with engine.begin() as connection:
                handover.expire(connection)
                latest = handover.latest(connection, sender)
                messages = handover.messages_for_family(connection, sender, after)
            return response.json(
                {
                    "status": latest.status if latest is not None else None,
                    "messages": [
                        {"id": m.id, "author": m.author, "text": m.text} for m in messages
                    ],
                }
            )

        @webhook.route("/handover/exit", methods=["POST"])
        async def family_left(request: Request) -> HTTPResponse:
            body = _json_body(request)
            if not isinstance(body, dict):
                return _bad_request("body must be a JSON object with 'sender'")
            sender = body.get("sender")
            if not _valid_sender(sender):
                return _bad_sender()
            engine = _handover_engine(request)
            if engine is None:
                return response.json({"error": "no conversation store here"}, status=503)
            # no conversation lock: the update is atomic, and a turn still running for the
            # sender must not hold up the exit
            with engine.begin() as connection:
                left = handover.leave(connection, sender)
            if left is not None:
                logger.info("handover request %s ended: the family left", left.id)
            return response.empty()

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                body = request.json
            except Exception:  # sanic raises its own error types for broken JSON
                body = None
            if not isinstance(body, dict):
                return _bad_request("body must be a JSON object with 'sender' and 'message'")
            sender = body.get("sender")
            if not _valid_sender(sender):
                return _bad_sender()
            raw = body.get("message")
            if raw is not None and not isinstance(raw, str):
                return _bad_request("'message' must be a string")
            message_id = body.get("message_id")
            if message_id is not None and not _valid_message_id(message_id):
                return _bad_message_id()
            metadata = body.get("metadata")
            message = clean_message(raw)

            messages = await _earlier_replies(request, sender, message_id) if message_id else None
            handed = None
            agent = getattr(request.app.ctx, "agent", None)
            if messages is None and agent is not None:
                async with agent.lock_store.lock(sender):
                    handed = _to_staff(request, sender, message.text)
            if handed is not None and not _mentions_danger(message.text):
                # a staff member has (or is asked for) the conversation: the bot is silent
                return response.json([{"recipient_id": sender, "custom": {"handover": handed}}])
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
                opened = _handover_status(request, sender)
                if opened is not None:
                    messages.append({"recipient_id": sender, "custom": {"handover": opened}})
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
