"""What the tests share: paths, the fixture data, a free port, project copies, the running
stack, and helpers to read what an action said. The fake Telegram Bot API is in
tests/support/telegram_fake_api.py.
"""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path
from typing import Any, List, Optional, Sequence

from rasa.shared.core.domain import Domain
from rasa_sdk.executor import CollectingDispatcher

from bot.probes import free_port  # noqa: F401  (the one free-port helper, for the tests)
from staff.project import Project
from staff.safe_write import STAGED_PARTS

ROOT = Path(__file__).resolve().parent.parent.parent
MODEL = ROOT / "models" / "perheneuvo.tar.gz"
TESTS = ROOT / "tests"
# Small, fixed copies of what staff edit, for the unit tests (tests/fixtures/README.md).
FIXTURES = TESTS / "fixtures"
FIXTURE_KNOWLEDGE = FIXTURES / "knowledge"
# Where each part of a project comes from in the fixture project (the rest: the real file).
_FIXTURE_PARTS = {
    "data": FIXTURES / "data",
    "domain.yml": FIXTURES / "domain.yml",
    "knowledge": FIXTURE_KNOWLEDGE,
    "tests/data": FIXTURES / "heldout",
}

# A domain for the conversation-store tests.
TRACKER_DOMAIN = Domain.from_dict(
    {
        "intents": ["faq", "ask_contact"],
        "slots": {
            "municipality": {
                "type": "text",
                "influence_conversation": False,
                "mappings": [{"type": "custom"}],
            }
        },
        "responses": {"utter_x": [{"text": "x"}]},
    }
)


def copy_project(destination: Path, real: bool = False) -> Project:
    """A copy of everything the staff tools read, to break or change in a test: the fixture
    project (tests/fixtures, with the real config.yml), or with `real` the real checkout."""
    for part in STAGED_PARTS:
        source = ROOT / part if real else _FIXTURE_PARTS.get(part, ROOT / part)
        if source.is_dir():
            shutil.copytree(source, destination / part)
        else:
            (destination / part).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / part)
    return Project(destination)


def replace_in(path: Path, old: str, new: str) -> int:
    """Replaces the first `old` in the file; returns the 1-based line where `new` starts."""
    source = path.read_text(encoding="utf-8")
    assert old in source, f"{old!r} is no longer in {path}: update the test"
    position = source.index(old)
    path.write_text(source[:position] + new + source[position + len(old) :], encoding="utf-8")
    return source[:position].count("\n") + 1


def texts(dispatcher: CollectingDispatcher) -> List[str]:
    """What the action said, with domain responses named as `response:<name>`."""
    return [m.get("text") or f"response:{m.get('response')}" for m in dispatcher.messages]


def start_stack(log_dir: Path, model: Path = MODEL, timeout: float = 240, **settings: Any):
    """The real action server, Rasa server and demo web page on free ports, as `make run`
    starts them, with a new API token and its own conversation store in `log_dir`."""
    import pytest

    from bot.launcher import Stack
    from bot.settings import Settings

    if not Path(model).exists():
        pytest.fail("no trained model: run 'make train' (make test does it)")
    web_port = free_port()
    values = dict(
        rasa_port=free_port(),
        actions_port=free_port(),
        model=Path(model),
        tracker_db=log_dir / "conversations.db",
        api_token=uuid.uuid4().hex,
        web_port=web_port,
        cors_origins=f"http://localhost:{web_port} http://127.0.0.1:{web_port}",
    )
    values.update(settings)
    stack = Stack(Settings(**values), log_dir)
    try:
        stack.start(timeout=timeout, web=True, telegram=False)
    except BaseException:
        stack.stop()
        for log in log_dir.glob("*.log"):
            print(log.read_text(errors="replace")[-3000:])
        raise
    return stack


def rasa_status(stack, token: Optional[str] = None) -> dict:
    """GET /status of the stack's Rasa server (model_id, model_file) with the API token."""
    import requests

    reply = requests.get(
        f"{stack.rasa_url}/status", params={"token": token or stack.settings.api_token}, timeout=30
    )
    assert reply.status_code == 200, reply.text
    return reply.json()


def run_make(target: str, *variables: str, timeout: float = 300):
    """`make <target> NAME=value ...` in the real checkout, as staff run it."""
    import subprocess

    return subprocess.run(
        ["make", "--no-print-directory", target, *variables],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def chat_with(stack):
    """Sends messages as one new user over the REST channel; returns the reply texts."""
    import requests

    sender = f"test-{uuid.uuid4().hex[:12]}"

    def send(message: Any, raw: bool = False, timeout: float = 30):
        body = message if raw else {"sender": sender, "message": message}
        reply = requests.post(f"{stack.rasa_url}/webhooks/rest/webhook", json=body, timeout=timeout)
        if raw:
            return reply
        assert reply.status_code == 200, reply.text
        return reply.json()

    send.sender = sender
    return send


def contrast_ratio(foreground: Sequence[float], background: Sequence[float]) -> float:
    """WCAG 2.1 contrast ratio of two sRGB colours given as 0-255 channels (alpha ignored)."""

    def luminance(rgb: Sequence[float]) -> float:
        linear = [
            c / 255 / 12.92 if c / 255 <= 0.04045 else ((c / 255 + 0.055) / 1.055) ** 2.4
            for c in rgb[:3]
        ]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    lighter, darker = sorted([luminance(foreground), luminance(background)], reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


def headless_chromium(user_data_dir: Path) -> Any:
    """Debian's Chromium, headless, through Debian's chromedriver: no downloads, no network
    but loopback (other host names do not resolve), 1280x900, the browser console logged."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1280,900",
        f"--user-data-dir={user_data_dir}",
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
    ]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
