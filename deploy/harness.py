"""The production profile on free loopback ports in a scratch directory, and a load client of
many concurrent conversations; used by tests/test_production.py and `make bench`.

The load client talks to nginx as families' browsers would: each conversation from its own
client address (127.0.1.x, so nginx's per-address limit applies per family), one message at
a time, every message with a message_id. A message that fails (connection error, timeout,
HTTP 500/502/503/504) is sent again with the same message_id, which the REST channel answers
at most once; the latency counted is the family's: from the first attempt to the answer.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, List, Optional, Sequence, Tuple

import aiohttp

from bot.probes import free_port_block, free_ports
from bot.settings import ROOT
from bot.stats import percentile
from deploy import redis_server
from deploy.profile import Production
from deploy.settings import ProductionSettings

RETRY_STATUSES = {500, 502, 503, 504}
AfterAnswer = Callable[[aiohttp.ClientSession, int, int, "Answer"], Awaitable[None]]
RUNNING_LINE = "production profile is running"


def is_try_again(texts: Sequence[str]) -> bool:
    """The REST channel's answer to a turn that produced no reply (utter_try_again_shortly)."""
    return len(texts) == 1 and "hetken kuluttua" in texts[0] and "112" in texts[0]


class LocalProfile:
    """`python -m deploy` as a child process, with its own directory and ports."""

    def __init__(self, rasa_servers: int = 2, extra_env: Optional[Dict[str, str]] = None):
        self.directory = Path(tempfile.mkdtemp(prefix="perheneuvo-production-"))
        self.directory.chmod(0o755)  # PostgreSQL's user must reach its data directory
        self.api_token = secrets.token_hex(16)
        rasa_base = free_port_block(rasa_servers)
        # distinct from each other (held open together) and outside the Rasa servers' block
        http, actions, postgres, redis, console = [
            port
            for port in free_ports(5 + rasa_servers)
            if not rasa_base <= port < rasa_base + rasa_servers
        ][:5]
        self.env = {
            "PERHENEUVO_PRODUCTION_DIR": str(self.directory / "profile"),
            "PERHENEUVO_RASA_SERVERS": str(rasa_servers),
            "PERHENEUVO_RASA_BASE_PORT": str(rasa_base),
            "PERHENEUVO_HTTP_PORT": str(http),
            "PERHENEUVO_PRODUCTION_ACTIONS_PORT": str(actions),
            "PERHENEUVO_POSTGRES_PORT": str(postgres),
            "PERHENEUVO_REDIS_PORT": str(redis),
            "PERHENEUVO_PRODUCTION_CONSOLE_PORT": str(console),
            "PERHENEUVO_API_TOKEN": self.api_token,
            "RASA_TELEMETRY_ENABLED": "false",
            **(extra_env or {}),
        }
        environ = {**os.environ, **self.env}
        settings = ProductionSettings.from_env(environ)
        self.settings = dataclasses.replace(
            settings, base=dataclasses.replace(settings.base, api_token=self.api_token)
        )
        self.log = self.directory / "deploy.log"
        self.process: Optional[subprocess.Popen] = None
        self.startup_s: Optional[float] = None
        self._ready = {
            service.name: service.ready for service in Production(self.settings).app_services()
        }
        self._ready["redis"] = lambda: redis_server.responds(self.settings)

    @property
    def url(self) -> str:
        return self.settings.public_url

    def start(self, timeout: float = 420.0) -> float:
        """Starts the runner and waits until it reports every server answering; seconds."""
        started = time.monotonic()
        with open(self.log, "ab") as output:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "deploy"],
                cwd=ROOT,
                env={**os.environ, **self.env},
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        while RUNNING_LINE not in self.log.read_text(errors="replace"):
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"python -m deploy exited with {self.process.returncode}:\n{self.logs_tail()}"
                )
            if time.monotonic() - started > timeout:
                raise TimeoutError(
                    f"the production profile did not start in {timeout:.0f} s:\n{self.logs_tail()}"
                )
            time.sleep(0.5)
        self.startup_s = time.monotonic() - started
        return self.startup_s

    def pid(self, name: str) -> Optional[int]:
        try:
            return int(self.settings.path("pids", f"{name}.pid").read_text())
        except (OSError, ValueError):
            return None

    def kill(self, name: str, signum: int = signal.SIGKILL) -> int:
        pid = self.pid(name)
        if pid is None:
            raise RuntimeError(f"{name} has no pid file")
        os.kill(pid, signum)
        return pid

    def answering(self, name: str) -> bool:
        return self._ready[name]()

    def restarted(self, name: str, old_pid: int) -> bool:
        """Whether the runner has started `name` again and it answers."""
        pid = self.pid(name)
        return pid is not None and pid != old_pid and self.answering(name)

    def stop(self, timeout: float = 120.0) -> Optional[int]:
        """SIGTERM to the runner (it stops everything it started); its exit code."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode

    def logs_tail(self, chars: int = 2500) -> str:
        parts = [f"--- deploy.log\n{_tail(self.log, chars)}"]
        for log in sorted(self.settings.path("logs").glob("*.log")):
            parts.append(f"--- {log.name}\n{_tail(log, chars)}")
        return "\n".join(parts)

    def remove(self) -> None:
        subprocess.run(["rm", "-rf", str(self.directory)], check=False)


def _tail(path: Path, chars: int) -> str:
    try:
        return path.read_text(errors="replace")[-chars:]
    except OSError:
        return "(none)"


# -- load ----------------------------------------------------------------------------------------


@dataclasses.dataclass
class Answer:
    texts: List[str]
    latency_s: float
    attempts: int
    answered_at: float


async def post_json(
    session: aiohttp.ClientSession, url: str, body: Dict[str, Any], deadline: float
) -> Tuple[int, Any, int]:
    """POSTs `body` as JSON, again after a failure (connection error, timeout, HTTP 5xx) with a
    growing pause, until an answer comes: (status, its JSON or text, attempts). TimeoutError
    after `deadline` seconds."""
    started = time.perf_counter()
    attempts, pause = 0, 0.25
    while True:
        attempts += 1
        try:
            async with session.post(url, json=body) as reply:
                if reply.status not in RETRY_STATUSES:
                    text = await reply.text()
                    try:
                        return reply.status, json.loads(text), attempts
                    except ValueError:
                        return reply.status, text, attempts
                problem = f"HTTP {reply.status}"
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            problem = f"{type(error).__name__}: {error}"
        if time.perf_counter() - started > deadline:
            raise TimeoutError(f"no answer in {deadline:.0f} s (last: {problem})")
        await asyncio.sleep(pause)
        pause = min(pause * 2, 4.0)


class Conversations:
    """`count` conversations, each sending `messages` in order through nginx; `after_answer`
    (session, conversation, message index, answer) is awaited after each answer, in the
    conversation's own session (its client address)."""

    def __init__(
        self,
        url: str,
        count: int,
        messages: Sequence[str],
        sender_prefix: str,
        request_timeout: float = 90.0,
        message_deadline: float = 240.0,
        after_answer: Optional[AfterAnswer] = None,
    ):
        self.url = url.rstrip("/") + "/webhooks/rest/webhook"
        self.count = count
        self.messages = list(messages)
        self.sender_prefix = sender_prefix
        self.request_timeout = request_timeout
        self.message_deadline = message_deadline
        self.after_answer = after_answer
        self.answers: Dict[Tuple[int, int], Answer] = {}
        self.failures: Dict[Tuple[int, int], str] = {}
        self.retries: Counter = Counter()  # message index -> attempts after the first

    def sender(self, conversation: int) -> str:
        return f"{self.sender_prefix}-{conversation:03d}"

    def message_id(self, conversation: int, index: int) -> str:
        return f"{self.sender(conversation)}-m{index:02d}"

    async def run(self, gate: Optional[Callable[[int], Awaitable[None]]] = None) -> None:
        """Runs every conversation to its end; `gate(index)` is awaited before message `index`."""
        await asyncio.gather(*(self._conversation(n, gate) for n in range(self.count)))

    async def _conversation(self, number: int, gate) -> None:
        # 127.0.1.1, 127.0.1.2, ...: every family has its own address
        source = f"127.0.{1 + number // 250}.{1 + number % 250}"
        connector = aiohttp.TCPConnector(local_addr=(source, 0), limit=1)
        timeout = aiohttp.ClientTimeout(total=self.request_timeout)
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
            for index, text in enumerate(self.messages):
                if gate is not None:
                    await gate(index)
                answer = await self._send(session, number, index, text)
                if answer is None:  # recorded; the rest of the conversation is not sent
                    for later in range(index + 1, len(self.messages)):
                        self.failures[(number, later)] = "not sent: an earlier message failed"
                    return
                self.answers[(number, index)] = answer
                if self.after_answer is not None:
                    await self.after_answer(session, number, index, answer)

    async def _send(
        self, session: aiohttp.ClientSession, number: int, index: int, text: str
    ) -> Optional[Answer]:
        body = {
            "sender": self.sender(number),
            "message": text,
            "message_id": self.message_id(number, index),
        }
        started = time.perf_counter()
        try:
            status, data, attempts = await post_json(session, self.url, body, self.message_deadline)
        except TimeoutError as error:
            self.failures[(number, index)] = str(error)
            return None
        self.retries[index] += attempts - 1
        if status != 200:
            self.failures[(number, index)] = f"HTTP {status}: {str(data)[:200]}"
            return None
        texts = [m["text"] for m in data if isinstance(m, dict) and m.get("text")]
        return Answer(texts, time.perf_counter() - started, attempts, time.monotonic())

    def settled(self, indices: Sequence[int]) -> int:
        """How many of the messages `indices` have been answered or have failed for good."""
        wanted = set(indices)
        return sum(
            1 for keys in (self.answers, self.failures) for (_, index) in keys if index in wanted
        )


def figures(answers: Sequence[Answer], wall_s: float) -> Dict[str, Any]:
    """p50/p95 latency (ms) and throughput (answers per second of wall time)."""
    latencies = sorted(a.latency_s * 1000 for a in answers)
    result: Dict[str, Any] = {
        "messages": len(latencies),
        "wall_s": round(wall_s, 1),
        "msgs_per_s": round(len(latencies) / wall_s, 1) if wall_s else None,
    }
    if latencies:
        result.update(
            p50_ms=round(statistics.median(latencies)),
            p95_ms=round(percentile(latencies, 95)),
            max_ms=round(latencies[-1]),
        )
    return result
