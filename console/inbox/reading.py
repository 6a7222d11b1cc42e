"""What the inbox shows: staff.inbox's masked, grouped messages (the same reading, masking,
grouping and closest topic as `make inbox`), without those staff have already handled."""

from __future__ import annotations

import dataclasses
import time
from typing import List, Optional

from django.urls import NoReverseMatch, reverse

from console.inbox.models import HandledMessage
from staff import connection
from staff.checks.training_data import normalise, read_training_files
from staff.inbox import (
    DAY,
    STORE_ERRORS,
    Inbox,
    MessageSource,
    collect,
    feedback_source,
    server_parser,
    store_source,
)
from staff.project import Project

DEFAULT_DAYS = 14
MAX_DAYS = 365
# The new-topic page (content:new) takes its first example in this GET parameter.
NEW_TOPIC_PATH = "/aiheet/uusi/"
NEW_TOPIC_EXAMPLE = "esimerkki"


def handled_key(text: str) -> str:
    """A handled message hides every message that differs from it only in case, punctuation
    or spacing: the same rule by which staff.inbox_add finds an example already there."""
    return normalise(text)


def sources() -> List[MessageSource]:
    """Where the inbox's messages come from: the messages the bot could not answer, and those
    whose answers families marked "not helpful" (bot/feedback.py)."""
    db = connection.tracker_db()
    return [store_source(db), feedback_source(db)]


@dataclasses.dataclass
class Reading:
    inbox: Optional[Inbox]  # None: the conversation store could not be read
    days: int


def read_inbox(project: Project, days: int, now: Optional[float] = None) -> Reading:
    now = time.time() if now is None else now
    handled = set(HandledMessage.objects.values_list("key", flat=True))
    try:
        inbox = collect(
            project,
            sources(),
            server_parser(connection.rasa_url(), connection.api_token()),
            now - days * DAY,
            keep=lambda message: handled_key(message.text) not in handled,
        )
    except STORE_ERRORS:
        return Reading(None, days)
    return Reading(inbox, days)


def topics(project: Project) -> List[str]:
    """Every topic an example can be added to: the FAQ topics and the other intents."""
    files, _problems = read_training_files(project)
    return sorted({block.topic for f in files for block in f.blocks})


def new_topic_url() -> str:
    """The new-topic page; its path while that page is not in this console."""
    try:
        return reverse("content:new")
    except NoReverseMatch:
        return NEW_TOPIC_PATH
