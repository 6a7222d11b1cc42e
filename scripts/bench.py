"""Benchmark: Perheneuvo against a yardstick bot made with `rasa init`, in one run.

    .venv/bin/python scripts/bench.py           (what `make bench` does)
    .venv/bin/python scripts/bench.py --quick   (smoke run: fewer messages, no training timings)

For each bot, through the REST channel (POST /webhooks/rest/webhook) on 127.0.0.1:
  - start-up time: from spawning the servers until they answer;
  - single user: sequential messages from one sender after a warm-up (p50/p95/mean latency);
  - concurrent: 20 conversations in parallel, each sending its messages in turn
    (p50/p95 latency, wall time, messages per second);
  - resident memory (VmRSS) of the Rasa server after the load, child processes included
    (for Perheneuvo also the action server);
  - full training time (`rasa train --force` with an empty cache), before any server runs;
  - the production profile (`python -m deploy`, two Rasa servers behind nginx): start-up and
    the same load through nginx, plus 100 concurrent conversations x 10 messages.
The two bots run one after the other, never both under load. The figures are printed as a
table, then one line per target, then all figures as one JSON line prefixed "BENCH_JSON ".
Nothing is asserted: the exit status is 0 whenever the measurements could be made.
Rasa's telemetry is switched off for every process (RASA_TELEMETRY_ENABLED=false).
"""
from __future__ import annotations

import argparse
import asyncio
import datetime
import importlib.metadata
import json
import os
import platform
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402

from bot.launcher import VENV_BIN, Settings, Stack, stop_process  # noqa: E402

RASA = VENV_BIN / "rasa"
MODEL = ROOT / "models" / "perheneuvo.tar.gz"

PERHENEUVO_MESSAGES = [
    "Mikä on perhekeskus?",
    "mitä on eroauttaminen",
    "keneen otan yhteyttä mikkelissä",
    "onko kangasniemellä kohtaamispaikkaa",
    "kuka on keski-suomen muutosagentti",
    "mikä on turvassa hanke",
    "hei",
    "kiitos",
    "mitä sä osaat",
    "mikä on lapset puheeksi",
]
YARDSTICK_MESSAGES = ["hello", "I am sad", "yes", "bye", "are you a bot?"]

# Targets for Perheneuvo.
TARGET_P95_SINGLE_MS = 60.0
TARGET_THROUGHPUT_FACTOR = 2.0
TARGET_RSS_MB = 1200.0
TARGET_TRAINING_S = 180.0

REQUEST_TIMEOUT_S = 30.0
OTHER_CPU_WARNING_PCT = 10.0
WARMUP_MESSAGES = 20
CONCURRENT_CONVERSATIONS = 20
FULL = {"single": 200, "messages_each": 25}
QUICK = {"single": 50, "messages_each": 10}


def log(text: str) -> None:
    """Progress goes to stderr, so that stdout holds only the results."""
    stamp = time.strftime("%H:%M:%S")
    print(f"[bench {stamp}] {text}", file=sys.stderr, flush=True)


class BenchError(Exception):
    """A measurement could not be made; the message says why."""


# -- processes, ports, memory ------------------------------------------------------------------


def free_ports(count: int) -> List[int]:
    """`count` distinct free loopback ports (all sockets held open until every port is known)."""
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def _stat(pid: int) -> Optional[Tuple[int, int]]:
    """(parent pid, start time in clock ticks) of a process, None if it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2:].split()  # the name in (...) may contain spaces
    return int(fields[1]), int(fields[19])


def _cpu_ticks(pid: int) -> int:
    """User + system CPU time of one process (its own threads, not its children), in ticks."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0
    fields = text[text.rindex(")") + 2:].split()
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
    return {"rss_mb": round(sum(_status_kb(p, "VmRSS") for p in tree) / 1024, 1),
            "peak_rss_mb": round(sum(_status_kb(p, "VmHWM") for p in tree) / 1024, 1),
            "processes": len(tree)}


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


def responds(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as reply:
            return reply.status == 200
    except OSError:
        return False


def tail(path: Path, chars: int = 3000) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return f"(no log at {path})"
    return text[-chars:]


def child_env(cache_dir: Optional[Path] = None) -> Dict[str, str]:
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", PYTHONDONTWRITEBYTECODE="1")
    if cache_dir:
        env["RASA_CACHE_DIRECTORY"] = str(cache_dir)
    return env


def run_timed(name: str, command: Sequence[str], cwd: Path, env: Dict[str, str], log_file: Path,
              timeout: float) -> float:
    """Runs a command to the end with its output in `log_file`; returns the seconds it took."""
    log(f"{name}: {' '.join(str(c) for c in command)}  (cwd {cwd})")
    with open(log_file, "ab") as out:
        start = time.monotonic()
        process = subprocess.Popen([str(c) for c in command], cwd=cwd, env=env, stdout=out,
                                   stderr=subprocess.STDOUT)
        try:
            code = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            stop_process(process)
            raise BenchError(f"{name} did not finish in {timeout:.0f} s; log {log_file}:\n"
                             f"{tail(log_file)}")
        except BaseException:
            stop_process(process)
            raise
        elapsed = time.monotonic() - start
    if code != 0:
        raise BenchError(f"{name} failed (exit {code}); log {log_file}:\n{tail(log_file)}")
    log(f"{name}: {elapsed:.1f} s")
    return elapsed


# -- load --------------------------------------------------------------------------------------


class Load:
    """Latencies of the answered requests and counts of what went wrong."""

    def __init__(self) -> None:
        self.latencies_ms: List[float] = []
        self.errors = 0       # timeout, connection error or status other than 200
        self.no_text = 0      # status 200 but no text in the answer
        self.first_error = ""

    async def conversation(self, session: aiohttp.ClientSession, url: str, sender: str,
                           messages: Sequence[str], count: int, offset: int,
                           record: bool = True) -> None:
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
            if not (isinstance(answer, list) and any(isinstance(m, dict) and m.get("text")
                                                     for m in answer)):
                self.no_text += 1


def _session(connections: int) -> aiohttp.ClientSession:
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=connections + 2),
        timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S))


def _latency_figures(load: Load) -> Dict[str, Any]:
    values = load.latencies_ms
    figures: Dict[str, Any] = {"answered": len(values), "errors": load.errors,
                               "no_text": load.no_text}
    if values:
        p95 = (statistics.quantiles(values, n=20, method="inclusive")[18]
               if len(values) > 1 else values[0])
        figures.update(p50_ms=round(statistics.median(values), 1), p95_ms=round(p95, 1),
                       mean_ms=round(statistics.fmean(values), 1),
                       max_ms=round(max(values), 1))
    if load.first_error:
        figures["first_error"] = load.first_error
    return figures


async def single_user(url: str, messages: Sequence[str], count: int, sender: str
                      ) -> Dict[str, Any]:
    load = Load()
    async with _session(1) as session:
        warmup = Load()
        await warmup.conversation(session, url, sender, messages, WARMUP_MESSAGES, 0, record=False)
        if warmup.errors == WARMUP_MESSAGES:
            raise BenchError(f"every warm-up message failed at {url}: {warmup.first_error}")
        watch = OtherCpu()
        await load.conversation(session, url, sender, messages, count, WARMUP_MESSAGES)
    figures = {"messages": count, "warmup": WARMUP_MESSAGES, **_latency_figures(load),
               "other_cpu_pct": watch.percent()}
    # The conversation grows with every message, and so does Rasa's work per message:
    # the first and last quarters show by how much.
    quarter = len(load.latencies_ms) // 4
    if quarter:
        figures["p50_first_quarter_ms"] = round(statistics.median(load.latencies_ms[:quarter]), 1)
        figures["p50_last_quarter_ms"] = round(statistics.median(load.latencies_ms[-quarter:]), 1)
    return figures


async def concurrent(url: str, messages: Sequence[str], conversations: int, each: int,
                     prefix: str) -> Dict[str, Any]:
    load = Load()
    async with _session(conversations) as session:
        watch = OtherCpu()
        start = time.perf_counter()
        await asyncio.gather(*(
            load.conversation(session, url, f"{prefix}-{n:02d}", messages, each, n)
            for n in range(conversations)))
        wall = time.perf_counter() - start
    return {"conversations": conversations, "messages_each": each,
            **_latency_figures(load), "wall_s": round(wall, 2),
            "msgs_per_s": round(len(load.latencies_ms) / wall, 1) if wall > 0 else None,
            "other_cpu_pct": watch.percent()}


def measure_load(rasa_url: str, messages: Sequence[str], counts: Dict[str, int],
                 prefix: str) -> Dict[str, Any]:
    url = f"{rasa_url}/webhooks/rest/webhook"
    log(f"{prefix}: single user, {WARMUP_MESSAGES} warm-up + {counts['single']} messages")
    single = asyncio.run(single_user(url, messages, counts["single"], f"{prefix}-single"))
    log(f"{prefix}: {CONCURRENT_CONVERSATIONS} concurrent conversations x "
        f"{counts['messages_each']} messages")
    parallel = asyncio.run(concurrent(url, messages, CONCURRENT_CONVERSATIONS,
                                      counts["messages_each"], f"{prefix}-conc"))
    return {"single": single, "concurrent": parallel}


# -- the two bots ------------------------------------------------------------------------------


def bench_perheneuvo(model: Path, work: Path, counts: Dict[str, int],
                     ready_timeout: float) -> Dict[str, Any]:
    rasa_port, actions_port = free_ports(2)
    logs = work / "logs-perheneuvo"
    stack = Stack(Settings(rasa_port=rasa_port, actions_port=actions_port, model=model,
                           tracker_db=logs / "conversations.db", api_token=secrets.token_hex(16)),
                  log_dir=logs)
    descendants = Descendants()
    try:
        log(f"perheneuvo: starting actions on {actions_port}, rasa on {rasa_port}")
        start = time.monotonic()
        try:
            stack.start(timeout=ready_timeout, web=False, telegram=False)
        except (RuntimeError, TimeoutError, OSError) as error:
            raise BenchError(f"Perheneuvo did not start within {ready_timeout:.0f} s: {error}\n"
                             + "\n".join(f"--- {p.name}:\n{tail(p)}"
                                         for p in sorted(logs.glob("*.log")))) from error
        startup = time.monotonic() - start
        log(f"perheneuvo: up in {startup:.1f} s")
        for process in stack.processes.values():
            descendants.note(process.pid)
        figures = measure_load(stack.rasa_url, PERHENEUVO_MESSAGES, counts, "perheneuvo")
        rasa_memory = memory_mb(stack.processes["rasa"].pid)
        actions_memory = memory_mb(stack.processes["actions"].pid)
        for process in stack.processes.values():
            descendants.note(process.pid)
        return {"startup_s": round(startup, 2), **figures,
                "rasa_rss_mb": rasa_memory["rss_mb"], "rasa_peak_rss_mb": rasa_memory["peak_rss_mb"],
                "rasa_processes": rasa_memory["processes"],
                "actions_rss_mb": actions_memory["rss_mb"],
                "actions_peak_rss_mb": actions_memory["peak_rss_mb"]}
    finally:
        log("perheneuvo: stopping")
        for process in stack.processes.values():
            descendants.note(process.pid)
        stack.stop()
        descendants.end_stragglers()


def make_yardstick(work: Path, train: bool, train_timeout: float) -> Dict[str, Any]:
    """`rasa init --no-prompt` (which trains an initial model), then a timed full training."""
    project = work / "yardstick"
    project.mkdir()
    logs = work / "logs-yardstick"
    logs.mkdir()
    init_s = run_timed("yardstick: rasa init", [RASA, "init", "--no-prompt", "--init-dir", project],
                       project, child_env(work / "cache-yardstick-init"), logs / "init.log",
                       train_timeout)
    made: Dict[str, Any] = {"project": project, "init_s": round(init_s, 1), "training_s": None}
    if train:
        out = work / "models-yardstick"
        made["training_s"] = round(run_timed(
            "yardstick: rasa train",
            [RASA, "train", "--out", out, "--fixed-model-name", "bench", "--force"],
            project, child_env(work / "cache-yardstick"), logs / "train.log", train_timeout), 1)
        made["model"] = out / "bench.tar.gz"
    else:
        models = sorted((project / "models").glob("*.tar.gz"))
        if not models:
            raise BenchError(f"rasa init made no model in {project / 'models'}:\n"
                             f"{tail(logs / 'init.log')}")
        made["model"] = models[-1]
    return made


def bench_yardstick(project: Path, model: Path, work: Path, counts: Dict[str, int],
                    ready_timeout: float) -> Dict[str, Any]:
    (port,) = free_ports(1)
    log_file = work / "logs-yardstick" / "rasa.log"
    url = f"http://127.0.0.1:{port}"
    process: Optional[subprocess.Popen] = None
    descendants = Descendants()
    try:
        log(f"yardstick: starting rasa on {port}")
        with open(log_file, "ab") as out:
            start = time.monotonic()
            process = subprocess.Popen(
                [str(RASA), "run", "--model", str(model), "--port", str(port),
                 "--interface", "127.0.0.1", "--credentials", "credentials.yml",
                 "--endpoints", "endpoints.yml"],
                cwd=project, env=child_env(), stdout=out, stderr=subprocess.STDOUT)
        deadline = start + ready_timeout
        while not responds(url + "/"):
            if process.poll() is not None:
                raise BenchError(f"the yardstick's rasa exited with {process.returncode}; "
                                 f"log {log_file}:\n{tail(log_file)}")
            if time.monotonic() > deadline:
                raise BenchError(f"the yardstick's rasa did not answer at {url}/ within "
                                 f"{ready_timeout:.0f} s; log {log_file}:\n{tail(log_file)}")
            time.sleep(0.25)
        startup = time.monotonic() - start
        log(f"yardstick: up in {startup:.1f} s")
        descendants.note(process.pid)
        figures = measure_load(url, YARDSTICK_MESSAGES, counts, "yardstick")
        memory = memory_mb(process.pid)
        descendants.note(process.pid)
        return {"startup_s": round(startup, 2), **figures, "rasa_rss_mb": memory["rss_mb"],
                "rasa_peak_rss_mb": memory["peak_rss_mb"], "rasa_processes": memory["processes"]}
    finally:
        if process:
            log("yardstick: stopping")
            descendants.note(process.pid)
            stop_process(process)
            descendants.end_stragglers()


def bench_production(counts: Dict[str, int], ready_timeout: float) -> Dict[str, Any]:
    """The production profile (`python -m deploy`: PostgreSQL, Redis, 2 Rasa servers and the
    action server behind nginx) with no fault: start-up, then 100 concurrent conversations x
    10 messages through nginx (the load of `make test-production`), then the same concurrent
    load as the single-server figures; latency from the first attempt to the answer."""
    from deploy.harness import Conversations, LocalProfile, figures

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
        loads = {"hundred": (100, len(PERHENEUVO_MESSAGES)),
                 "concurrent": (CONCURRENT_CONVERSATIONS, counts["messages_each"])}
        for name, (conversations, each) in loads.items():
            log(f"production: {conversations} concurrent conversations x {each} messages")
            messages = [PERHENEUVO_MESSAGES[i % len(PERHENEUVO_MESSAGES)] for i in range(each)]
            load = Conversations(profile.url, conversations, messages, f"bench-{name}")
            watch = OtherCpu()
            start = time.perf_counter()
            asyncio.run(load.run())
            wall = time.perf_counter() - start
            result[name] = {"conversations": conversations, "messages_each": each,
                            **figures(list(load.answers.values()), wall),
                            "retries": sum(load.retries.values()), "failed": len(load.failures),
                            "other_cpu_pct": watch.percent()}
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
    print("\nProduction profile (python -m deploy: nginx, 2 Rasa servers, PostgreSQL, Redis; "
          "no fault):")
    print(f"  start-up until every server answers: {figures['startup_s']:.1f} s")
    for name in ("hundred", "concurrent"):
        f = figures[name]
        print(f"  {f['conversations']} concurrent x {f['messages_each']} msgs through nginx: "
              f"p50 {f.get('p50_ms')} ms, p95 {f.get('p95_ms')} ms, {f['msgs_per_s']} msg/s "
              f"({f['retries']} retries, {f['failed']} failed, other processes' CPU "
              f"{f['other_cpu_pct']} %)")
    sizes = " + ".join(f"{mb:.0f}" for mb in figures["rasa_rss_mb"])
    print(f"  Rasa servers' RSS after the load: {sizes} MB")


# -- report ------------------------------------------------------------------------------------


def _get(figures: Dict[str, Any], *keys: str) -> Any:
    value: Any = figures
    for key in keys:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def _cell(value: Any, digits: int) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def print_table(results: Dict[str, Any], counts: Dict[str, int]) -> None:
    ours, theirs = results["perheneuvo"], results["yardstick"]
    each = counts["messages_each"]
    rows = [
        ("Full training (s)", ("training_s",), 1),
        ("Start-up until answering (s)", ("startup_s",), 1),
        (f"Single user, {counts['single']} msgs: p50 (ms)", ("single", "p50_ms"), 1),
        ("  p95 (ms)", ("single", "p95_ms"), 1),
        ("  mean (ms)", ("single", "mean_ms"), 1),
        ("  max (ms)", ("single", "max_ms"), 1),
        ("  p50 first quarter of msgs (ms)", ("single", "p50_first_quarter_ms"), 1),
        ("  p50 last quarter of msgs (ms)", ("single", "p50_last_quarter_ms"), 1),
        ("  other processes' CPU (%)", ("single", "other_cpu_pct"), 1),
        ("  errors / answers without text", "single", 0),
        (f"{CONCURRENT_CONVERSATIONS} concurrent x {each} msgs: p50 (ms)",
         ("concurrent", "p50_ms"), 1),
        ("  p95 (ms)", ("concurrent", "p95_ms"), 1),
        ("  wall time (s)", ("concurrent", "wall_s"), 2),
        ("  throughput (msg/s)", ("concurrent", "msgs_per_s"), 1),
        ("  other processes' CPU (%)", ("concurrent", "other_cpu_pct"), 1),
        ("  errors / answers without text", "concurrent", 0),
        ("Rasa server RSS after load (MB)", ("rasa_rss_mb",), 1),
        ("  peak RSS (MB)", ("rasa_peak_rss_mb",), 1),
        ("  processes", ("rasa_processes",), 0),
        ("Action server RSS after load (MB)", ("actions_rss_mb",), 1),
    ]
    width = max(len(r[0]) for r in rows) + 2
    print()
    print(f"{'':<{width}}{'Perheneuvo':>14}{'rasa init':>14}")
    print("-" * (width + 28))
    for label, keys, digits in rows:
        if isinstance(keys, str):  # a load part: its two error counts
            cells = [f"{_get(b, keys, 'errors')} / {_get(b, keys, 'no_text')}"
                     if _get(b, keys) else "-" for b in (ours, theirs)]
        else:
            cells = [_cell(_get(b, *keys), digits) for b in (ours, theirs)]
        print(f"{label:<{width}}{cells[0]:>14}{cells[1]:>14}")
    print("-" * (width + 28))
    for name, figures in (("Perheneuvo", ours), ("rasa init", theirs)):
        for part in ("single", "concurrent"):
            if _get(figures, part, "first_error"):
                print(f"{name}, {part}: first error: {figures[part]['first_error']}")
            if (_get(figures, part, "other_cpu_pct") or 0) > OTHER_CPU_WARNING_PCT:
                print(f"WARNING: {name}, {part}: other processes used "
                      f"{figures[part]['other_cpu_pct']:.0f} % of the CPU meanwhile: "
                      f"these figures are skewed; run again on an idle machine")
    if results.get("error"):
        print(f"Stopped early (figures marked - are missing): {results['error']}")


def evaluate_targets(results: Dict[str, Any]) -> List[Dict[str, Any]]:
    ours, theirs = results["perheneuvo"], results["yardstick"]
    targets = []

    def add(name: str, value: Optional[float], limit: Optional[float], at_most: bool,
            unit: str, missing: str) -> None:
        met = None if value is None or limit is None else (
            value <= limit if at_most else value >= limit)
        targets.append({"target": name, "value": value, "limit": limit, "met": met,
                        "unit": unit, "why_not_measured": None if met is not None else missing})

    add(f"p95 latency, single user <= {TARGET_P95_SINGLE_MS:.0f} ms",
        _get(ours, "single", "p95_ms"), TARGET_P95_SINGLE_MS, True, "ms", "no latencies")
    theirs_tp = _get(theirs, "concurrent", "msgs_per_s")
    add(f"throughput at {CONCURRENT_CONVERSATIONS} concurrent >= "
        f"{TARGET_THROUGHPUT_FACTOR:g} x the yardstick's",
        _get(ours, "concurrent", "msgs_per_s"),
        round(theirs_tp * TARGET_THROUGHPUT_FACTOR, 1) if theirs_tp else None, False, "msg/s",
        "a throughput is missing")
    add(f"Rasa server RSS <= {TARGET_RSS_MB:.0f} MB", ours.get("rasa_rss_mb"), TARGET_RSS_MB,
        True, "MB", "not measured")
    add(f"full training <= {TARGET_TRAINING_S:.0f} s", ours.get("training_s"), TARGET_TRAINING_S,
        True, "s", "skipped (--quick)" if results["mode"] == "quick" else "not measured")
    return targets


def print_targets(targets: List[Dict[str, Any]]) -> None:
    print("\nTargets (Perheneuvo):")
    for t in targets:
        if t["met"] is None:
            verdict, detail = "NOT MEASURED", t["why_not_measured"]
        else:
            verdict = "MET" if t["met"] else "NOT MET"
            detail = f"{t['value']:g} {t['unit']} (limit {t['limit']:g} {t['unit']})"
        print(f"  {t['target']}: {verdict}: {detail}")


def _git_commit() -> Optional[str]:
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, timeout=10,
                                capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               timeout=10, capture_output=True, text=True).stdout.strip()
        return (commit + ("-dirty" if dirty else "")) or None
    except (OSError, subprocess.SubprocessError):
        return None


# -- main --------------------------------------------------------------------------------------


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: 50 single-user messages, 20 x 10 concurrent, "
                             "no training timings")
    parser.add_argument("--model", type=Path, default=MODEL,
                        help=f"Perheneuvo's trained model (default {MODEL.relative_to(ROOT)})")
    parser.add_argument("--ready-timeout", type=float, default=300.0,
                        help="seconds to wait for a server to answer (default 300)")
    parser.add_argument("--train-timeout", type=float, default=1800.0,
                        help="seconds a training (or rasa init) may take (default 1800)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the temporary directory (logs, yardstick project)")
    return parser.parse_args(argv)


def _on_signal(signum, _frame):
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    model = args.model.resolve()
    if not RASA.exists():
        print(f"error: {RASA} not found: run this with the project's .venv/bin/python "
              f"(make bench)", file=sys.stderr)
        return 2
    if not model.exists():
        print(f"error: no trained model at {model}: run 'make train' (make bench does it)",
              file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGHUP, _on_signal)
    # No usage reports to Rasa from any process of the run (network noise); Stack passes the
    # environment on to our bot's servers.
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")

    counts = QUICK if args.quick else FULL
    mode = "quick" if args.quick else "full"
    results: Dict[str, Any] = {
        "mode": mode, "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "cpus": os.cpu_count(), "python": platform.python_version(),
        "rasa": importlib.metadata.version("rasa"), "git": _git_commit(),
        "perheneuvo": {"training_s": None}, "yardstick": {"training_s": None},
    }
    work = Path(tempfile.mkdtemp(prefix="perheneuvo-bench-"))
    started = time.monotonic()
    log(f"{mode} run; temporary directory {work}")
    try:
        # Trainings first, so that nothing else competes for the CPU.
        if not args.quick:
            out = work / "models-perheneuvo"
            logs = work / "logs-perheneuvo"
            logs.mkdir()
            results["perheneuvo"]["training_s"] = round(run_timed(
                "perheneuvo: rasa train",
                [RASA, "train", "--out", out, "--fixed-model-name", "bench", "--force"],
                ROOT, child_env(work / "cache-perheneuvo"), logs / "train.log",
                args.train_timeout), 1)
        yardstick = make_yardstick(work, train=not args.quick, train_timeout=args.train_timeout)
        results["yardstick"].update(training_s=yardstick["training_s"],
                                    init_with_training_s=yardstick["init_s"])

        # Then the servers, one bot at a time.
        results["perheneuvo"].update(
            bench_perheneuvo(model, work, counts, args.ready_timeout))
        results["yardstick"].update(
            bench_yardstick(yardstick["project"], yardstick["model"], work, counts,
                            args.ready_timeout))
        results["production"] = bench_production(counts, args.ready_timeout)
    except BenchError as error:
        print(f"\nerror: {error}", file=sys.stderr)
        results["error"] = str(error).splitlines()[0]
    except KeyboardInterrupt as error:
        print(f"\ninterrupted ({error or 'Ctrl-C'}); stopping", file=sys.stderr)
        return 130
    finally:
        if args.keep:
            log(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    results["total_s"] = round(time.monotonic() - started, 1)

    print(f"\nPerheneuvo benchmark ({mode} run, {results['date']}): {results['cpus']} CPUs, "
          f"Python {results['python']}, Rasa {results['rasa']}, commit {results['git']}")
    print(f"Yardstick: `rasa init` bot (English). Requests: POST /webhooks/rest/webhook on "
          f"127.0.0.1, timeout {REQUEST_TIMEOUT_S:.0f} s. Latencies cover answered requests.")
    print_table(results, counts)
    if results["yardstick"].get("init_with_training_s") is not None:
        print(f"(rasa init with its initial training took "
              f"{results['yardstick']['init_with_training_s']:.1f} s)")
    results["targets"] = evaluate_targets(results)
    print_targets(results["targets"])
    if results.get("production"):
        print_production(results["production"])
    print(f"\nWhole run: {results['total_s']:.0f} s")
    print("BENCH_JSON " + json.dumps(results, ensure_ascii=False, sort_keys=True))
    return 1 if "error" in results else 0


if __name__ == "__main__":
    sys.exit(main())
