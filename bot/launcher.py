"""Starts the whole bot: action server, Rasa server, demo web page and (when its token is set)
the Telegram front end; Ctrl-C stops them all.

    python -m bot.launcher            (what `make run` does)

Settings come from the environment (see .env.example). Other code (tests, the
benchmark) uses `Stack` to start the same processes on other ports.
"""
from __future__ import annotations

import dataclasses
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Dict, List, Optional

from bot import model_files

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


@dataclasses.dataclass
class Settings:
    rasa_port: int = 5005
    actions_port: int = 5055
    model: Path = ROOT / "models" / "perheneuvo.tar.gz"
    web_port: int = 8080
    cors_origins: str = "http://localhost:8080 http://127.0.0.1:8080"
    # The Telegram front end starts only when a bot token is set.
    telegram_token: str = ""
    # Conversations (Rasa's SQL tracker store on SQLite in this profile).
    tracker_db: Path = ROOT / "var" / "conversations.db"
    # Rasa's HTTP API (model reload, conversation export) accepts only this token; when it is
    # not set, a random one is made and kept in var/api-token (readable by the owner only).
    api_token: str = ""
    # The network interface Rasa listens on; behind nginx or on one machine, loopback.
    rasa_interface: str = "127.0.0.1"

    @classmethod
    def from_env(cls) -> "Settings":
        return cls(
            rasa_port=int(os.environ.get("PERHENEUVO_RASA_PORT", cls.rasa_port)),
            actions_port=int(os.environ.get("PERHENEUVO_ACTIONS_PORT", cls.actions_port)),
            model=Path(os.environ.get("PERHENEUVO_MODEL", cls.model)),
            web_port=int(os.environ.get("PERHENEUVO_WEB_PORT", cls.web_port)),
            cors_origins=os.environ.get("PERHENEUVO_CORS_ORIGINS", cls.cors_origins),
            telegram_token=os.environ.get("TELEGRAM_BOT_TOKEN", "").strip(),
            tracker_db=Path(os.environ.get("PERHENEUVO_TRACKER_DB", cls.tracker_db)),
            api_token=os.environ.get("PERHENEUVO_API_TOKEN", "").strip(),
            rasa_interface=os.environ.get("PERHENEUVO_RASA_INTERFACE", cls.rasa_interface),
        )

    def resolved_api_token(self) -> str:
        """The API token: the configured one, else the one in var/api-token (made if missing)."""
        if self.api_token:
            return self.api_token
        return api_token_from_file(ROOT / "var" / "api-token")


def api_token_from_file(path: Path) -> str:
    """Reads the token kept in `path`, creating it (mode 600) on first use."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_urlsafe(32))
    return path.read_text().strip()


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

    @property
    def web_url(self) -> str:
        return f"http://localhost:{self.settings.web_port}"

    def start_actions(self) -> None:
        # rasa-sdk binds to SANIC_HOST: loopback only, only Rasa calls it
        self._spawn("actions", actions_command(self.settings.actions_port),
                    SANIC_HOST="127.0.0.1")

    def start_rasa(self) -> None:
        try:
            model_files.verify(self.settings.model)
        except model_files.ModelFileError as error:
            raise SystemExit(f"error: {error}") from None
        self.settings.tracker_db.parent.mkdir(parents=True, exist_ok=True)
        self._spawn("rasa", rasa_command(self.settings, self.settings.rasa_port),
                    **RASA_SERVER_ENV)

    def start_web(self) -> None:
        """The demo family-centre page with the chat widget (bot/web)."""
        self._spawn("web", [sys.executable, "-m", "bot.web", "--port", str(self.settings.web_port),
                            "--rasa-url", f"http://localhost:{self.settings.rasa_port}"])

    def start_telegram(self) -> None:
        """The Telegram front end (bot/telegram); it reads its settings from the environment."""
        self._spawn("telegram", [sys.executable, "-m", "bot.telegram"],
                    TELEGRAM_BOT_TOKEN=self.settings.telegram_token)

    def start(self, timeout: float = 180.0, web: bool = True, telegram: bool = True) -> None:
        """Starts the servers; the web page and Telegram only when asked (and Telegram only
        when a token is set)."""
        self.start_actions()
        self.start_rasa()
        if web:
            self.start_web()
        if telegram and self.settings.telegram_token:
            self.start_telegram()
        elif telegram:
            print("Telegram: skipped (TELEGRAM_BOT_TOKEN is not set)", flush=True)
        self.wait_ready(timeout)

    def health_urls(self) -> Dict[str, str]:
        return {"actions": self.actions_url + "/health", "rasa": self.rasa_url + "/",
                "web": self.web_url + "/healthz"}

    def wait_ready(self, timeout: float = 180.0) -> None:
        deadline = time.monotonic() + timeout
        urls = self.health_urls()
        for name in [n for n in urls if n in self.processes]:
            url = urls[name]
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

    def _spawn(self, name: str, command: List[str], **extra_env: str) -> None:
        env = dict(os.environ, PERHENEUVO_RASA_URL=self.rasa_url, TF_CPP_MIN_LOG_LEVEL="2",
                   **endpoint_env(self.settings), **extra_env)
        output = None
        if self.log_dir:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            output = open(self.log_dir / f"{name}.log", "ab")
        self.processes[name] = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output,
                                                stderr=subprocess.STDOUT if output else None)


def endpoint_env(settings: Settings) -> Dict[str, str]:
    """The variables endpoints.yml reads."""
    return {"PERHENEUVO_ACTIONS_URL": f"http://127.0.0.1:{settings.actions_port}/webhook",
            "PERHENEUVO_TRACKER_DB": str(settings.tracker_db)}


# Sanic reads SANIC_* settings from the environment: refuse request bodies over 64 KB (a
# message is at most 1,000 characters).
RASA_SERVER_ENV = {"SANIC_REQUEST_MAX_SIZE": str(64 * 1024)}


def actions_command(port: int) -> List[str]:
    """rasa-sdk's action server with the knowledge status route (bot/action_server.py)."""
    return [sys.executable, "-m", "bot.action_server", "--actions", "actions", "--port", str(port)]


def rasa_command(settings: Settings, port: int, endpoints: str = "endpoints.yml") -> List[str]:
    """`rasa run` as every profile starts it: loopback interface, REST channel, the HTTP API
    only with the token, CORS only for the configured origins."""
    command = [str(VENV_BIN / "rasa"), "run", "--model", str(settings.model),
               "--interface", settings.rasa_interface, "--port", str(port),
               "--credentials", "credentials.yml", "--endpoints", endpoints,
               "--enable-api", "--auth-token", settings.resolved_api_token()]
    origins = settings.cors_origins.split()
    if origins:  # one --cors with every origin: Rasa keeps only the last of repeated options
        command += ["--cors", *origins]
    return command


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
    next_cleanup = 0.0
    try:
        stack.start()
        print(f"Perheneuvo is running.\n  demo page: {stack.web_url}/\n"
              f"  REST: {stack.rasa_url}/webhooks/rest/webhook\n  actions: {stack.actions_url}\n"
              f"  Ctrl-C stops everything", flush=True)
        while not stopping:
            if time.monotonic() >= next_cleanup:  # the retention period, kept day by day
                subprocess.Popen([sys.executable, "-m", "bot.retention"], cwd=ROOT,
                                 env=dict(os.environ, **endpoint_env(settings)))
                next_cleanup = time.monotonic() + 24 * 3600
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
