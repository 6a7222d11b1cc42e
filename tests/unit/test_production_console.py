"""The staff console in the production profile: nginx's rendered configuration
(deploy/nginx.conf.template) serves it under its own server name only, never on the families'
address, with HSTS when its address is https; and the console's settings behind nginx.
The same through a running nginx and console is in tests/e2e/test_console_nginx.py."""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
from pathlib import Path
from typing import Dict, List

import pytest

from deploy import nginx
from deploy.settings import ProductionSettings

CONSOLE_NAME = "konsoli.perheneuvo.example.fi"


def settings_for(tmp_path: Path, **changes) -> ProductionSettings:
    environ = {
        "PERHENEUVO_PRODUCTION_DIR": str(tmp_path / "profile"),
        "PERHENEUVO_CONSOLE_SERVER_NAME": CONSOLE_NAME,
        "PERHENEUVO_PRODUCTION_CONSOLE_PORT": "18091",
        "PERHENEUVO_POSTGRES_PASSWORD": "p@ss/word",
    }
    return dataclasses.replace(ProductionSettings.from_env(environ), **changes)


def server_blocks(config: str) -> Dict[str, str]:
    """Each `server { ... }` block of the configuration by its server_name."""
    blocks = {}
    for match in re.finditer(r"\n    server \{", config):
        depth, end = 0, match.end() - 1
        for end in range(match.end() - 1, len(config)):
            depth += {"{": 1, "}": -1}.get(config[end], 0)
            if depth == 0:
                break
        block = config[match.start() : end + 1]
        name = re.search(r"server_name ([^;]+);", block)
        assert name, block
        blocks[name.group(1)] = block
    return blocks


def directives(block: str, name: str) -> List[str]:
    return re.findall(rf"^\s*{name}\s+([^;]*);", block, flags=re.MULTILINE)


def test_the_families_address_does_not_reach_the_console(tmp_path):
    settings = settings_for(tmp_path)
    blocks = server_blocks(nginx.render(settings))
    assert set(blocks) == {"_", CONSOLE_NAME}
    families, console = blocks["_"], blocks[CONSOLE_NAME]
    # Any name but the console's (or none, or an address) ends in the families' server ...
    assert directives(families, "listen") == [
        f"{settings.http_address}:{settings.http_port} default_server"
    ]
    assert directives(console, "listen") == [f"{settings.http_address}:{settings.http_port}"]
    # ... which passes on only the REST channel, and everything else is a 404.
    assert directives(families, "proxy_pass") == ["http://perheneuvo_rasa/webhooks/rest/"]
    assert str(settings.console_port) not in families
    assert "konsoli" not in families and "/static/" not in families
    assert re.search(r"location / \{\s*return 404;\s*\}", families)
    # The console's server passes everything to the console on loopback.
    assert directives(console, "proxy_pass") == [f"http://127.0.0.1:{settings.console_port}"]
    assert directives(console, "proxy_set_header").count("Host $http_host") == 1
    assert "Strict-Transport-Security" not in console  # plain http: no HSTS


def test_hsts_only_when_the_console_is_on_https(tmp_path):
    settings = settings_for(tmp_path, console_https=True)
    blocks = server_blocks(nginx.render(settings))
    assert directives(blocks[CONSOLE_NAME], "add_header") == [
        'Strict-Transport-Security "max-age=31536000" always'
    ]
    assert "Strict-Transport-Security" not in blocks["_"]
    assert settings.console_origin == f"https://{CONSOLE_NAME}"


def test_the_consoles_settings_behind_nginx(tmp_path):
    settings = settings_for(tmp_path)
    env = settings.console_env()
    assert env["PERHENEUVO_CONSOLE_HOST"] == "127.0.0.1"
    assert env["PERHENEUVO_CONSOLE_PORT"] == "18091"
    assert env["PERHENEUVO_CONSOLE_ALLOWED_HOSTS"].split() == [CONSOLE_NAME, "127.0.0.1"]
    assert env["PERHENEUVO_CONSOLE_TRUSTED_ORIGINS"] == f"http://{CONSOLE_NAME}:8081"
    assert env["PERHENEUVO_CONSOLE_HTTPS"] == "0"
    assert env["PERHENEUVO_CONSOLE_VAR_DIR"] == str(settings.path("console"))
    # The inbox reads the production conversation store; the password is quoted in the URL.
    assert env["PERHENEUVO_TRACKER_DB"] == (
        f"postgresql://perheneuvo:p%40ss%2Fword@127.0.0.1:{settings.postgres_port}/perheneuvo"
    )
    # the action server makes requests for a person in the same store
    assert settings.server_env()["PERHENEUVO_TRACKER_DB"] == env["PERHENEUVO_TRACKER_DB"]


@pytest.mark.parametrize(
    "name", ["", "_", "konsoli", "konsoli.example.fi; return 200", "konsoli .fi", "KONSOLI.fi"]
)
def test_the_server_name_must_be_a_host_name(tmp_path, name):
    with pytest.raises(ValueError, match="PERHENEUVO_CONSOLE_SERVER_NAME"):
        ProductionSettings.from_env(
            {
                "PERHENEUVO_PRODUCTION_DIR": str(tmp_path),
                "PERHENEUVO_CONSOLE_SERVER_NAME": name or " ",
            }
        )


@pytest.mark.skipif(
    not shutil.which("nginx") and not Path("/usr/sbin/nginx").exists(), reason="no nginx"
)
def test_nginx_accepts_the_configuration(tmp_path):
    settings = settings_for(tmp_path, console_https=True)
    config = nginx.write_config(settings)
    result = subprocess.run(
        [nginx.binary(), "-t", "-q", "-c", str(config), "-p", str(config.parent)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
