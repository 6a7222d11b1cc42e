"""Families' ratings of the bot's answers ("Auttoi" / "Ei auttanut"), kept in the conversation
store beside Rasa's `events` table.

One row per rated answer: the sender, the channel, the user message it answered (its
message_id, its masked text, its intent and FAQ topic), the answer's text (every bot message of
that turn), the rating, an optional comment (masked) and the time. A family may change its
rating (the row is updated), so the figures count each answer once.

Humans-in-the-loop tables share `METADATA`: each has `sender_id` and `timestamp` columns, is
created with the store (`create_tables`) and deleted with the conversation under the same
retention (`delete_before`, called by PerheneuvoTrackerStore.delete_events_before). The
handover (bot/handover.py: requests for a person, their messages) adds its tables here the
same way; its opening hours (no sender) are kept.

How a rating arrives: POST /webhooks/rest/feedback (bot/rest_channel.py) with the sender and
the message_id of the message whose answer is rated; `rated_turn` finds that turn in the
sender's own conversation, so nobody can rate what they were not told.
"""

from __future__ import annotations

import collections
import dataclasses
import json
import time
from typing import Any, Deque, Dict, List, Optional, Tuple

import sqlalchemy as sa

from bot.privacy import mask_personal_data

HELPFUL = "helpful"
NOT_HELPFUL = "not_helpful"
RATINGS = (HELPFUL, NOT_HELPFUL)
MAX_COMMENT_LENGTH = 500
# Only one of the sender's last RECENT_MESSAGES messages may be rated.
RECENT_MESSAGES = 50

METADATA = sa.MetaData()

FEEDBACK = sa.Table(
    "feedback",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("channel", sa.String(32), nullable=False),
    sa.Column("message_id", sa.String(255), nullable=False),
    # events.id of the last bot message of the rated turn
    sa.Column("event_id", sa.Integer, nullable=True),
    sa.Column("question", sa.Text, nullable=False),  # masked
    sa.Column("intent", sa.String(255), nullable=True),
    sa.Column("topic", sa.String(255), nullable=True),
    sa.Column("answer", sa.Text, nullable=False),  # masked
    sa.Column("rating", sa.String(16), nullable=False),
    sa.Column("comment", sa.Text, nullable=True),  # masked
    # the parse of the rated message without its texts: the console's closest topic
    sa.Column("parse", sa.Text, nullable=True),
    sa.Column("timestamp", sa.Float, nullable=False, index=True),
    sa.UniqueConstraint("sender_id", "message_id", name="feedback_one_per_answer"),
)


def create_tables(engine: sa.engine.Engine) -> None:
    """Creates the tables that are missing. Two servers starting at once against PostgreSQL
    may race: the loser's error is harmless once the tables exist."""
    try:
        METADATA.create_all(engine, checkfirst=True)
    except sa.exc.SQLAlchemyError:
        existing = sa.inspect(engine)
        if not all(existing.has_table(table.name) for table in METADATA.sorted_tables):
            raise


def delete_before(connection: Any, timestamp: float) -> int:
    """Deletes every humans-in-the-loop row older than `timestamp`; the count."""
    deleted = 0
    for table in METADATA.sorted_tables:
        if "sender_id" not in table.c:  # settings (opening hours), not conversations
            continue
        deleted += connection.execute(table.delete().where(table.c.timestamp < timestamp)).rowcount
    return deleted


@dataclasses.dataclass
class RatedTurn:
    """A user message and the bot's answer to it, as the conversation store holds them."""

    message_id: str
    question: str  # masked as stored
    parse: Dict[str, Any]
    answer: str
    event_id: Optional[int]
    channel: str

    @property
    def intent(self) -> Optional[str]:
        return (self.parse.get("intent") or {}).get("name")

    @property
    def topic(self) -> Optional[str]:
        """The FAQ topic it was answered with ("erokahvila"), or the intent's name."""
        key = (_faq(self.parse).get("response") or {}).get("intent_response_key")
        if self.intent == "faq" and key:
            return str(key).split("/", 1)[-1]
        return self.intent


def _faq(parse: Dict[str, Any]) -> Dict[str, Any]:
    """The FAQ answer selector's part of a parse (its chosen response and ranking)."""
    return (parse.get("response_selector") or {}).get("faq") or {}


def rated_turn(
    connection: Any, events: sa.Table, sender_id: str, message_id: str
) -> Optional[RatedTurn]:
    """The turn of `sender_id` that began with the message `message_id` (one of its last
    RECENT_MESSAGES), with every bot message up to the next message; None if there is none
    or it got no answer."""
    users = connection.execute(
        sa.select(events.c.id, events.c.data)
        .where(events.c.sender_id == sender_id, events.c.type_name == "user")
        .order_by(events.c.id.desc())
        .limit(RECENT_MESSAGES)
    ).fetchall()
    later = None
    for row_id, data in users:
        event = json.loads(data)
        if event.get("message_id") == message_id:
            break
        later = row_id
    else:
        return None
    conditions = [
        events.c.sender_id == sender_id,
        events.c.type_name == "bot",
        events.c.id > row_id,
    ]
    if later is not None:
        conditions.append(events.c.id < later)
    bots = connection.execute(
        sa.select(events.c.id, events.c.data).where(*conditions).order_by(events.c.id)
    ).fetchall()
    texts = [(json.loads(data).get("text") or "").strip() for _id, data in bots]
    texts = [text for text in texts if text]
    if not texts:
        return None
    parse = event.get("parse_data") or {}
    return RatedTurn(
        message_id=message_id,
        question=(event.get("text") or "").strip(),
        parse=parse,
        answer="\n\n".join(texts),
        event_id=bots[-1][0],
        channel=str(event.get("input_channel") or ""),
    )


def parse_without_texts(parse: Dict[str, Any]) -> Dict[str, Any]:
    """What the console needs of a parse (intent, ranking, the FAQ answer's key): no texts."""
    selected = _faq(parse).get("response") or {}
    ranking = _faq(parse).get("ranking") or []
    return {
        "intent": parse.get("intent") or {},
        "intent_ranking": parse.get("intent_ranking") or [],
        "response_selector": {
            "faq": {
                "response": {
                    key: value
                    for key, value in selected.items()
                    if key in ("intent_response_key", "confidence")
                },
                "ranking": [
                    {key: r.get(key) for key in ("intent_response_key", "confidence")}
                    for r in ranking
                    if isinstance(r, dict)
                ],
            }
        },
    }


def save_rating(
    connection: Any,
    sender_id: str,
    channel: str,
    turn: RatedTurn,
    rating: str,
    comment: Optional[str],
    now: Optional[float] = None,
) -> None:
    """Stores (or replaces) the sender's rating of `turn`, texts masked. A rating sent again
    without a comment keeps the comment given before."""
    if rating not in RATINGS:
        raise ValueError(f"unknown rating {rating!r}")
    values = {
        "channel": channel or turn.channel or "?",
        "event_id": turn.event_id,
        "question": mask_personal_data(turn.question),
        "intent": turn.intent,
        "topic": turn.topic,
        "answer": mask_personal_data(turn.answer),
        "rating": rating,
        "parse": json.dumps(parse_without_texts(turn.parse)),
        "timestamp": time.time() if now is None else now,
    }
    if comment is not None:
        values["comment"] = mask_personal_data(comment) if comment else None
    if rating == HELPFUL:
        values["comment"] = None
    updated = connection.execute(
        FEEDBACK.update()
        .where(FEEDBACK.c.sender_id == sender_id, FEEDBACK.c.message_id == turn.message_id)
        .values(**values)
    ).rowcount
    if not updated:
        values.setdefault("comment", None)
        connection.execute(
            FEEDBACK.insert().values(sender_id=sender_id, message_id=turn.message_id, **values)
        )


def topic_ratings(connection: Any, since: float) -> Dict[str, Tuple[int, int]]:
    """topic -> (rated helpful, rated) of the answers families rated after `since`."""
    if not sa.inspect(connection).has_table(FEEDBACK.name):
        return {}
    helpful = sa.func.sum(sa.case((FEEDBACK.c.rating == HELPFUL, 1), else_=0))
    rows = connection.execute(
        sa.select(FEEDBACK.c.topic, helpful, sa.func.count())
        .where(FEEDBACK.c.timestamp >= since, FEEDBACK.c.topic.is_not(None))
        .group_by(FEEDBACK.c.topic)
    ).fetchall()
    return {str(topic): (int(ok or 0), int(count)) for topic, ok, count in rows}


def clean_comment(value: Any) -> Optional[str]:
    """The comment as kept: whitespace collapsed, at most MAX_COMMENT_LENGTH characters; None
    when none was given. Raises ValueError for a value that is not text."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError("'comment' must be a string")
    text = " ".join(value.split())
    return text[:MAX_COMMENT_LENGTH]


class RateLimit:
    """At most `limit` ratings per sender in `seconds` (in this server's memory; bounded)."""

    def __init__(self, limit: int = 20, seconds: float = 600.0, senders: int = 10_000):
        self.limit = limit
        self.seconds = seconds
        self.senders = senders
        self._seen: "collections.OrderedDict[str, Deque[float]]" = collections.OrderedDict()

    def allow(self, sender_id: str, now: Optional[float] = None) -> bool:
        now = time.monotonic() if now is None else now
        times = self._seen.pop(sender_id, None) or collections.deque()
        while times and now - times[0] > self.seconds:
            times.popleft()
        allowed = len(times) < self.limit
        if allowed:
            times.append(now)
        self._seen[sender_id] = times
        while len(self._seen) > self.senders:
            self._seen.popitem(last=False)
        return allowed


def suggested_topics(parse: Dict[str, Any], answered: Optional[str], limit: int = 3) -> List[str]:
    """The FAQ topics ("faq/erokahvila") the model ranked next for the rated message, most
    likely first, without the one it answered with."""
    ranking = _faq(parse).get("ranking") or []
    found: List[str] = []
    for item in ranking:
        key = item.get("intent_response_key") if isinstance(item, dict) else None
        if not key or key == f"faq/{answered}" or key in found:
            continue
        if float(item.get("confidence") or 0) < 0.01:
            continue
        found.append(str(key))
        if len(found) == limit:
            break
    return found
