"""The conversation store: Rasa's SQL tracker store, with personal data masked before writing
and a bounded working copy of each conversation.

SQLite in the default profile, PostgreSQL in production (endpoints.yml chooses).

Masking: every user message is masked (bot/privacy.py: henkilötunnus, e-mail, phone numbers)
before it is written, so the raw text never reaches the database. The current turn is
answered from the message as written; after the write the tracker holds the masked copy too.

Bounded trackers: Rasa rebuilds the whole conversation session for every message and then
walks it several times, so a message cost ~290 ms after 200 messages in one conversation
(cProfile, `make bench`). Nothing in this bot looks further back than the last few turns (the
rules are one turn long; the actions read slots and the latest message), so a message is
handled with the current slot values and the last `max_events` events (at least 100, twice
that before it is trimmed again). The database keeps every event: `retrieve_full_tracker`
(Rasa's HTTP API, exports, the staff inbox) reads them all.

The tracker a message was answered with is kept for the next message (a bounded LRU, one hour
at most) together with the id of the last event written for it, and used only when that id
is still the sender's latest in the database: a message answered by another server, a
deleted conversation or a failed turn (the entry is taken out while a message is handled)
all lead back to the database.
"""

from __future__ import annotations

import collections
import json
import logging
import time
from typing import Any, Dict, Iterable, List, Optional, Text, Tuple

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActiveLoop,
    BotUttered,
    Event,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

from bot import feedback, handover, rasa_speedups  # noqa: F401 (handover: its tables)
from bot.privacy import mask_values

rasa_speedups.install()
logger = logging.getLogger(__name__)

# The last event written for a tracker: events after it are new.
_STORED_UP_TO = "_perheneuvo_stored_up_to"


def masked(event: Event) -> Event:
    """The event as it may be stored: user texts and text slot values masked."""
    if isinstance(event, UserUttered):
        data = event.as_dict()
        for key in ("text", "parse_data", "metadata"):
            if data.get(key) is not None:
                data[key] = mask_values(data[key])
        return Event.from_parameters(data)
    if isinstance(event, SlotSet) and isinstance(event.value, str):
        return SlotSet(event.key, mask_values(event.value), event.timestamp, event.metadata)
    return event


def new_events(tracker: DialogueStateTracker) -> List[Event]:
    """The tracker's events that have not been written yet."""
    events = list(tracker.events)
    marker = getattr(tracker, _STORED_UP_TO, None)
    if marker is None:
        return events
    for index in range(len(events) - 1, -1, -1):
        if events[index] is marker:
            return events[index + 1 :]
    # the marker is gone only if something rebuilt the event list: go by time instead
    return [event for event in events if event.timestamp > marker.timestamp]


class PerheneuvoTrackerStore(SQLTrackerStore):
    """SQLTrackerStore that writes masked user messages and works on bounded trackers."""

    # set by SQLTrackerStore.__init__ (Rasa does not annotate it)
    engine: sa.engine.Engine

    def __init__(
        self,
        *args: Any,
        max_events: int = 100,
        recent_trackers: int = 500,
        recent_tracker_seconds: float = 3600.0,
        **kwargs: Any,
    ) -> None:
        self._recent: collections.OrderedDict[
            Text, Tuple[float, Optional[int], DialogueStateTracker]
        ] = collections.OrderedDict()
        self.max_events = max(int(max_events), 100)
        self._recent_max = int(recent_trackers)
        self._recent_seconds = float(recent_tracker_seconds)
        super().__init__(*args, **kwargs)
        if self.engine.dialect.name == "sqlite":
            self._keep_sqlite_connection()
        feedback.create_tables(self.engine)

    def _keep_sqlite_connection(self) -> None:
        """One SQLite connection kept open (Rasa serves from one thread) instead of a new one
        for every query, in write-ahead-log mode with normal sync: a commit does not wait for
        the disk, and a crash of the process loses nothing (a power cut may lose the last
        commits, never the database's consistency)."""
        url = self.engine.url
        self.engine.dispose()
        self.engine = sa.create_engine(url, poolclass=sa.pool.SingletonThreadPool)

        @sa.event.listens_for(self.engine, "connect")
        def write_ahead_log(connection: Any, _record: Any) -> None:
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)

    @property
    def domain(self) -> Domain:
        return self._domain

    @domain.setter
    def domain(self, domain: Domain) -> None:
        # a new model may bring other slots: rebuild trackers from the database
        self._domain = domain
        self._recent.clear()

    # -- reading ------------------------------------------------------------------------------

    async def retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        entry = self._recent.pop(sender_id, None)
        if entry is not None:
            stored_at, last_id, tracker = entry
            if (
                time.monotonic() - stored_at < self._recent_seconds
                and self.last_event_id(sender_id) == last_id
            ):
                return tracker
        return self._retrieve_recent(sender_id)

    def _retrieve_recent(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        """The latest session's slot values, active loop and last `max_events` events."""
        with self.session_scope() as session:
            session_events = self._event_query(
                session, sender_id, fetch_events_from_all_sessions=False
            )
            tail = list(
                reversed(
                    session_events.order_by(None)
                    .order_by(self.SQLEvent.id.desc())
                    .limit(self.max_events)
                    .all()
                )
            )
            if not tail:
                return None
            state_rows = session_events.filter(
                self.SQLEvent.id < tail[0].id,
                self.SQLEvent.type_name.in_(
                    [
                        SlotSet.type_name,
                        ActiveLoop.type_name,
                        Restarted.type_name,
                        SessionStarted.type_name,
                    ]
                ),
            ).all()
            events = [Event.from_parameters(json.loads(row.data)) for row in tail]
            last_id = tail[-1].id
        tracker = DialogueStateTracker.from_events(
            sender_id,
            state_events(Event.from_parameters(json.loads(row.data)) for row in state_rows)
            + events,
            slots=self.domain.slots,
        )
        setattr(tracker, _STORED_UP_TO, tracker.events[-1] if tracker.events else None)
        logger.debug(
            "tracker of %s: %d recent events from the database (last id %s)",
            sender_id,
            len(events),
            last_id,
        )
        return tracker

    def replies_to(
        self, sender_id: Text, message_id: Text, recent: int = 5
    ) -> Optional[List[Dict[Text, Any]]]:
        """The replies already given to the message `message_id` (one of the sender's last
        `recent` messages), in the REST channel's format; None if it has not been handled."""
        with self.session_scope() as session:
            users = (
                session.query(self.SQLEvent.id, self.SQLEvent.data)
                .filter(
                    self.SQLEvent.sender_id == sender_id,
                    self.SQLEvent.type_name == UserUttered.type_name,
                )
                .order_by(self.SQLEvent.id.desc())
                .limit(recent)
                .all()
            )
            later = None
            for row_id, data in users:
                if json.loads(data).get("message_id") == message_id:
                    break
                later = row_id
            else:
                return None
            bot_rows = (
                session.query(self.SQLEvent.data)
                .filter(
                    self.SQLEvent.sender_id == sender_id,
                    self.SQLEvent.type_name == BotUttered.type_name,
                    self.SQLEvent.id > row_id,
                    *([self.SQLEvent.id < later] if later is not None else []),
                )
                .order_by(self.SQLEvent.id)
                .all()
            )
        replies = []
        for (data,) in bot_rows:
            event = json.loads(data)
            reply = {"recipient_id": sender_id, "text": event.get("text")}
            for key, value in (event.get("data") or {}).items():
                if value and key in (
                    "buttons",
                    "image",
                    "custom",
                    "attachment",
                    "elements",
                    "quick_replies",
                ):
                    reply[key] = value
            replies.append({key: value for key, value in reply.items() if value is not None})
        return replies

    def delete_events_before(self, timestamp: float) -> int:
        """Deletes every event older than `timestamp` (seconds since the epoch), and the
        feedback given as long ago (bot.feedback); the count of events."""
        self._recent.clear()
        with self.session_scope() as session:
            deleted = (
                session.query(self.SQLEvent)
                .filter(self.SQLEvent.timestamp < timestamp)
                .delete(synchronize_session=False)
            )
            feedback.delete_before(session, timestamp)
            session.commit()
        return deleted

    def rate(
        self,
        sender_id: Text,
        message_id: Text,
        rating: Text,
        comment: Optional[Text],
        channel: Text,
        now: Optional[float] = None,
    ) -> Optional[feedback.RatedTurn]:
        """Stores the sender's rating of the answer to its message `message_id`; the rated
        turn, or None when the sender's conversation has no such answered message."""
        with self.session_scope() as session:
            turn = feedback.rated_turn(session, self.SQLEvent.__table__, sender_id, message_id)
            if turn is None:
                return None
            feedback.save_rating(session, sender_id, channel, turn, rating, comment, now)
            session.commit()
        return turn

    def last_event_id(self, sender_id: Text) -> Optional[int]:
        with self.session_scope() as session:
            return (
                session.query(sa.func.max(self.SQLEvent.id))
                .filter(self.SQLEvent.sender_id == sender_id)
                .scalar()
            )

    # -- writing ------------------------------------------------------------------------------

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Writes the new events (masked) and keeps a bounded copy for the next message."""
        await self.stream_events(tracker)
        fresh = new_events(tracker)
        first = len(tracker.events) - len(fresh)
        rows = []
        with self.session_scope() as session:
            for offset, event in enumerate(fresh):
                safe = masked(event)
                if safe is not event:
                    tracker.events[first + offset] = safe
                    if tracker.latest_message is event:
                        tracker.latest_message = safe
                data = safe.as_dict()
                rows.append(
                    self.SQLEvent(
                        sender_id=tracker.sender_id,
                        type_name=safe.type_name,
                        timestamp=data.get("timestamp"),
                        intent_name=data.get("parse_data", {})
                        .get("intent", {})
                        .get(INTENT_NAME_KEY),
                        action_name=data.get("name"),
                        data=json.dumps(data),
                    )
                )
            session.add_all(rows)
            session.flush()
            last_id = rows[-1].id if rows else None
            session.commit()
        if tracker.events:
            setattr(tracker, _STORED_UP_TO, tracker.events[-1])
        self._remember(
            self._bounded(tracker),
            last_id if last_id is not None else self.last_event_id(tracker.sender_id),
        )

    def _bounded(self, tracker: DialogueStateTracker) -> DialogueStateTracker:
        """`tracker` itself, or a copy with the state and last `max_events` events when it has
        grown past twice that."""
        if len(tracker.events) <= 2 * self.max_events:
            return tracker
        events = list(tracker.events)
        cut = len(events) - self.max_events
        bounded = DialogueStateTracker.from_events(
            tracker.sender_id, state_events(events[:cut]) + events[cut:], slots=self.domain.slots
        )
        setattr(bounded, _STORED_UP_TO, bounded.events[-1])
        return bounded

    def _remember(self, tracker: DialogueStateTracker, last_id: Optional[int]) -> None:
        self._recent[tracker.sender_id] = (time.monotonic(), last_id, tracker)
        while len(self._recent) > self._recent_max:
            self._recent.popitem(last=False)


def state_events(events: Iterable[Event]) -> List[Event]:
    """SlotSet and ActiveLoop events that reproduce the state the given events leave behind
    (a restart or a new session clears what came before it)."""
    slots: Dict[Text, Any] = {}
    loop: Optional[Text] = None
    for event in events:
        if isinstance(event, (Restarted, SessionStarted)):
            slots, loop = {}, None
        elif isinstance(event, SlotSet):
            slots[event.key] = event.value
        elif isinstance(event, ActiveLoop):
            loop = event.name
    prefix: List[Event] = [SlotSet(key, value) for key, value in slots.items()]
    if loop:
        prefix.append(ActiveLoop(loop))
    return prefix
