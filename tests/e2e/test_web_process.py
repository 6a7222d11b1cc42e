"""`python -m bot.web` as a process, as `make run` starts it; no model or browser needed.
The web server's pages and headers are tested in process in tests/unit/test_web_server.py."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request

from tests.support import ROOT, free_port

RASA_URL = "http://localhost:5005"


def test_python_dash_m_bot_web_serves_the_demo_page():
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.web", "--port", str(port), "--rasa-url", RASA_URL], cwd=ROOT
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://localhost:{port}/", timeout=2) as reply:
                    assert b"perheneuvo.js" in reply.read()
                    break
            except OSError:
                assert process.poll() is None, "bot.web exited"
                assert time.monotonic() < deadline, "bot.web did not answer"
                time.sleep(0.2)
    finally:
        process.terminate()
        process.wait(timeout=10)
