"""Deletes conversations older than the retention period from the conversation store.

    python -m bot.retention [--days 30] [--endpoints endpoints.yml]

Every event older than the period is deleted, so a conversation goes as a whole once its
last message is older. The period comes from --days, else PERHENEUVO_RETENTION_DAYS, else 30.
`make run` and the production profile run this at start and then once a day
(`DailyRetention`); a server without them can run it from cron, e.g.
`15 3 * * * cd /srv/perheneuvo && .venv/bin/python -m bot.retention` (docs/production.md).
"""

from __future__ import annotations

import argparse
import logging
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import IO, Mapping, Optional, Sequence

from bot import quiet_warnings
from bot.constants import DEFAULT_RETENTION_DAYS, RETENTION_INTERVAL_S

ROOT = Path(__file__).resolve().parent.parent
logger = logging.getLogger("perheneuvo.retention")


def retention_days(value: Optional[int] = None) -> int:
    days = (
        value
        if value is not None
        else int(os.environ.get("PERHENEUVO_RETENTION_DAYS", DEFAULT_RETENTION_DAYS))
    )
    if days < 1:
        raise ValueError("the retention period must be at least one day")
    return days


def delete_expired(endpoints: str, days: int, now: Optional[float] = None) -> int:
    """Deletes the events older than `days` days from the store endpoints.yml names."""
    from rasa.core.tracker_store import TrackerStore
    from rasa.core.utils import AvailableEndpoints
    from rasa.shared.core.domain import Domain

    from bot.settings import Settings, endpoint_env
    from bot.tracker_store import PerheneuvoTrackerStore

    for name, value in endpoint_env(Settings.from_env()).items():
        os.environ.setdefault(name, value)
    config = AvailableEndpoints.read_endpoints(endpoints).tracker_store
    store = TrackerStore.create(config, domain=Domain.empty()) if config else None
    if not isinstance(store, PerheneuvoTrackerStore):
        raise RuntimeError(
            f"{endpoints}: tracker_store is not bot.tracker_store."
            f"PerheneuvoTrackerStore, so there is nothing this command can clean"
        )
    cutoff = (now if now is not None else time.time()) - days * 86400
    return store.delete_events_before(cutoff)


class DailyRetention:
    """Runs this module in the background at start and then every `interval` seconds; the
    caller's loop calls `run_when_due()` often (it returns at once)."""

    def __init__(
        self,
        arguments: Sequence[str] = (),
        env: Optional[Mapping[str, str]] = None,
        log_file: Optional[Path] = None,
        interval: float = RETENTION_INTERVAL_S,
    ):
        self.command = [sys.executable, "-m", "bot.retention", *arguments]
        self.env = dict(env) if env is not None else None
        self.log_file = log_file
        self.interval = interval
        self.next_run = 0.0
        self.process: Optional[subprocess.Popen] = None

    def run_when_due(self, now: Optional[float] = None) -> bool:
        """Reaps a finished run; starts a new one when the interval has passed. Whether it
        started one."""
        if self.process is not None and self.process.poll() is not None:
            self.process = None
        now = time.monotonic() if now is None else now
        if now < self.next_run:
            return False
        self.next_run = now + self.interval
        output: Optional[IO[bytes]] = open(self.log_file, "ab") if self.log_file else None
        try:
            self.process = subprocess.Popen(
                self.command,
                cwd=ROOT,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT if output else None,
            )
        finally:
            if output:
                output.close()
        return True


def main(argv: Optional[Sequence[str]] = None) -> int:
    quiet_warnings.install()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=None)
    parser.add_argument("--endpoints", default="endpoints.yml")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    try:
        days = retention_days(args.days)
        deleted = delete_expired(args.endpoints, days)
    except (ValueError, RuntimeError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    logger.info("deleted %d conversation events older than %d days", deleted, days)
    return 0


if __name__ == "__main__":
    sys.exit(main())
