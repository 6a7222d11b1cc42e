"""The knowledge base as the running bot sees it: a changed file reaches the next message.

Every process that answers families (the Rasa server's NLU components, the action server)
asks `current()` for each message. That costs a stat() of each file; only when a file's
modification time, size or inode changed, or a file was written in the last two seconds
(two writes within one clock tick can leave the same time and size), are the files read, and
only when their bytes changed are they validated again. A change is
taken into use all or nothing: files with an error never replace the knowledge in force (the
bot goes on answering from the last good version and logs each problem), and the next good
version is taken as soon as the files are fixed. Staff see the same problems with `make check`.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import os
import threading
import time
from pathlib import Path
from typing import List, Optional, Tuple

from knowledge_base.base import KnowledgeBase
from knowledge_base.loading import build, knowledge_dir
from knowledge_base.problems import KnowledgeBaseError, Problem, say
from knowledge_base.validation import FILES, read_texts, validate_texts, version_of

log = logging.getLogger(__name__)

Stamp = Tuple[Tuple[int, int, int], ...]
RECENT_NS = 2_000_000_000


def _recent(stamp: Stamp) -> bool:
    return max(mtime for mtime, _size, _inode in stamp) > time.time_ns() - RECENT_NS


class LiveKnowledge:
    """The knowledge of one directory, reloaded when its files change."""

    def __init__(self, directory: Optional[Path] = None):
        self.directory = knowledge_dir(directory)
        self._lock = threading.Lock()
        self._stamp = self._read_stamp()
        validated = validate_texts(read_texts(self.directory))
        # A broken knowledge base at start-up stops the process: there is no good version yet.
        self._current = build(validated)
        self.loaded_at = dt.datetime.now(dt.timezone.utc)
        self.rejected: Optional[str] = None  # the version on disk that was not taken into use
        self.problems: List[Problem] = []  # why it was not

    @property
    def version(self) -> str:
        return self._current.version

    def current(self) -> KnowledgeBase:
        """The knowledge in force, after taking a changed directory into use if it is valid."""
        stamp = self._read_stamp()
        if stamp != self._stamp or _recent(stamp):
            with self._lock:
                self._refresh(stamp)
        return self._current

    def _refresh(self, stamp: Stamp) -> None:
        texts = read_texts(self.directory)
        if self._read_stamp() != stamp:
            return  # a file is being written right now: look again at the next message
        self._stamp = stamp
        version = version_of(texts)
        if version in (self._current.version, self.rejected):
            return
        validated = validate_texts(texts)
        try:
            knowledge = build(validated)
        except KnowledgeBaseError as error:
            self.rejected, self.problems = validated.version, error.problems
            log.error(
                "%s (%s, versio %s)", say("knowledge.not_in_use"), self.directory, validated.version
            )
            for problem in error.problems:
                log.error("knowledge/%s", problem)
            return
        self._current, self.loaded_at = knowledge, dt.datetime.now(dt.timezone.utc)
        self.rejected, self.problems = None, []
        log.info("Knowledge base version %s is now in use (%s)", knowledge.version, self.directory)

    def status(self) -> dict:
        """What this process serves, for `make reload` and the staff console."""
        return {
            "knowledge_version": self.version,
            "knowledge_loaded_at": self.loaded_at.isoformat(timespec="seconds"),
            "knowledge_rejected_version": self.rejected,
            "knowledge_problems": [str(p) for p in self.problems],
        }

    def _read_stamp(self) -> Stamp:
        stamps = []
        for name in FILES:
            try:
                info = os.stat(self.directory / name)
                stamps.append((info.st_mtime_ns, info.st_size, info.st_ino))
            except FileNotFoundError:
                stamps.append((0, -1, 0))
        return tuple(stamps)


@functools.lru_cache(maxsize=None)
def _live(directory: Path) -> LiveKnowledge:
    return LiveKnowledge(directory)


def live(directory: Optional[Path] = None) -> LiveKnowledge:
    """The process's one LiveKnowledge for `directory` (default: PERHENEUVO_KNOWLEDGE_DIR or
    the project's knowledge/)."""
    return _live(knowledge_dir(directory).resolve())
