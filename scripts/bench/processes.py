"""Memory and CPU of process trees, read from /proc; ending stragglers a server left behind."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple


def _stat(pid: int) -> Optional[Tuple[int, int]]:
    """(parent pid, start time in clock ticks) of a process, None if it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()  # the name in (...) may contain spaces
    return int(fields[1]), int(fields[19])


def _cpu_ticks(pid: int) -> int:
    """User + system CPU time of one process (its own threads, not its children), in ticks."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0
    fields = text[text.rindex(")") + 2 :].split()
    return int(fields[11]) + int(fields[12])


def _busy_ticks() -> int:
    """CPU time spent by the whole machine, all cores, in ticks (from /proc/stat)."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return sum(values) - values[3] - values[4]  # all but idle and iowait


class OtherCpu:
    """How busy the machine was with processes other than this run's during a measurement.

    Other work on a 2-core machine skews latencies, so every load figure carries the share
    of the machine's CPU capacity (all cores) that processes outside this run used meanwhile.
    """

    def __init__(self) -> None:
        self.ours = process_tree(os.getpid())  # the bench and everything it started
        self.start = time.monotonic()
        self.busy = _busy_ticks()
        self.own = sum(_cpu_ticks(p) for p in self.ours)

    def percent(self) -> float:
        wall = time.monotonic() - self.start
        other = (_busy_ticks() - self.busy) - (sum(_cpu_ticks(p) for p in self.ours) - self.own)
        capacity = wall * (os.cpu_count() or 1) * os.sysconf("SC_CLK_TCK")
        return round(max(0.0, 100.0 * other / capacity), 1) if capacity > 0 else 0.0


def process_tree(pid: int) -> List[int]:
    """`pid` and all its descendants."""
    children: Dict[int, List[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            stat = _stat(int(entry))
            if stat:
                children.setdefault(stat[0], []).append(int(entry))
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo.extend(children.get(current, []))
    return tree


def _status_kb(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def memory_mb(pid: int) -> Dict[str, Any]:
    """VmRSS of the process and its descendants in MB (VmHWM summed likewise, as 'peak')."""
    tree = process_tree(pid)
    return {
        "rss_mb": round(sum(_status_kb(p, "VmRSS") for p in tree) / 1024, 1),
        "peak_rss_mb": round(sum(_status_kb(p, "VmHWM") for p in tree) / 1024, 1),
        "processes": len(tree),
    }


class Descendants:
    """Remembers the processes under a root, to end stragglers after the root has stopped.

    Only a process with the same pid *and* start time is ended, so a reused pid is left alone.
    """

    def __init__(self) -> None:
        self.known: Dict[int, int] = {}

    def note(self, pid: int) -> None:
        for p in process_tree(pid):
            stat = _stat(p)
            if stat:
                self.known[p] = stat[1]

    def end_stragglers(self) -> None:
        for pid, started in self.known.items():
            stat = _stat(pid)
            if stat and stat[1] == started:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
