"""The Tilastot figures, read from the conversation store (Rasa's `events` table and the
`feedback` table of bot/feedback.py), read-only: nothing leaves this server.

- A conversation is one sender id (a widget tab, a Telegram chat) in one ISO week; its region
  is the region of the municipality (or region) it last named, by the `municipality` slot or
  entity, looked up in knowledge/municipalities.yml. Conversations that never named one go to
  UNKNOWN ("alue ei tiedossa").
- A message is a family's message (typed or a button); the reset command is not counted.
- A message is answered without fallback unless the bot did not understand it (nlu_fallback or
  a rephrase request) or called it out of scope: the same rule as the inbox's (staff.inbox).
- Ratings are counted by when they were given; a share of ratings is of the week's messages.
- Requests for a person (bot/handover.py) are counted by when they were made, in the
  conversation's region (the same rule; the request's own region when the conversation named
  none); "taken" when a staff member took the request.
- Unanswered topics: the topic the model ranked closest for each message answered with a
  fallback (the prediction stored with the message), most frequent first.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import json
from typing import Any, Dict, Iterable, List, Optional, Tuple

import sqlalchemy

from bot import handover
from bot.constants import STAFF_SENDER_PREFIX
from staff.inbox import closest_topic, store_url, why_unanswered

UNKNOWN = "tuntematon"
Week = Tuple[int, int]  # ISO year, ISO week


@dataclasses.dataclass
class Figures:
    conversations: int = 0
    messages: int = 0
    unanswered: int = 0
    helpful: int = 0
    not_helpful: int = 0
    person_requests: int = 0
    person_taken: int = 0
    unanswered_topics: collections.Counter = dataclasses.field(default_factory=collections.Counter)

    @property
    def answered(self) -> int:
        return self.messages - self.unanswered

    def share(self, count: int) -> Optional[float]:
        """`count` as a percentage of the messages; None when there were none."""
        return 100.0 * count / self.messages if self.messages else None

    @property
    def answered_share(self) -> Optional[float]:
        return self.share(self.answered)

    @property
    def helpful_share(self) -> Optional[float]:
        return self.share(self.helpful)

    @property
    def not_helpful_share(self) -> Optional[float]:
        return self.share(self.not_helpful)

    def add(self, other: "Figures") -> None:
        self.conversations += other.conversations
        self.messages += other.messages
        self.unanswered += other.unanswered
        self.helpful += other.helpful
        self.not_helpful += other.not_helpful
        self.person_requests += other.person_requests
        self.person_taken += other.person_taken
        self.unanswered_topics.update(other.unanswered_topics)

    def top_topics(self, count: int = 5) -> List[Tuple[str, int]]:
        return self.unanswered_topics.most_common(count)


@dataclasses.dataclass
class Statistics:
    weeks: List[Week]  # oldest first
    # (region id or UNKNOWN, week) -> figures; only pairs with something in them
    cells: Dict[Tuple[str, Week], Figures]

    def of(self, regions: Iterable[str], week: Optional[Week] = None) -> Figures:
        """The sum over `regions` for one week, or for the whole period."""
        total = Figures()
        wanted = set(regions)
        for (region, when), figures in self.cells.items():
            if region in wanted and (week is None or when == week):
                total.add(figures)
        return total


def week_of(timestamp: float) -> Week:
    year, week, _day = dt.datetime.fromtimestamp(timestamp).isocalendar()
    return year, week


def weeks_until(now: float, count: int) -> List[Week]:
    """The `count` ISO weeks that end with the week of `now`, oldest first."""
    today = dt.datetime.fromtimestamp(now).date()
    weeks = []
    for back in range(count - 1, -1, -1):
        year, week, _day = (today - dt.timedelta(weeks=back)).isocalendar()
        weeks.append((year, week))
    return weeks


def week_start(week: Week) -> dt.date:
    return dt.date.fromisocalendar(week[0], week[1], 1)


def read(
    db: str,
    region_of_place: Dict[str, str],
    weeks: List[Week],
    threshold: float = 0.5,
) -> Statistics:
    """The figures of `weeks` (consecutive, oldest first) from the store at `db`.
    `region_of_place` maps municipality and region names to region ids."""
    since = dt.datetime.combine(week_start(weeks[0]), dt.time()).timestamp()
    engine = sqlalchemy.create_engine(store_url(db))
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                sqlalchemy.text(
                    "SELECT sender_id, type_name, timestamp, action_name, data FROM events "
                    "WHERE type_name IN ('user', 'action', 'slot') AND sender_id NOT LIKE :staff "
                    "ORDER BY id"
                ),
                {"staff": STAFF_SENDER_PREFIX + "%"},
            ).fetchall()
            ratings: List[Any] = []
            if sqlalchemy.inspect(connection).has_table("feedback"):
                ratings = connection.execute(
                    sqlalchemy.text(
                        "SELECT sender_id, rating, timestamp FROM feedback "
                        "WHERE timestamp >= :since"
                    ),
                    {"since": since},
                ).fetchall()
            requests = handover.request_counts(connection, since)
    finally:
        engine.dispose()
    in_period = set(weeks)
    region: Dict[str, str] = {}
    # per (sender, week): [messages, unanswered, topics]
    turns: Dict[Tuple[str, Week], Figures] = collections.defaultdict(Figures)
    pending: Dict[str, Tuple[Dict[str, Any], List[str], Week]] = {}

    def close(sender: str) -> None:
        if sender not in pending:
            return
        event, actions, week = pending.pop(sender)
        figures = turns[(sender, week)]
        figures.messages += 1
        parse = event.get("parse_data") or {}
        reason = why_unanswered(parse, actions, threshold)
        if reason in ("fallback", "out_of_scope"):
            figures.unanswered += 1
            topic, _confidence = closest_topic(parse)
            figures.unanswered_topics[topic] += 1

    def named(sender: str, value: Any) -> None:
        if isinstance(value, str) and value.strip() in region_of_place:
            region[sender] = region_of_place[value.strip()]

    for sender, kind, timestamp, action, data in rows:
        if kind == "slot":
            if action == "municipality":
                named(sender, json.loads(data).get("value"))
            continue
        if kind == "user":
            close(sender)
            event = json.loads(data)
            for entity in (event.get("parse_data") or {}).get("entities") or []:
                if entity.get("entity") == "municipality":
                    named(sender, entity.get("value"))
            text = (event.get("text") or "").strip()
            week = week_of(float(timestamp or 0))
            if text and not text.startswith("/restart") and week in in_period:
                pending[sender] = (event, [], week)
        elif sender in pending:
            if action == "action_listen":
                close(sender)
            else:
                pending[sender][1].append(action)
    for sender in list(pending):
        close(sender)

    cells: Dict[Tuple[str, Week], Figures] = collections.defaultdict(Figures)
    for (sender, week), figures in turns.items():
        cell = cells[(region.get(sender, UNKNOWN), week)]
        figures.conversations = 1
        cell.add(figures)
    for sender, rating, timestamp in ratings:
        week = week_of(float(timestamp))
        if week not in in_period:
            continue
        cell = cells[(region.get(sender, UNKNOWN), week)]
        if rating == "helpful":
            cell.helpful += 1
        elif rating == "not_helpful":
            cell.not_helpful += 1
    for sender, request_region, timestamp, taken in requests:
        week = week_of(float(timestamp))
        if week not in in_period:
            continue
        cell = cells[(region.get(sender) or request_region or UNKNOWN, week)]
        cell.person_requests += 1
        cell.person_taken += int(taken)
    return Statistics(weeks, dict(cells))
