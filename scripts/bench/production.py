"""The production profile (`python -m deploy`) under load through nginx."""

from __future__ import annotations

import asyncio
import time
from typing import Any, Dict

from scripts.bench.common import CONCURRENT_CONVERSATIONS, PERHENEUVO_MESSAGES, BenchError, log
from scripts.bench.processes import Descendants, OtherCpu, memory_mb


def bench_production(counts: Dict[str, int], ready_timeout: float) -> Dict[str, Any]:
    """The production profile (`python -m deploy`: PostgreSQL, Redis, 2 Rasa servers and the
    action server behind nginx) with no fault: start-up, then 100 concurrent conversations x
    10 messages through nginx (the load of `make test-production`), then the same concurrent
    load as the single-server figures; latency from the first attempt to the answer."""
    from deploy.harness import Conversations, LocalProfile, figures  # PostgreSQL, Redis: late

    profile = LocalProfile(rasa_servers=2)
    descendants = Descendants()
    try:
        log("production: starting python -m deploy (2 Rasa servers)")
        try:
            startup = profile.start(timeout=ready_timeout)
        except (RuntimeError, TimeoutError) as error:
            raise BenchError(f"the production profile did not start: {error}") from error
        log(f"production: up in {startup:.1f} s")
        if profile.process:
            descendants.note(profile.process.pid)
        warmup = Conversations(profile.url, 1, PERHENEUVO_MESSAGES, "bench-warmup")
        asyncio.run(warmup.run())
        result: Dict[str, Any] = {"startup_s": round(startup, 1)}
        loads = {
            "hundred": (100, len(PERHENEUVO_MESSAGES)),
            "concurrent": (CONCURRENT_CONVERSATIONS, counts["messages_each"]),
        }
        for name, (conversations, each) in loads.items():
            log(f"production: {conversations} concurrent conversations x {each} messages")
            messages = [PERHENEUVO_MESSAGES[i % len(PERHENEUVO_MESSAGES)] for i in range(each)]
            load = Conversations(profile.url, conversations, messages, f"bench-{name}")
            watch = OtherCpu()
            start = time.perf_counter()
            asyncio.run(load.run())
            wall = time.perf_counter() - start
            result[name] = {
                "conversations": conversations,
                "messages_each": each,
                **figures(list(load.answers.values()), wall),
                "retries": sum(load.retries.values()),
                "failed": len(load.failures),
                "other_cpu_pct": watch.percent(),
            }
        pids = [profile.pid(f"rasa-{n + 1}") for n in range(profile.settings.rasa_servers)]
        result["rasa_rss_mb"] = [memory_mb(pid)["rss_mb"] for pid in pids if pid]
        if profile.process:
            descendants.note(profile.process.pid)
        return result
    finally:
        log("production: stopping")
        profile.stop()
        descendants.end_stragglers()
        profile.remove()


def print_production(figures: Dict[str, Any]) -> None:
    print(
        "\nProduction profile (python -m deploy: nginx, 2 Rasa servers, PostgreSQL, Redis; "
        "no fault):"
    )
    print(f"  start-up until every server answers: {figures['startup_s']:.1f} s")
    for name in ("hundred", "concurrent"):
        f = figures[name]
        print(
            f"  {f['conversations']} concurrent x {f['messages_each']} msgs through nginx: "
            f"p50 {f.get('p50_ms')} ms, p95 {f.get('p95_ms')} ms, {f['msgs_per_s']} msg/s "
            f"({f['retries']} retries, {f['failed']} failed, other processes' CPU "
            f"{f['other_cpu_pct']} %)"
        )
    sizes = " + ".join(f"{mb:.0f}" for mb in figures["rasa_rss_mb"])
    print(f"  Rasa servers' RSS after the load: {sizes} MB")
