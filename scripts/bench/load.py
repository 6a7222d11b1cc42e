"""Load through the REST channel: one user in sequence, and many conversations at once;
latency figures of what was answered."""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from typing import Any, Dict, List, Sequence

import aiohttp

from bot.stats import percentile
from scripts.bench.common import (
    CONCURRENT_CONVERSATIONS,
    REQUEST_TIMEOUT_S,
    WARMUP_MESSAGES,
    BenchError,
    log,
)
from scripts.bench.processes import OtherCpu


class Load:
    """Latencies of the answered requests and counts of what went wrong."""

    def __init__(self) -> None:
        self.latencies_ms: List[float] = []
        self.errors = 0  # timeout, connection error or status other than 200
        self.no_text = 0  # status 200 but no text in the answer
        self.first_error = ""

    async def conversation(
        self,
        session: aiohttp.ClientSession,
        url: str,
        sender: str,
        messages: Sequence[str],
        count: int,
        offset: int,
        record: bool = True,
    ) -> None:
        for i in range(count):
            body = {"sender": sender, "message": messages[(offset + i) % len(messages)]}
            start = time.perf_counter()
            try:
                async with session.post(url, json=body) as reply:
                    raw = await reply.read()
                    status = reply.status
            except (aiohttp.ClientError, asyncio.TimeoutError) as error:
                self.errors += 1
                self.first_error = self.first_error or f"{type(error).__name__}: {error}"
                continue
            elapsed_ms = (time.perf_counter() - start) * 1000
            if status != 200:
                self.errors += 1
                self.first_error = self.first_error or f"HTTP {status}: {raw[:200]!r}"
                continue
            if not record:
                continue
            self.latencies_ms.append(elapsed_ms)
            try:
                answer = json.loads(raw)
            except ValueError:
                answer = None
            if not (
                isinstance(answer, list)
                and any(isinstance(m, dict) and m.get("text") for m in answer)
            ):
                self.no_text += 1


def _session(connections: int) -> aiohttp.ClientSession:
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=connections + 2),
        timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S),
    )


def _latency_figures(load: Load) -> Dict[str, Any]:
    values = load.latencies_ms
    figures: Dict[str, Any] = {
        "answered": len(values),
        "errors": load.errors,
        "no_text": load.no_text,
    }
    if values:
        figures.update(
            p50_ms=round(statistics.median(values), 1),
            p95_ms=round(percentile(values, 95), 1),
            mean_ms=round(statistics.fmean(values), 1),
            max_ms=round(max(values), 1),
        )
    if load.first_error:
        figures["first_error"] = load.first_error
    return figures


async def single_user(url: str, messages: Sequence[str], count: int, sender: str) -> Dict[str, Any]:
    load = Load()
    async with _session(1) as session:
        warmup = Load()
        await warmup.conversation(session, url, sender, messages, WARMUP_MESSAGES, 0, record=False)
        if warmup.errors == WARMUP_MESSAGES:
            raise BenchError(f"every warm-up message failed at {url}: {warmup.first_error}")
        watch = OtherCpu()
        await load.conversation(session, url, sender, messages, count, WARMUP_MESSAGES)
    figures = {
        "messages": count,
        "warmup": WARMUP_MESSAGES,
        **_latency_figures(load),
        "other_cpu_pct": watch.percent(),
    }
    # The conversation grows with every message, and so does Rasa's work per message:
    # the first and last quarters show by how much.
    quarter = len(load.latencies_ms) // 4
    if quarter:
        figures["p50_first_quarter_ms"] = round(statistics.median(load.latencies_ms[:quarter]), 1)
        figures["p50_last_quarter_ms"] = round(statistics.median(load.latencies_ms[-quarter:]), 1)
    return figures


async def concurrent(
    url: str, messages: Sequence[str], conversations: int, each: int, prefix: str
) -> Dict[str, Any]:
    load = Load()
    async with _session(conversations) as session:
        watch = OtherCpu()
        start = time.perf_counter()
        await asyncio.gather(
            *(
                load.conversation(session, url, f"{prefix}-{n:02d}", messages, each, n)
                for n in range(conversations)
            )
        )
        wall = time.perf_counter() - start
    return {
        "conversations": conversations,
        "messages_each": each,
        **_latency_figures(load),
        "wall_s": round(wall, 2),
        "msgs_per_s": round(len(load.latencies_ms) / wall, 1) if wall > 0 else None,
        "other_cpu_pct": watch.percent(),
    }


def measure_load(
    rasa_url: str, messages: Sequence[str], counts: Dict[str, int], prefix: str
) -> Dict[str, Any]:
    url = f"{rasa_url}/webhooks/rest/webhook"
    log(f"{prefix}: single user, {WARMUP_MESSAGES} warm-up + {counts['single']} messages")
    single = asyncio.run(single_user(url, messages, counts["single"], f"{prefix}-single"))
    log(
        f"{prefix}: {CONCURRENT_CONVERSATIONS} concurrent conversations x "
        f"{counts['messages_each']} messages"
    )
    parallel = asyncio.run(
        concurrent(
            url, messages, CONCURRENT_CONVERSATIONS, counts["messages_each"], f"{prefix}-conc"
        )
    )
    return {"single": single, "concurrent": parallel}
