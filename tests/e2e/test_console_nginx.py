"""The staff console behind nginx as the production profile runs them, without the rest of the
profile (no model, PostgreSQL or Rasa needed): deploy's rendered nginx configuration and a real
`python -m console` with deploy's console settings, on free loopback ports. The console answers
under its own server name only; the families' address (any other name, or none) never
reaches it. Takes a few seconds; the whole profile is in tests/production."""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import requests

from bot import probes
from bot.launcher import stop_process
from deploy import nginx
from deploy.settings import ProductionSettings
from tests.support import copy_project
from tests.support.console import start_console

CONSOLE_NAME = "konsoli.localhost"

pytestmark = pytest.mark.skipif(
    not shutil.which("nginx") and not Path("/usr/sbin/nginx").exists(), reason="no nginx"
)


@pytest.fixture(scope="module")
def front(tmp_path_factory):
    directory = tmp_path_factory.mktemp("profile")
    settings = ProductionSettings.from_env(
        {
            "PERHENEUVO_PRODUCTION_DIR": str(directory),
            "PERHENEUVO_HTTP_PORT": str(probes.free_port()),
            "PERHENEUVO_PRODUCTION_CONSOLE_PORT": str(probes.free_port()),
            "PERHENEUVO_CONSOLE_SERVER_NAME": CONSOLE_NAME,
            "PERHENEUVO_POSTGRES_PASSWORD": "not-used-here",
        }
    )
    project = copy_project(tmp_path_factory.mktemp("project"))
    var_dir = settings.path("console")
    var_dir.mkdir(parents=True)
    with pytest.MonkeyPatch.context() as patch:
        for name, value in settings.console_env().items():
            patch.setenv(name, value)
        console, _url = start_console(project.root, var_dir, port=settings.console_port)
    config = nginx.write_config(dataclasses.replace(settings))
    server = subprocess.Popen(
        [nginx.binary(), "-c", str(config), "-p", str(config.parent)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    while not probes.port_open(settings.http_port):
        assert server.poll() is None and time.monotonic() < deadline, "nginx did not start"
        time.sleep(0.1)
    yield settings, var_dir
    stop_process(server)
    stop_process(console)


def get(settings: ProductionSettings, path: str, host: str, **kwargs) -> requests.Response:
    return requests.get(
        f"http://127.0.0.1:{settings.http_port}{path}",
        headers={"Host": host},
        allow_redirects=False,
        timeout=30,
        **kwargs,
    )


CONSOLE_PATHS = [
    "/",
    "/kirjaudu/",
    "/healthz",
    "/aiheet/",
    "/saapuneet/",
    "/static/console/console.css",
]


def test_the_families_address_never_reaches_the_console(front):
    settings, _var = front
    for host in [
        "127.0.0.1",
        f"127.0.0.1:{settings.http_port}",
        "perheneuvo.example.fi",
        "konsoli",
    ]:
        for path in CONSOLE_PATHS:
            reply = get(settings, path, host)
            assert reply.status_code == 404, (host, path, reply.status_code)
            assert "Kirjaudu" not in reply.text and "konsoli" not in reply.text.lower()


def test_the_console_answers_under_its_own_name_with_its_security_headers(front):
    settings, _var = front
    host = f"{CONSOLE_NAME}:{settings.http_port}"
    reply = get(settings, "/aiheet/", host)
    assert reply.status_code == 302 and reply.headers["Location"] == "/kirjaudu/?next=/aiheet/"
    page = get(settings, "/kirjaudu/", host)
    assert page.status_code == 200 and "Kirjaudu sisään" in page.text
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy
    assert "frame-ancestors 'none'" in policy
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert "Strict-Transport-Security" not in page.headers  # http here; https adds it
    # Under the bare name too (the port is the browser's business).
    assert get(settings, "/kirjaudu/", CONSOLE_NAME).status_code == 200


def test_logging_in_through_nginx_passes_the_csrf_check(front):
    settings, var_dir = front
    host = f"{CONSOLE_NAME}:{settings.http_port}"
    origin = f"http://{host}"
    session = requests.Session()
    page = session.get(
        f"http://127.0.0.1:{settings.http_port}/kirjaudu/", headers={"Host": host}, timeout=30
    )
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    password = (var_dir / "console-admin-password").read_text().strip()
    reply = session.post(
        f"http://127.0.0.1:{settings.http_port}/kirjaudu/",
        headers={"Host": host, "Origin": origin, "Referer": origin + "/kirjaudu/"},
        data={"csrfmiddlewaretoken": token, "username": "paakayttaja", "password": password},
        allow_redirects=False,
        timeout=30,
    )
    assert reply.status_code == 302 and reply.headers["Location"] == "/", reply.text[:500]
    # Without the token: the console's Finnish refusal, through nginx.
    refused = session.post(
        f"http://127.0.0.1:{settings.http_port}/kirjaudu-ulos/",
        headers={"Host": host, "Origin": origin},
        allow_redirects=False,
        timeout=30,
    )
    assert refused.status_code == 403 and "Lomaketta ei hyväksytty" in refused.text
