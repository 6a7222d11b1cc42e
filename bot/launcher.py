"""Starts the whole bot: the action server and the Rasa server; Ctrl-C stops both.

    python -m bot.launcher            (what `make run` does)

Settings come from the environment (see .env.example). Other code (tests, the
benchmark) uses `Stack` to start the same processes on other ports.
"""
from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Dict, List, Optional

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


@dataclasses.dataclass
class Settings:
    rasa_port: int = 5005
    actions_port: int = 5055
    model: Path = ROOT / "models" / "perheneuvo.tar.gz"
    cors_origins: str = "http://localhost:8080 http://127.0.0.1:8080"

    @classmethod
    def from_env(cls) -> "Settings":
        return cls(
            rasa_port=int(os.environ.get("PERHENEUVO_RASA_PORT", cls.rasa_port)),
            actions_port=int(os.environ.get("PERHENEUVO_ACTIONS_PORT", cls.actions_port)),
            model=Path(os.environ.get("PERHENEUVO_MODEL", cls.model)),
            cors_origins=os.environ.get("PERHENEUVO_CORS_ORIGINS", cls.cors_origins),
        )


class Stack:
    """The action server and the Rasa server as child processes."""

    def __init__(self, settings: Settings, log_dir: Optional[Path] = None):
        self.settings = settings
        self.log_dir = log_dir
        self.processes: Dict[str, subprocess.Popen] = {}

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.settings.rasa_port}"

    @property
    def actions_url(self) -> str:
        return f"http://127.0.0.1:{self.settings.actions_port}"

    def start_actions(self) -> None:
        self._spawn("actions", [str(VENV_BIN / "rasa"), "run", "actions", "--actions", "actions",
                                "--port", str(self.settings.actions_port)])

    def start_rasa(self) -> None:
        if not self.settings.model.exists():
            raise SystemExit(f"error: no trained model at {self.settings.model}: run 'make train'")
        command = [str(VENV_BIN / "rasa"), "run", "--model", str(self.settings.model),
                   "--port", str(self.settings.rasa_port), "--credentials", "credentials.yml",
                   "--endpoints", "endpoints.yml"]
        for origin in self.settings.cors_origins.split():
            command += ["--cors", origin]
        self._spawn("rasa", command)

    def start(self, timeout: float = 180.0) -> None:
        self.start_actions()
        self.start_rasa()
        self.wait_ready(timeout)

    def wait_ready(self, timeout: float = 180.0) -> None:
        deadline = time.monotonic() + timeout
        for name, url in (("actions", self.actions_url + "/health"), ("rasa", self.rasa_url + "/")):
            while not _responds(url):
                process = self.processes.get(name)
                if process and process.poll() is not None:
                    raise RuntimeError(f"{name} server exited with {process.returncode}")
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{name} server did not answer at {url}")
                time.sleep(0.25)

    def stop(self, name: Optional[str] = None) -> None:
        for key in [name] if name else list(self.processes):
            stop_process(self.processes.pop(key, None))

    def _spawn(self, name: str, command: List[str]) -> None:
        env = dict(os.environ, PERHENEUVO_ACTIONS_URL=f"{self.actions_url}/webhook",
                   TF_CPP_MIN_LOG_LEVEL="2")
        output = None
        if self.log_dir:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            output = open(self.log_dir / f"{name}.log", "ab")
        self.processes[name] = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output,
                                                stderr=subprocess.STDOUT if output else None)


def stop_process(process: Optional[subprocess.Popen], timeout: float = 20) -> None:
    """SIGTERM, then SIGKILL if the process has not ended within `timeout` seconds."""
    if process and process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _responds(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as reply:
            return reply.status == 200
    except OSError:
        return False


def main() -> int:
    settings = Settings.from_env()
    stack = Stack(settings)
    stopping = False

    def on_signal(signum, _frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        stack.start()
        print(f"Perheneuvo is running. REST: {stack.rasa_url}/webhooks/rest/webhook  "
              f"actions: {stack.actions_url}  (Ctrl-C stops)", flush=True)
        while not stopping:
            for name, process in stack.processes.items():
                if process.poll() is not None:
                    print(f"error: the {name} server stopped (exit {process.returncode})",
                          file=sys.stderr)
                    return 1
            time.sleep(0.5)
        return 0
    finally:
        stack.stop()


if __name__ == "__main__":
    sys.exit(main())
