"""The staff console (console/) under test: Django set up with a throw-away var folder, a
test database, and accounts of each role.

Unit tests use Django's test client on a copy of the fixture project (copy_project); the
browser test starts a real `python -m console` process (console_process)."""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

import pytest

from bot import probes
from bot.launcher import stop_process

PASSWORD = "Kahvi-ja-pulla-2026"


def django_ready() -> None:
    """Django set up for the tests: console.settings with its var/ in a temporary folder
    (the secret key, never the checkout's var/)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "console.settings")
    if "PERHENEUVO_CONSOLE_VAR_DIR" not in os.environ:
        var = tempfile.mkdtemp(prefix="perheneuvo-console-test-")
        atexit.register(shutil.rmtree, var, True)
        os.environ["PERHENEUVO_CONSOLE_VAR_DIR"] = var
    import django

    django.setup()


_DB_USERS = 0
_DB_STATE: List[Any] = []


@pytest.fixture(scope="session")
def console_db() -> Iterator[None]:
    """A migrated in-memory test database for the whole session (what Django's test
    runner does before TestCase classes run). Registered once in tests/conftest.py; should a
    module import it too, pytest sees one per module: only the first sets the database up,
    and the last one out tears it down."""
    django_ready()
    from django.test.utils import (
        setup_databases,
        setup_test_environment,
        teardown_databases,
        teardown_test_environment,
    )

    global _DB_USERS
    _DB_USERS += 1
    if _DB_USERS == 1:
        setup_test_environment()
        _DB_STATE.append(setup_databases(verbosity=0, interactive=False))
    yield
    _DB_USERS -= 1
    if _DB_USERS == 0:
        teardown_databases(_DB_STATE.pop(), verbosity=0)
        teardown_test_environment()


def console_env(project: Path, var_dir: Path, port: int) -> Dict[str, str]:
    return dict(
        os.environ,
        PERHENEUVO_CONSOLE_PROJECT=str(project),
        PERHENEUVO_CONSOLE_VAR_DIR=str(var_dir),
        PERHENEUVO_CONSOLE_PORT=str(port),
        DJANGO_SETTINGS_MODULE="console.settings",
    )


def start_console(
    project: Path,
    var_dir: Path,
    timeout: float = 60,
    port: Optional[int] = None,
    **extra_env: str,
) -> Tuple[subprocess.Popen, str]:
    """A real `python -m console` on a free port (or `port`); returns (process, base URL).
    `extra_env`: more settings, e.g. the running bot the console publishes to
    (PERHENEUVO_RASA_URL)."""
    port = port or probes.free_port()
    with open(var_dir / "console.log", "ab") as log:  # the child keeps its own copy
        process = subprocess.Popen(
            [sys.executable, "-m", "console"],
            cwd=Path(__file__).resolve().parent.parent.parent,
            env=dict(console_env(project, var_dir, port), **extra_env),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while not probes.responds(url + "/healthz"):
        if process.poll() is not None or time.monotonic() > deadline:
            stop_process(process)
            raise RuntimeError((var_dir / "console.log").read_text(errors="replace")[-3000:])
        time.sleep(0.25)
    return process, url


def replaced_page_errors() -> Tuple[type, ...]:
    """What Chromium answers about an element while a new page (or a page's own refresh)
    replaces it: gone, stale, or "Node with given id does not belong to the document" as a plain
    WebDriverException. A helper that reads a refreshing page treats these as "not there yet"."""
    from selenium.common.exceptions import WebDriverException

    return (WebDriverException,)


PUBLISH_WAIT = 900  # training, two answer-level evaluations, the reload; on 2 busy cores


def wait_for_run(browser: Any, timeout: float = PUBLISH_WAIT) -> str:
    """Waits on the publishing run's page (it refreshes itself) until the run is done or
    failed; its state."""
    from selenium.webdriver.common.by import By

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            state = browser.find_element(By.ID, "tila").get_attribute("data-state")
        except replaced_page_errors():
            state = ""
        if state in ("done", "failed"):
            return state
        time.sleep(2)
    pytest.fail("publishing did not finish: " + browser.find_element(By.TAG_NAME, "main").text)


def loaded(driver: Any) -> bool:
    """Whether the page in the window has loaded. After a click the address changes as the new
    page starts to load, before its elements are there: a wait for an address adds this."""
    try:
        return driver.execute_script("return document.readyState") == "complete"
    except replaced_page_errors():
        return False
