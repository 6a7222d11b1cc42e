"""Flood control per chat: a token bucket of `capacity` messages refilled over `period` seconds.

Over the limit, the first message of a flood gets one polite notice and the rest are dropped
silently; a new notice is possible only after the chat has calmed down (its bucket is full
again). Messages within the refill rate keep being answered during a flood."""

from __future__ import annotations

import dataclasses
import enum
import time
from typing import Callable, Dict


class Verdict(enum.Enum):
    ALLOW = "allow"
    NOTIFY = "notify"  # over the limit: tell the family once
    DROP = "drop"  # over the limit, already told


@dataclasses.dataclass
class _Bucket:
    tokens: float
    updated: float
    notified: bool = False


class ChatThrottle:
    def __init__(
        self,
        capacity: int = 5,
        period: float = 10.0,
        max_chats: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.capacity = capacity
        self.rate = capacity / period  # tokens a second
        self.max_chats = max_chats
        self._clock = clock
        self._buckets: Dict[int, _Bucket] = {}

    def check(self, chat_id: int) -> Verdict:
        now = self._clock()
        bucket = self._buckets.get(chat_id)
        if bucket is None:
            self._prune(now)
            bucket = self._buckets[chat_id] = _Bucket(float(self.capacity), now)
        bucket.tokens = min(self.capacity, bucket.tokens + (now - bucket.updated) * self.rate)
        bucket.updated = now
        if bucket.tokens >= self.capacity:
            bucket.notified = False
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return Verdict.ALLOW
        if bucket.notified:
            return Verdict.DROP
        bucket.notified = True
        return Verdict.NOTIFY

    def _prune(self, now: float) -> None:
        """Forgets chats whose bucket has refilled (they are as if new) when there are many."""
        if len(self._buckets) < self.max_chats:
            return
        for chat_id, bucket in list(self._buckets.items()):
            if bucket.tokens + (now - bucket.updated) * self.rate >= self.capacity:
                del self._buckets[chat_id]
