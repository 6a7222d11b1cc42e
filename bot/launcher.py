"""Starts the whole bot: action server, Rasa server, demo web page, the staff console and (when
its token is set) the Telegram front end; Ctrl-C stops them all.

    python -m bot.launcher            (what `make run` does)

Settings come from the environment (bot/settings.py, .env.example). Other code (tests, the
benchmark) uses `Stack` to start the same processes on other ports.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional

from bot import model_files, probes, quiet_warnings
from bot.constants import REQUEST_BODY_LIMIT_BYTES
from bot.retention import DailyRetention
from bot.settings import ROOT, Settings, endpoint_env


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
        self._spawn("actions", actions_command(self.settings.actions_port), SANIC_HOST="127.0.0.1")

    def start_rasa(self) -> None:
        try:
            model_files.verify(self.settings.model)
        except model_files.ModelFileError as error:
            raise SystemExit(f"error: {error}") from None
        self.settings.tracker_db.parent.mkdir(parents=True, exist_ok=True)
        self._spawn(
            "rasa",
            rasa_command(self.settings, self.settings.rasa_port),
            **rasa_server_env(self.settings),
        )

    def start_web(self) -> None:
        """The demo family-centre page with the chat widget (bot/web)."""
        self._spawn(
            "web",
            [
                sys.executable,
                "-m",
                "bot.web",
                "--port",
                str(self.settings.web_port),
                "--rasa-url",
                f"http://localhost:{self.settings.rasa_port}",
            ],
        )

    @property
    def console_url(self) -> str:
        return f"http://localhost:{self.settings.console_port}"

    def start_console(self) -> None:
        """The staff console (console/, waitress on loopback); on its first start it makes the
        first pääkäyttäjä and says where the password is."""
        self._spawn(
            "console",
            [sys.executable, "-m", "console"],
            PERHENEUVO_CONSOLE_PORT=str(self.settings.console_port),
            # Publishing loads the new model through Rasa's HTTP API (console/publishing).
            PERHENEUVO_API_TOKEN=self.settings.resolved_api_token(),
        )

    def start_telegram(self) -> None:
        """The Telegram front end (bot/telegram); it reads its settings from the environment."""
        self._spawn(
            "telegram",
            [sys.executable, "-m", "bot.telegram"],
            TELEGRAM_BOT_TOKEN=self.settings.telegram_token,
        )

    def start(
        self,
        timeout: float = 180.0,
        web: bool = True,
        telegram: bool = True,
        console: bool = False,
    ) -> None:
        """Starts the servers; the web page, the staff console and Telegram only when asked
        (and Telegram only when a token is set)."""
        self.start_actions()
        self.start_rasa()
        if web:
            self.start_web()
        if console:
            self.start_console()
        if telegram and self.settings.telegram_token:
            self.start_telegram()
        elif telegram:
            print("Telegram: skipped (TELEGRAM_BOT_TOKEN is not set)", flush=True)
        self.wait_ready(timeout)

    def health_urls(self) -> Dict[str, str]:
        return {
            "actions": self.actions_url + "/health",
            "rasa": self.rasa_url + "/",
            "web": self.web_url + "/healthz",
            "console": self.console_url + "/healthz",
        }

    def wait_ready(self, timeout: float = 180.0) -> None:
        deadline = time.monotonic() + timeout
        urls = self.health_urls()
        for name in [n for n in urls if n in self.processes]:
            url = urls[name]
            while not probes.responds(url):
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
        env = dict(
            os.environ,
            PERHENEUVO_RASA_URL=self.rasa_url,
            TF_CPP_MIN_LOG_LEVEL="2",
            **endpoint_env(self.settings),
            **extra_env,
        )
        if "PERHENEUVO_API_TOKEN" not in extra_env:  # only the Rasa server gets the token
            env.pop("PERHENEUVO_API_TOKEN", None)
        output = None
        if self.log_dir:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            output = open(self.log_dir / f"{name}.log", "ab")
        try:
            self.processes[name] = subprocess.Popen(
                command,
                cwd=ROOT,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT if output else None,
            )
        finally:
            if output:  # the child has its own copy of the file
                output.close()


def rasa_server_env(settings: Settings) -> Dict[str, str]:
    """What the Rasa server reads from its environment besides endpoint_env: the API token
    (bot.rasa_server adds it to Rasa's arguments in-process, never on the command line) and
    Sanic's SANIC_* settings: refuse request bodies over the limit."""
    return {
        "PERHENEUVO_API_TOKEN": settings.resolved_api_token(),
        "SANIC_REQUEST_MAX_SIZE": str(REQUEST_BODY_LIMIT_BYTES),
    }


# Rasa's command line through bot.rasa_server: the API token and the warning filters.
RASA_CLI = [sys.executable, "-m", "bot.rasa_server"]


def actions_command(port: int) -> List[str]:
    """rasa-sdk's action server with the knowledge status route (bot/action_server.py)."""
    return [sys.executable, "-m", "bot.action_server", "--actions", "actions", "--port", str(port)]


def rasa_command(settings: Settings, port: int, endpoints: str = "endpoints.yml") -> List[str]:
    """`rasa run` as every profile starts it: loopback interface, REST channel, the HTTP API
    only with the token (from rasa_server_env), CORS only for the configured origins."""
    command = [
        *RASA_CLI,
        "run",
        "--model",
        str(settings.model),
        "--interface",
        settings.rasa_interface,
        "--port",
        str(port),
        "--credentials",
        "credentials.yml",
        "--endpoints",
        endpoints,
        "--enable-api",
    ]
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


def main() -> int:
    quiet_warnings.install()
    settings = Settings.from_env()
    stack = Stack(settings)
    stopping = False

    def on_signal(signum, _frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    retention = DailyRetention(env=dict(os.environ, **endpoint_env(settings)))
    try:
        stack.start(console=True)
        print(
            f"Perheneuvo is running.\n  demo page: {stack.web_url}/\n"
            f"  REST: {stack.rasa_url}/webhooks/rest/webhook\n  actions: {stack.actions_url}\n"
            f"  staff console: {stack.console_url}/\n"
            f"  Ctrl-C stops everything",
            flush=True,
        )
        while not stopping:
            retention.run_when_due()
            for name, process in stack.processes.items():
                if process.poll() is not None:
                    print(
                        f"error: the {name} server stopped (exit {process.returncode})",
                        file=sys.stderr,
                    )
                    return 1
            time.sleep(0.5)
        return 0
    finally:
        stack.stop()


if __name__ == "__main__":
    sys.exit(main())
