"""Talk to a person: requests for a staff member, the messages of a handed-over conversation
and the regions' opening hours, kept in the conversation store beside Rasa's `events` table.

Every process reads the same tables: the Rasa servers (bot/rest_channel.py: the bot stays
silent while a request is open, the widget polls for staff messages), the action server
(actions/handover_actions.py: a request is made only in the region's opening hours), the
Telegram front end (it sends staff messages through the Bot API) and the console (console/
conversations: staff take requests, write, hand back or close; opening hours are edited
there). So any of two or more Rasa servers behind the load balancer sees a handover at once.

A request is `waiting` until a staff member takes it (`taken`), or until WAIT_SECONDS pass
without that (`expired`: the family is told so honestly with the contacts prepared when the
request was made). A taken request ends `returned` (the bot answers again) or `closed`.
A waiting or taken request of the widget ends `left` when the family uses *Poistu nopeasti*
(the widget tells POST /webhooks/rest/handover/exit as it leaves): nobody reads the
conversation any more, so staff are told in it and their reply form goes.
`requests`, `handover_messages` and `handover_addresses` (Telegram's chat id, encrypted, while
a request is open) have `sender_id` and `timestamp` and are deleted with the conversation under
the same retention (bot.feedback.delete_before); `opening_hours` is a
setting, not personal data, and is kept.

Times: opening hours are wall-clock times in Europe/Helsinki, one span a weekday (0 = Monday).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import os
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import yaml

from bot.feedback import METADATA, create_tables
from bot.privacy import mask_personal_data

HELSINKI = ZoneInfo("Europe/Helsinki")
WAITING, TAKEN, EXPIRED, RETURNED, CLOSED = "waiting", "taken", "expired", "returned", "closed"
LEFT = "left"  # the family left with the widget's quick exit
ACTIVE = (WAITING, TAKEN)
ENDED = (EXPIRED, RETURNED, CLOSED, LEFT)
FAMILY, STAFF, BOT = "family", "staff", "bot"
MAX_TEXT_LENGTH = 2000
WEEKDAYS = ("maanantai", "tiistai", "keskiviikko", "torstai", "perjantai", "lauantai", "sunnuntai")
TEXTS = Path(__file__).with_name("handover.yml")


def wait_seconds() -> float:
    """How long a request waits for a staff member before the family is told nobody came:
    PERHENEUVO_HANDOVER_WAIT_SECONDS, default 10 minutes."""
    try:
        return max(float(os.environ.get("PERHENEUVO_HANDOVER_WAIT_SECONDS", "600")), 1.0)
    except ValueError:
        return 600.0


@functools.lru_cache(maxsize=1)
def texts() -> Dict[str, str]:
    loaded = yaml.safe_load(TEXTS.read_text(encoding="utf-8"))
    return {key: " ".join(str(value).split()) for key, value in loaded.items()}


REQUESTS = sa.Table(
    "handover_requests",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("channel", sa.String(32), nullable=False),
    sa.Column("region", sa.String(64), nullable=True),
    sa.Column("status", sa.String(16), nullable=False, index=True),
    sa.Column("wait_until", sa.Float, nullable=False),
    sa.Column("taken_by", sa.String(150), nullable=True),
    sa.Column("taken_at", sa.Float, nullable=True),
    sa.Column("ended_at", sa.Float, nullable=True),
    # what the family is told if nobody takes the request (contacts of its region), masked
    sa.Column("nobody_text", sa.Text, nullable=False),
    sa.Column("timestamp", sa.Float, nullable=False, index=True),  # made
)

MESSAGES = sa.Table(
    "handover_messages",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("request_id", sa.Integer, nullable=False, index=True),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("author", sa.String(16), nullable=False),  # family | staff | bot
    sa.Column("text", sa.Text, nullable=False),  # a family's text masked
    # Telegram: sent through the Bot API (the widget polls and needs no mark)
    sa.Column("delivered", sa.Boolean, nullable=False, default=False),
    sa.Column("timestamp", sa.Float, nullable=False, index=True),
)

# Where a channel that cannot be polled sends staff messages (Telegram: the chat id, encrypted
# by the front end with a key only it holds), kept only while the sender's request is open or
# has messages not yet sent, so that a restarted front end still reaches the family.
ADDRESSES = sa.Table(
    "handover_addresses",
    METADATA,
    sa.Column("sender_id", sa.String(255), primary_key=True),
    sa.Column("channel", sa.String(32), nullable=False),
    sa.Column("address", sa.Text, nullable=False),
    sa.Column("timestamp", sa.Float, nullable=False, index=True),
)

OPENING_HOURS = sa.Table(
    "opening_hours",
    METADATA,
    sa.Column("region", sa.String(64), primary_key=True),
    sa.Column("weekday", sa.Integer, primary_key=True),  # 0 = Monday
    sa.Column("opens", sa.String(5), nullable=False),  # "09:00"
    sa.Column("closes", sa.String(5), nullable=False),  # "15:00"
)


@dataclasses.dataclass
class Request:
    id: int
    sender_id: str
    channel: str
    region: Optional[str]
    status: str
    wait_until: float
    taken_by: Optional[str]
    taken_at: Optional[float]
    ended_at: Optional[float]
    nobody_text: str
    timestamp: float

    @property
    def active(self) -> bool:
        return self.status in ACTIVE


@dataclasses.dataclass
class Message:
    id: int
    request_id: int
    author: str
    text: str
    timestamp: float


def engine_for(db: str) -> sa.engine.Engine:
    """A writable engine on the conversation store (a SQLite file or a SQLAlchemy URL), with
    the tables made if missing."""
    url = db if "://" in db else f"sqlite:///{Path(db).resolve()}"
    engine = sa.create_engine(url)
    create_tables(engine)
    return engine


# -- opening hours ------------------------------------------------------------------------------


def parse_time(value: str) -> dt.time:
    """ "9:00" or "09.00" -> 09:00; ValueError for anything else."""
    text = value.strip().replace(".", ":")
    hours, _sep, minutes = text.partition(":")
    if not hours.isdigit() or not minutes.isdigit() or len(minutes) != 2:
        raise ValueError(value)
    return dt.time(int(hours), int(minutes))


def hours_of(connection: Any, region: str) -> Dict[int, Tuple[str, str]]:
    """weekday -> (opens, closes) of `region`; a weekday not listed is closed."""
    rows = connection.execute(
        sa.select(OPENING_HOURS.c.weekday, OPENING_HOURS.c.opens, OPENING_HOURS.c.closes).where(
            OPENING_HOURS.c.region == region
        )
    ).fetchall()
    return {int(day): (opens, closes) for day, opens, closes in rows}


def set_hours(connection: Any, region: str, hours: Dict[int, Tuple[str, str]]) -> None:
    """Replaces the opening hours of `region` (weekday -> (opens, closes), closes later)."""
    for day, (opens, closes) in hours.items():
        if not 0 <= day <= 6 or parse_time(opens) >= parse_time(closes):
            raise ValueError(f"bad opening hours for weekday {day}: {opens}-{closes}")
    connection.execute(OPENING_HOURS.delete().where(OPENING_HOURS.c.region == region))
    for day, (opens, closes) in sorted(hours.items()):
        connection.execute(
            OPENING_HOURS.insert().values(
                region=region,
                weekday=day,
                opens=parse_time(opens).strftime("%H:%M"),
                closes=parse_time(closes).strftime("%H:%M"),
            )
        )


def is_open(connection: Any, region: Optional[str], now: Optional[float] = None) -> bool:
    """Whether staff of `region` answer at `now` (seconds since the epoch), in Helsinki time."""
    if not region:
        return False
    local = dt.datetime.fromtimestamp(time.time() if now is None else now, HELSINKI)
    span = hours_of(connection, region).get(local.weekday())
    if span is None:
        return False
    return parse_time(span[0]) <= local.time() < parse_time(span[1])


# -- requests -----------------------------------------------------------------------------------


def _request(row: Any) -> Request:
    return Request(**{column.name: row._mapping[column.name] for column in REQUESTS.columns})


def latest(connection: Any, sender_id: str) -> Optional[Request]:
    row = connection.execute(
        sa.select(REQUESTS)
        .where(REQUESTS.c.sender_id == sender_id)
        .order_by(REQUESTS.c.id.desc())
        .limit(1)
    ).first()
    return _request(row) if row is not None else None


def active(connection: Any, sender_id: str, now: Optional[float] = None) -> Optional[Request]:
    """The sender's open request (waiting or taken), after expiring one that waited too long."""
    expire(connection, now)
    found = latest(connection, sender_id)
    return found if found is not None and found.active else None


def open_request(
    connection: Any,
    sender_id: str,
    channel: str,
    region: Optional[str],
    nobody_text: str,
    now: Optional[float] = None,
    wait: Optional[float] = None,
) -> Request:
    """A new waiting request of the sender, or the one it already has open."""
    now = time.time() if now is None else now
    existing = active(connection, sender_id, now)
    if existing is not None:
        return existing
    connection.execute(
        REQUESTS.insert().values(
            sender_id=sender_id,
            channel=channel or "rest",
            region=region,
            status=WAITING,
            wait_until=now + (wait_seconds() if wait is None else wait),
            nobody_text=mask_personal_data(nobody_text),
            timestamp=now,
        )
    )
    made = latest(connection, sender_id)
    assert made is not None
    return made


def expire(connection: Any, now: Optional[float] = None) -> List[Request]:
    """Ends every waiting request whose time is up: the family gets its honest text."""
    now = time.time() if now is None else now
    rows = connection.execute(
        sa.select(REQUESTS).where(REQUESTS.c.status == WAITING, REQUESTS.c.wait_until <= now)
    ).fetchall()
    expired = []
    for row in rows:
        request = _request(row)
        changed = connection.execute(
            REQUESTS.update()
            .where(REQUESTS.c.id == request.id, REQUESTS.c.status == WAITING)
            .values(status=EXPIRED, ended_at=request.wait_until)
        ).rowcount
        if changed:  # another process may have expired or taken it in between
            # dated when the time was up, so that retention deletes it with its request
            add_message(connection, request, BOT, request.nobody_text, request.wait_until)
            expired.append(request)
    return expired


def get(connection: Any, request_id: int) -> Optional[Request]:
    row = connection.execute(sa.select(REQUESTS).where(REQUESTS.c.id == request_id)).first()
    return _request(row) if row is not None else None


def take(connection: Any, request_id: int, staff: str, now: Optional[float] = None) -> bool:
    """A staff member takes a waiting request; False when it is no longer waiting."""
    now = time.time() if now is None else now
    expire(connection, now)
    changed = connection.execute(
        REQUESTS.update()
        .where(REQUESTS.c.id == request_id, REQUESTS.c.status == WAITING)
        .values(status=TAKEN, taken_by=staff, taken_at=now)
    ).rowcount
    if changed:
        request = get(connection, request_id)
        assert request is not None
        add_message(connection, request, BOT, texts()["taken"], now)
    return bool(changed)


def finish(connection: Any, request_id: int, status: str, now: Optional[float] = None) -> bool:
    """Hands a taken request back to the bot (RETURNED) or closes it (CLOSED); a waiting one
    may be closed too; LEFT: the family left (see `leave`). The bot's text of the status goes
    into the conversation. False when it was not open."""
    if status not in (RETURNED, CLOSED, LEFT):
        raise ValueError(status)
    now = time.time() if now is None else now
    changed = connection.execute(
        REQUESTS.update()
        .where(REQUESTS.c.id == request_id, REQUESTS.c.status.in_(ACTIVE))
        .values(status=status, ended_at=now)
    ).rowcount
    if changed:
        request = get(connection, request_id)
        assert request is not None
        add_message(connection, request, BOT, texts()[status], now)
    return bool(changed)


def leave(connection: Any, sender_id: str, now: Optional[float] = None) -> Optional[Request]:
    """The family left with the quick exit: its open request (waiting or taken) ends LEFT and
    the conversation says so to the staff member. The request ended, or None when the sender
    had none open (already ended, expired or never made)."""
    now = time.time() if now is None else now
    found = active(connection, sender_id, now)
    if found is None or not finish(connection, found.id, LEFT, now):
        return None
    return get(connection, found.id)


def add_message(
    connection: Any, request: Request, author: str, text: str, now: Optional[float] = None
) -> int:
    """Stores a message of the handed-over conversation (a family's text masked)."""
    text = text.strip()[:MAX_TEXT_LENGTH]
    if author == FAMILY:
        text = mask_personal_data(text)
    result = connection.execute(
        MESSAGES.insert().values(
            request_id=request.id,
            sender_id=request.sender_id,
            author=author,
            text=text,
            delivered=False,
            timestamp=time.time() if now is None else now,
        )
    )
    return int(result.inserted_primary_key[0])


def _message(row: Any) -> Message:
    return Message(row.id, row.request_id, row.author, row.text, row.timestamp)


def messages_of(connection: Any, request_id: int, after: int = 0) -> List[Message]:
    """The messages of a request after message id `after` (all by default), oldest first."""
    rows = connection.execute(
        sa.select(MESSAGES)
        .where(MESSAGES.c.request_id == request_id, MESSAGES.c.id > after)
        .order_by(MESSAGES.c.id)
    ).fetchall()
    return [_message(row) for row in rows]


def messages_for_family(connection: Any, sender_id: str, after: int = 0) -> List[Message]:
    """What staff (and the bot about the handover) told the sender after message id `after`."""
    rows = connection.execute(
        sa.select(MESSAGES)
        .where(
            MESSAGES.c.sender_id == sender_id,
            MESSAGES.c.author != FAMILY,
            MESSAGES.c.id > after,
        )
        .order_by(MESSAGES.c.id)
    ).fetchall()
    return [_message(row) for row in rows]


def undelivered(connection: Any, channel: str) -> List[Tuple[str, Message]]:
    """(sender, message) not yet sent to the families of `channel`, oldest first."""
    rows = connection.execute(
        sa.select(MESSAGES)
        .join(REQUESTS, REQUESTS.c.id == MESSAGES.c.request_id)
        .where(
            REQUESTS.c.channel == channel,
            MESSAGES.c.author != FAMILY,
            MESSAGES.c.delivered.is_(False),
        )
        .order_by(MESSAGES.c.id)
    ).fetchall()
    return [(row.sender_id, _message(row)) for row in rows]


def mark_delivered(connection: Any, message_id: int) -> None:
    connection.execute(MESSAGES.update().where(MESSAGES.c.id == message_id).values(delivered=True))


def requests(
    connection: Any, statuses: Tuple[str, ...], since: float = 0.0, limit: int = 200
) -> List[Request]:
    """Requests with one of `statuses` made after `since`, newest first."""
    rows = connection.execute(
        sa.select(REQUESTS)
        .where(REQUESTS.c.status.in_(statuses), REQUESTS.c.timestamp >= since)
        .order_by(REQUESTS.c.id.desc())
        .limit(limit)
    ).fetchall()
    return [_request(row) for row in rows]


def request_counts(connection: Any, since: float) -> List[Tuple[str, Optional[str], float, bool]]:
    """(sender, region, made, taken) of every request made after `since`, for the statistics."""
    if not sa.inspect(connection).has_table(REQUESTS.name):
        return []
    rows = connection.execute(
        sa.select(
            REQUESTS.c.sender_id, REQUESTS.c.region, REQUESTS.c.timestamp, REQUESTS.c.taken_at
        ).where(REQUESTS.c.timestamp >= since)
    ).fetchall()
    return [(s, r, t, taken is not None) for s, r, t, taken in rows]


# -- addresses of channels that cannot be polled -------------------------------------------------


def _open_or_unsent(channel: str) -> sa.sql.Select:
    """The senders of `channel` with an open request or a staff message not yet sent."""
    open_senders = sa.select(REQUESTS.c.sender_id).where(
        REQUESTS.c.channel == channel, REQUESTS.c.status.in_(ACTIVE)
    )
    unsent = (
        sa.select(MESSAGES.c.sender_id)
        .join(REQUESTS, REQUESTS.c.id == MESSAGES.c.request_id)
        .where(
            REQUESTS.c.channel == channel,
            MESSAGES.c.author != FAMILY,
            MESSAGES.c.delivered.is_(False),
        )
    )
    return sa.union(open_senders, unsent)


def senders_to_reach(connection: Any, channel: str) -> List[str]:
    """Senders of `channel` whose address must be kept: an open request or unsent messages."""
    return sorted(row[0] for row in connection.execute(_open_or_unsent(channel)))


def addresses(connection: Any, channel: str) -> Dict[str, str]:
    """sender -> the stored (encrypted) address of every kept sender of `channel`."""
    rows = connection.execute(
        sa.select(ADDRESSES.c.sender_id, ADDRESSES.c.address).where(ADDRESSES.c.channel == channel)
    ).fetchall()
    return {sender: address for sender, address in rows}


def keep_address(
    connection: Any, sender_id: str, channel: str, address: str, now: Optional[float] = None
) -> None:
    connection.execute(ADDRESSES.delete().where(ADDRESSES.c.sender_id == sender_id))
    connection.execute(
        ADDRESSES.insert().values(
            sender_id=sender_id,
            channel=channel,
            address=address,
            timestamp=time.time() if now is None else now,
        )
    )


def forget_addresses(connection: Any, channel: str) -> int:
    """Deletes the addresses of `channel` nobody needs any more (request ended, all sent)."""
    return connection.execute(
        ADDRESSES.delete().where(
            ADDRESSES.c.channel == channel,
            ADDRESSES.c.sender_id.not_in(sa.select(_open_or_unsent(channel).subquery().c[0])),
        )
    ).rowcount
