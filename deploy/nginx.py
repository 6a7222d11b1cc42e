"""nginx as the load balancer: its configuration from deploy/nginx.conf.template, and the
widget's pages served with the same security headers as bot.web serves them."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Dict, List

from bot.constants import REQUEST_BODY_LIMIT_BYTES
from bot.web.headers import security_headers
from bot.web.server import render_demo_page
from deploy.settings import NGINX_TEMPLATE, ProductionSettings
from deploy.supervisor import Service

# A Rasa server that refused a connection is left out this long before nginx tries it again.
FAIL_TIMEOUT_S = 10
HSTS_MAX_AGE_S = 365 * 24 * 60 * 60
# Paths of bot/web/static served as they are (the demo page is rendered first).
STATIC_PATHS = {"= /tietosuoja.html": "tietosuoja.html", "/widget/": "widget", "/assets/": "assets"}


def _headers(path: str) -> List[str]:
    # The widget talks to the address it was loaded from: this nginx ('self').
    return [
        f'add_header {name} "{value}" always;'
        for name, value in security_headers(path, "'self'").items()
    ]


def _location(match: str, lines: List[str]) -> str:
    body = "\n".join(f"            {line}" for line in lines)
    return f"        location {match} {{\n{body}\n        }}\n"


def publish_static(settings: ProductionSettings) -> None:
    """Copies bot/web/static (if there) into <directory>/nginx/www, readable by nginx's
    workers, with the demo page rendered; done at every start."""
    static, www = settings.static_dir, web_root(settings)
    shutil.rmtree(www, ignore_errors=True)
    if not (static / "index.html").is_file():
        return
    shutil.copytree(static, www)
    template = (static / "index.html").read_text(encoding="utf-8")
    # data-server="" makes the widget post to the address it came from: this nginx
    (www / "index.html").write_text(render_demo_page(template, ""), encoding="utf-8")
    for path in [www, *www.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)


def static_locations(settings: ProductionSettings) -> str:
    """The demo page at / and the widget's files, when they were published."""
    www = web_root(settings)
    if not (www / "index.html").is_file():
        return ""
    blocks = [_location("= /", ["try_files /index.html =404;"] + _headers("/"))]
    for match, name in STATIC_PATHS.items():
        if (www / name).exists():
            blocks.append(_location(match, _headers(match.lstrip("= "))))
    return "".join(blocks)


def console_headers(settings: ProductionSettings) -> str:
    """HSTS on the console's server when its address is https (a year; nginx's own 4xx/5xx
    pages too)."""
    if not settings.console_https:
        return ""
    return f'        add_header Strict-Transport-Security "max-age={HSTS_MAX_AGE_S}" always;\n'


def web_root(settings: ProductionSettings) -> Path:
    return settings.path("nginx", "www")


def render(settings: ProductionSettings) -> str:
    upstreams = "\n".join(
        f"        server 127.0.0.1:{port} max_fails=1 fail_timeout={FAIL_TIMEOUT_S}s;"
        for port in settings.rasa_ports
    )
    values: Dict[str, str] = {
        "nginx_dir": str(settings.path("nginx")),
        "log_dir": str(settings.path("logs")),
        "rate_limit": settings.rate_limit,
        "rate_burst": str(settings.rate_burst),
        "upstream_servers": upstreams,
        "http_address": settings.http_address,
        "http_port": str(settings.http_port),
        "web_root": str(web_root(settings)),
        "read_timeout": str(settings.lock_lifetime + 30),
        "next_upstream_tries": str(settings.rasa_servers),
        "static_locations": static_locations(settings),
        "body_limit": str(REQUEST_BODY_LIMIT_BYTES),
        "console_server_name": settings.console_server_name,
        "console_port": str(settings.console_port),
        "console_headers": console_headers(settings),
    }
    text = NGINX_TEMPLATE.read_text(encoding="utf-8")
    for key, value in values.items():
        text = text.replace("{{" + key + "}}", value)
    if "{{" in text:
        raise ValueError(f"{NGINX_TEMPLATE}: a placeholder was not filled in")
    return text


def write_config(settings: ProductionSettings) -> Path:
    directory = settings.path("nginx")
    directory.mkdir(parents=True, exist_ok=True)
    directory.chmod(0o755)
    settings.path("logs").mkdir(parents=True, exist_ok=True)
    publish_static(settings)
    config = directory / "nginx.conf"
    config.write_text(render(settings), encoding="utf-8")
    return config


def binary() -> str:
    found = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    if not found:
        raise RuntimeError(
            "nginx is not installed: run 'make setup' (it installs Debian's nginx package)"
        )
    return found


def service(settings: ProductionSettings, ready) -> Service:
    config = write_config(settings)
    return Service("nginx", [binary(), "-c", str(config), "-p", str(config.parent)], ready=ready)
