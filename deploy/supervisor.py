"""Keeps a set of server processes running: starts them, restarts one that dies (with
back-off) and stops them.

Each process runs in its own process group with its output in <logs>/<name>.log, and its pid
is written to <pids>/<name>.pid (what an operator, or the fault test, uses to signal it).
`stop` ends the named processes together, so a caller stops them tier by tier.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional

from bot.settings import ROOT

FIRST_RESTART_DELAY = 1.0
MAX_RESTART_DELAY = 30.0
# A process that ran this long before it died is restarted after the first delay again.
STABLE_AFTER = 60.0


def log(text: str) -> None:
    print(f"[deploy {time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


@dataclasses.dataclass
class Service:
    name: str
    command: List[str]
    ready: Callable[[], bool]
    env: Dict[str, str] = dataclasses.field(default_factory=dict)
    # PostgreSQL stops at once on SIGINT ("fast" shutdown); SIGTERM waits for its clients.
    stop_signal: int = signal.SIGTERM
    # The system user to run as (PostgreSQL refuses to run as root).
    user: Optional[str] = None


@dataclasses.dataclass
class _Running:
    service: Service
    process: Optional[subprocess.Popen] = None
    started_at: float = 0.0
    restart_at: Optional[float] = None
    delay: float = FIRST_RESTART_DELAY


class Supervisor:
    def __init__(self, logs: Path, pids: Path, common_env: Optional[Dict[str, str]] = None):
        self.logs = logs
        self.pids = pids
        self.common_env = dict(common_env or {})  # given to every process
        self.running: Dict[str, _Running] = {}

    def start(self, service: Service) -> None:
        entry = self.running.setdefault(service.name, _Running(service))
        self._spawn(entry)

    def wait_ready(self, names: List[str], timeout: float) -> None:
        """Waits until every named service answers; raises if one exits before it answered
        or time runs out. Processes that did answer are kept running meanwhile."""
        deadline = time.monotonic() + timeout
        waiting = list(names)
        while waiting:
            for name in list(waiting):
                entry = self.running[name]
                if entry.service.ready():
                    waiting.remove(name)
                elif entry.process and entry.process.poll() is not None:
                    raise RuntimeError(
                        f"{name} exited with {entry.process.returncode} while "
                        f"starting; see {self.logs / (name + '.log')}"
                    )
            if waiting and time.monotonic() > deadline:
                raise TimeoutError(f"not ready after {timeout:.0f} s: {', '.join(waiting)}")
            self.check()
            time.sleep(0.25)

    def check(self) -> None:
        """Restarts the processes that have died, each after its back-off delay."""
        now = time.monotonic()
        for entry in self.running.values():
            process = entry.process
            if process is not None and process.poll() is not None:
                self._end_group(process.pid)
                ran = now - entry.started_at
                entry.delay = FIRST_RESTART_DELAY if ran >= STABLE_AFTER else entry.delay
                entry.restart_at = now + entry.delay
                log(
                    f"{entry.service.name} exited ({_exit_text(process.returncode)}) after "
                    f"{ran:.0f} s; restarting in {entry.delay:.0f} s"
                )
                entry.delay = min(entry.delay * 2, MAX_RESTART_DELAY)
                entry.process = None
            elif process is None and entry.restart_at is not None and now >= entry.restart_at:
                self._spawn(entry)

    def stop(self, names: List[str], timeout: float = 20.0) -> None:
        """Stops the named processes together: their stop signal, then SIGKILL for any still
        running after `timeout` seconds."""
        entries = [self.running[name] for name in names if name in self.running]
        for entry in entries:
            entry.restart_at = None
            if entry.process is not None and entry.process.poll() is None:
                try:
                    os.killpg(entry.process.pid, entry.service.stop_signal)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + timeout
        for entry in entries:
            if entry.process is not None:
                try:
                    entry.process.wait(timeout=max(0.0, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    log(f"{entry.service.name} did not stop in {timeout:.0f} s; killing it")
                self._end_group(entry.process.pid)
                entry.process.wait()
                entry.process = None
            (self.pids / f"{entry.service.name}.pid").unlink(missing_ok=True)

    # -- processes ----------------------------------------------------------------------------

    def _spawn(self, entry: _Running) -> None:
        service = entry.service
        self.logs.mkdir(parents=True, exist_ok=True)
        self.pids.mkdir(parents=True, exist_ok=True)
        with open(self.logs / f"{service.name}.log", "ab") as output:
            entry.process = subprocess.Popen(
                service.command,
                cwd=ROOT,
                env={**os.environ, **self.common_env, **service.env},
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                user=service.user,
                group=service.user,
                extra_groups=[] if service.user else None,
            )
        entry.started_at = time.monotonic()
        entry.restart_at = None
        (self.pids / f"{service.name}.pid").write_text(f"{entry.process.pid}\n")
        log(f"{service.name} started (pid {entry.process.pid})")

    @staticmethod
    def _end_group(group: int) -> None:
        """Kills what is left of a process group (children of a server that died)."""
        try:
            os.killpg(group, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def _exit_text(code: int) -> str:
    if code < 0:
        return f"signal {signal.Signals(-code).name}"
    return f"exit {code}"
