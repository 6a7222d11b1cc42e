"""`make inbox`: the messages of the last days that the bot could not answer, with personal
data masked, similar ones grouped (most frequent first), each group with the topic the model
thinks is closest.

A user message counts when the bot answered it with its fallback (the message was parsed as
`nlu_fallback`, or the next action was a rephrase request, the default reply or the
out-of-scope reply), or when the intent or the FAQ answer was chosen with less confidence
than the threshold. The conversation store (Rasa's SQL tracker store, `events` table) is read
directly and read-only (an SQLite file, or any SQLAlchemy URL such as PostgreSQL's).
Texts are masked as they are read; nothing unmasked is printed or kept.
The closest topic comes from the running bot (POST /model/parse), so it always reflects the
model in use; if the bot is not running, the prediction stored with the message is used.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import json
import time
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple

import requests
import sqlalchemy

from bot.constants import FALLBACK_INTENT, STAFF_SENDER_PREFIX
from knowledge_base.finnish import analyses, fold, words
from staff.masking import Masker, placeholder_pattern, public_words
from staff.messages import say
from staff.project import Project
from staff.safe_write import atomic_write

DEFAULT_DAYS = 14
DEFAULT_THRESHOLD = 0.5
# Messages whose content words overlap at least this much (Jaccard) are one group.
GROUP_SIMILARITY = 0.5
OUT_OF_SCOPE = "out_of_scope"
FALLBACK_ACTIONS = {
    "action_ask_rephrase",
    "utter_ask_rephrase",
    "utter_ask_rephrase_plain",
    "utter_default",
    "action_default_fallback",
}
OUT_OF_SCOPE_ACTIONS = {"utter_out_of_scope"}
# Word classes that carry no topic ("mikä", "ja", "ei", ...); "olla" is everywhere too.
FUNCTION_CLASSES = {"asemosana", "sidesana", "suhdesana", "kieltosana", "huudahdussana"}
FUNCTION_LEMMAS = {"olla"}
PARSE_TIMEOUT = 10
DAY = 86400
# What reading the conversation store raises when it is missing or not a store.
STORE_ERRORS = (FileNotFoundError, sqlalchemy.exc.SQLAlchemyError)
STATE_FILE = "staff-inbox.json"

Parse = Dict[str, Any]


@dataclasses.dataclass
class Unanswered:
    text: str  # masked
    timestamp: float
    # "fallback", "out_of_scope" or "low_confidence"; another source adds its own reason
    # (families' "not helpful" feedback: "unhelpful", with an inbox.reason text)
    reason: str
    stored_parse: Parse  # the prediction stored with the message, texts masked
    # what else staff should read with it: the family's comment on an unhelpful answer (masked)
    note: str = ""


# Where messages for the inbox come from: given the earliest time and the masker, the
# messages, masked. The conversation store is one (store_source); feedback can be another.
MessageSource = Callable[[float, Masker], List[Unanswered]]


@dataclasses.dataclass
class Group:
    number: int
    messages: List[Unanswered]
    topic: str = ""
    confidence: float = 0.0

    @property
    def texts(self) -> List[Tuple[str, int]]:
        """Distinct texts with their counts, most frequent first."""
        return collections.Counter(m.text for m in self.messages).most_common()

    @property
    def representative(self) -> str:
        return self.texts[0][0]

    @property
    def reasons(self) -> List[str]:
        return sorted({m.reason for m in self.messages})

    @property
    def notes(self) -> List[str]:
        """The families' comments on the group's messages, newest first, each once."""
        ordered = sorted(self.messages, key=lambda m: -m.timestamp)
        return list(dict.fromkeys(m.note for m in ordered if m.note))


# -- reading the conversation store -------------------------------------------------------


def store_url(db: str) -> str:
    """A SQLAlchemy URL: given as such (PostgreSQL in production), or an SQLite file opened
    read-only."""
    if "://" in db:
        return db
    if not Path(db).exists():
        raise FileNotFoundError(db)
    return f"sqlite:///file:{Path(db).resolve()}?mode=ro&uri=true"


def store_source(db: str, threshold: float = DEFAULT_THRESHOLD) -> MessageSource:
    """The conversation store's messages the bot could not answer or was unsure of."""
    return lambda since, masker: read_unanswered(db, since, threshold, masker)


def feedback_source(db: str) -> MessageSource:
    """The messages whose answers families marked "not helpful" (bot/feedback.py), with
    their comments; nothing while the store has no feedback table yet."""
    return lambda since, masker: read_not_helpful(db, since, masker)


def read_not_helpful(db: str, since: float, masker: Masker) -> List[Unanswered]:
    engine = sqlalchemy.create_engine(store_url(db))
    try:
        if not sqlalchemy.inspect(engine).has_table("feedback"):
            return []
        with engine.connect() as connection:
            rows = connection.execute(
                sqlalchemy.text(
                    "SELECT question, timestamp, comment, parse FROM feedback "
                    "WHERE rating = 'not_helpful' AND timestamp >= :since ORDER BY id"
                ),
                {"since": since},
            ).fetchall()
    finally:
        engine.dispose()
    found = []
    for question, timestamp, comment, parse in rows:
        text = (question or "").strip()
        if not text:
            continue
        found.append(
            Unanswered(
                masker.mask(text),
                float(timestamp or 0),
                "unhelpful",
                _masked_parse(json.loads(parse) if parse else {}),
                masker.mask(comment) if comment else "",
            )
        )
    return found


def read_unanswered(db: str, since: float, threshold: float, masker: Masker) -> List[Unanswered]:
    engine = sqlalchemy.create_engine(store_url(db))
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                sqlalchemy.text(
                    "SELECT sender_id, type_name, timestamp, action_name, data FROM events "
                    "WHERE type_name IN ('user', 'action') AND timestamp >= :since "
                    "AND sender_id NOT LIKE :staff ORDER BY id"
                ),
                {"since": since, "staff": STAFF_SENDER_PREFIX + "%"},
            ).fetchall()
    finally:
        engine.dispose()
    found: List[Unanswered] = []
    pending: Dict[str, Tuple[Dict[str, Any], List[str]]] = {}

    def close(sender: str) -> None:
        if sender in pending:
            event, actions = pending.pop(sender)
            item = _unanswered(event, actions, threshold, masker)
            if item:
                found.append(item)

    for sender, kind, _timestamp, action, data in rows:
        if kind == "user":
            close(sender)
            pending[sender] = (json.loads(data), [])
        elif sender in pending:
            if action == "action_listen":
                close(sender)
            else:
                pending[sender][1].append(action)
    for sender in list(pending):
        close(sender)
    return found


def _unanswered(
    event: Dict[str, Any], actions: List[str], threshold: float, masker: Masker
) -> Optional[Unanswered]:
    text = (event.get("text") or "").strip()
    if not text or text.startswith("/"):  # button payloads are not typed questions
        return None
    parse = event.get("parse_data") or {}
    reason = why_unanswered(parse, actions, threshold)
    if not reason:
        return None
    return Unanswered(
        masker.mask(text), float(event.get("timestamp") or 0), reason, _masked_parse(parse)
    )


def why_unanswered(parse: Parse, actions: List[str], threshold: float) -> Optional[str]:
    intent = parse.get("intent") or {}
    if intent.get("name") == FALLBACK_INTENT or FALLBACK_ACTIONS & set(actions):
        return "fallback"
    if intent.get("name") == OUT_OF_SCOPE or OUT_OF_SCOPE_ACTIONS & set(actions):
        return "out_of_scope"
    if float(intent.get("confidence") or 0) < threshold:
        return "low_confidence"
    if intent.get("name") == "faq" and _selector(parse).get("confidence", 0.0) < threshold:
        return "low_confidence"
    return None


def _selector(parse: Parse) -> Dict[str, Any]:
    return ((parse.get("response_selector") or {}).get("faq") or {}).get("response") or {}


def _masked_parse(parse: Parse) -> Parse:
    """Only what the closest topic needs: no texts."""
    return {
        "intent": parse.get("intent") or {},
        "intent_ranking": parse.get("intent_ranking") or [],
        "response_selector": {
            "faq": {
                "response": {
                    k: v
                    for k, v in _selector(parse).items()
                    if k in ("intent_response_key", "confidence")
                }
            }
        },
    }


# -- grouping -----------------------------------------------------------------------------


def content_lemmas(text: str) -> frozenset:
    """The message's content words in base form, without ä/ö and mask labels."""
    labels = placeholder_pattern()
    lemmas = set()
    for word, _start, _end in words(labels.sub(" ", text)):
        found = analyses(word)
        if any(cls in FUNCTION_CLASSES for _b, cls in found):
            continue
        lemma = fold(found[0][0]) if found else fold(word)
        if lemma not in FUNCTION_LEMMAS:
            lemmas.add(lemma)
    return frozenset(lemmas)


def similarity(a: frozenset, b: frozenset) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0


def message_key(text: str) -> str:
    """The same message however it was capitalised or spaced (ä/ö folded too)."""
    return " ".join(fold(text).split())


def group_messages(messages: Iterable[Unanswered]) -> List[Group]:
    """Similar messages together, the largest group first; a message joins the first group
    whose first message it resembles."""
    by_text: Dict[str, List[Unanswered]] = collections.defaultdict(list)
    for message in messages:
        by_text[message_key(message.text)].append(message)
    leaders: List[Tuple[frozenset, List[Unanswered]]] = []
    for same in sorted(by_text.values(), key=len, reverse=True):
        lemmas = content_lemmas(same[0].text)
        for leader, members in leaders:
            if similarity(lemmas, leader) >= GROUP_SIMILARITY:
                members.extend(same)
                break
        else:
            leaders.append((lemmas, list(same)))
    ordered = sorted(leaders, key=lambda item: (-len(item[1]), -max(m.timestamp for m in item[1])))
    return [Group(number, members) for number, (_lemmas, members) in enumerate(ordered, 1)]


# -- the closest topic ----------------------------------------------------------------------


def closest_topic(parse: Parse) -> Tuple[str, float]:
    """The topic the model ranks highest after its fallback: an FAQ topic (by the answer
    selector) or another intent such as out_of_scope or ask_contact."""
    ranking = [r for r in parse.get("intent_ranking") or [] if r.get("name") != FALLBACK_INTENT]
    best = ranking[0] if ranking else parse.get("intent") or {}
    if best.get("name") == "faq":
        selected = _selector(parse)
        key = selected.get("intent_response_key") or "faq/?"
        return key.split("/", 1)[1], float(selected.get("confidence") or 0)
    return best.get("name") or "?", float(best.get("confidence") or 0)


def server_parser(url: str, token: str) -> Callable[[str], Optional[Parse]]:
    """Parses texts with the running bot; None once the bot does not answer."""
    reachable = True

    def parse(text: str) -> Optional[Parse]:
        nonlocal reachable
        if not reachable:
            return None
        try:
            reply = requests.post(
                f"{url}/model/parse",
                params={"token": token},
                json={"text": text},
                timeout=PARSE_TIMEOUT,
            )
            reply.raise_for_status()
            return reply.json()
        except (requests.RequestException, ValueError):
            reachable = False
            return None

    return parse


def add_topics(groups: List[Group], parse: Callable[[str], Optional[Parse]]) -> bool:
    """Sets each group's closest topic; False when the stored predictions had to be used."""
    live = True
    for group in groups:
        result = parse(group.representative)
        if result is None:
            live = False
            result = group.messages[0].stored_parse
        group.topic, group.confidence = closest_topic(result)
    return live


# -- the whole inbox ------------------------------------------------------------------------


@dataclasses.dataclass
class Inbox:
    groups: List[Group]
    live: bool  # the closest topics came from the running bot (not the stored predictions)


def collect(
    project: Project,
    sources: Iterable[MessageSource],
    parse: Callable[[str], Optional[Parse]],
    since: float,
    keep: Callable[[Unanswered], bool] = lambda message: True,
) -> Inbox:
    """The messages of every source since `since`, masked, those `keep` accepts grouped, each
    group with its closest topic. Raises what a source raises when it cannot be read."""
    masker = Masker(public_words(project.knowledge_dir))
    messages = [m for source in sources for m in source(since, masker) if keep(m)]
    groups = group_messages(messages)
    live = add_topics(groups, parse)
    return Inbox(groups, live)


# -- the command ----------------------------------------------------------------------------


def run(
    project: Project,
    db: str,
    url: str,
    token: str,
    days: int = DEFAULT_DAYS,
    threshold: float = DEFAULT_THRESHOLD,
    now: Optional[float] = None,
) -> int:
    now = now if now is not None else time.time()
    try:
        inbox = collect(
            project,
            [store_source(db, threshold), feedback_source(db)],
            server_parser(url, token),
            now - days * DAY,
        )
    except STORE_ERRORS:
        print(say("inbox.no_store", db=db))
        return 1
    print(render(inbox.groups, days, now, inbox.live))
    save_groups(project, inbox.groups, now)
    return 0


def render(groups: List[Group], days: int, now: float, live: bool) -> str:
    start = dt.date.fromtimestamp(now) - dt.timedelta(days=days)
    lines = [
        say(
            "inbox.header",
            days=days,
            start=f"{start.day}.{start.month}.{start.year}",
            groups=len(groups),
            messages=sum(len(g.messages) for g in groups),
        )
    ]
    if not groups:
        lines.append(say("inbox.empty"))
        return "\n".join(lines)
    if not live:
        lines.append(say("inbox.stored_topics"))
    for group in groups:
        reasons = ", ".join(say(f"inbox.reason.{r}") for r in group.reasons)
        lines.append("")
        lines.append(
            say(
                "inbox.group",
                number=group.number,
                count=len(group.messages),
                topic=group.topic,
                percent=round(group.confidence * 100),
                reasons=reasons,
            )
        )
        for text, count in group.texts:
            lines.append(say("inbox.message", text=text) + (f" (×{count})" if count > 1 else ""))
        for note in group.notes:
            lines.append(say("inbox.note", text=note))
    lines.append("")
    first = groups[0]
    lines.append(say("inbox.how_to_add", number=first.number, topic=first.topic))
    return "\n".join(lines)


def save_groups(project: Project, groups: List[Group], now: float) -> None:
    """Keeps the masked groups for `make inbox-add RYHMA=n` (readable by the owner only)."""
    project.var_dir.mkdir(parents=True, exist_ok=True)
    state = {
        "made": now,
        "groups": [
            {
                "number": g.number,
                "text": g.representative,
                "topic": g.topic,
                "count": len(g.messages),
            }
            for g in groups
        ],
    }
    atomic_write(
        project.var_dir / STATE_FILE, json.dumps(state, ensure_ascii=False, indent=1), mode=0o600
    )


def saved_group(project: Project, number: int) -> Optional[Dict[str, Any]]:
    path = project.var_dir / STATE_FILE
    if not path.exists():
        return None
    state = json.loads(path.read_text(encoding="utf-8"))
    return next((g for g in state["groups"] if g["number"] == number), None)
