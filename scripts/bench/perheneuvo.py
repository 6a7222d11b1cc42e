"""Perheneuvo's servers as `make run` starts them (bot.launcher.Stack), under load."""

from __future__ import annotations

import secrets
import time
from pathlib import Path
from typing import Any, Dict

from bot.launcher import Stack
from bot.probes import free_ports
from bot.settings import Settings
from scripts.bench.common import PERHENEUVO_MESSAGES, BenchError, log, tail
from scripts.bench.load import measure_load
from scripts.bench.processes import Descendants, memory_mb


def bench_perheneuvo(
    model: Path, work: Path, counts: Dict[str, int], ready_timeout: float
) -> Dict[str, Any]:
    rasa_port, actions_port = free_ports(2)
    logs = work / "logs-perheneuvo"
    stack = Stack(
        Settings(
            rasa_port=rasa_port,
            actions_port=actions_port,
            model=model,
            tracker_db=logs / "conversations.db",
            api_token=secrets.token_hex(16),
        ),
        log_dir=logs,
    )
    descendants = Descendants()
    try:
        log(f"perheneuvo: starting actions on {actions_port}, rasa on {rasa_port}")
        start = time.monotonic()
        try:
            stack.start(timeout=ready_timeout, web=False, telegram=False)
        except (RuntimeError, TimeoutError, OSError) as error:
            raise BenchError(
                f"Perheneuvo did not start within {ready_timeout:.0f} s: {error}\n"
                + "\n".join(f"--- {p.name}:\n{tail(p)}" for p in sorted(logs.glob("*.log")))
            ) from error
        startup = time.monotonic() - start
        log(f"perheneuvo: up in {startup:.1f} s")
        for process in stack.processes.values():
            descendants.note(process.pid)
        figures = measure_load(stack.rasa_url, PERHENEUVO_MESSAGES, counts, "perheneuvo")
        rasa_memory = memory_mb(stack.processes["rasa"].pid)
        actions_memory = memory_mb(stack.processes["actions"].pid)
        for process in stack.processes.values():
            descendants.note(process.pid)
        return {
            "startup_s": round(startup, 2),
            **figures,
            "rasa_rss_mb": rasa_memory["rss_mb"],
            "rasa_peak_rss_mb": rasa_memory["peak_rss_mb"],
            "rasa_processes": rasa_memory["processes"],
            "actions_rss_mb": actions_memory["rss_mb"],
            "actions_peak_rss_mb": actions_memory["peak_rss_mb"],
        }
    finally:
        log("perheneuvo: stopping")
        for process in stack.processes.values():
            descendants.note(process.pid)
        stack.stop()
        descendants.end_stragglers()
