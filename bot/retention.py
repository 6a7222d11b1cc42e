"""Deletes conversations older than the retention period from the conversation store.

    python -m bot.retention [--days 30] [--endpoints endpoints.yml]

Every event older than the period is deleted, so a conversation goes as a whole once its
last message is older. The period comes from --days, else PERHENEUVO_RETENTION_DAYS, else 30.
`make run` runs this at start and then once a day; in production run it from cron, e.g.
`15 3 * * * cd /srv/perheneuvo && .venv/bin/python -m bot.retention` (docs/production.md).
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from typing import Optional, Sequence

DEFAULT_DAYS = 30
logger = logging.getLogger("perheneuvo.retention")


def retention_days(value: Optional[int] = None) -> int:
    days = value if value is not None else int(os.environ.get("PERHENEUVO_RETENTION_DAYS",
                                                              DEFAULT_DAYS))
    if days < 1:
        raise ValueError("the retention period must be at least one day")
    return days


def delete_expired(endpoints: str, days: int, now: Optional[float] = None) -> int:
    """Deletes the events older than `days` days from the store endpoints.yml names."""
    from rasa.core.tracker_store import TrackerStore
    from rasa.core.utils import AvailableEndpoints
    from rasa.shared.core.domain import Domain

    from bot.launcher import Settings, endpoint_env
    from bot.tracker_store import PerheneuvoTrackerStore

    for name, value in endpoint_env(Settings.from_env()).items():
        os.environ.setdefault(name, value)
    config = AvailableEndpoints.read_endpoints(endpoints).tracker_store
    store = TrackerStore.create(config, domain=Domain.empty()) if config else None
    if not isinstance(store, PerheneuvoTrackerStore):
        raise RuntimeError(f"{endpoints}: tracker_store is not bot.tracker_store."
                           f"PerheneuvoTrackerStore, so there is nothing this command can clean")
    cutoff = (now if now is not None else time.time()) - days * 86400
    return store.delete_events_before(cutoff)


def main(argv: Optional[Sequence[str]] = None) -> int:
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
