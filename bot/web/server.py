"""The aiohttp application: demo page, privacy page, widget files and a health check."""

from __future__ import annotations

import html
from pathlib import Path

from aiohttp import web

from bot.web.headers import security_headers
from bot.web.settings import WebSettings

STATIC_DIR = Path(__file__).resolve().parent / "static"
SETTINGS_KEY = web.AppKey("settings", WebSettings)
DEMO_PAGE_KEY = web.AppKey("demo_page", str)
# The demo page names the Rasa server in the widget's script tag.
RASA_URL_PLACEHOLDER = "{{RASA_URL}}"


def render_demo_page(template: str, rasa_url: str) -> str:
    return template.replace(RASA_URL_PLACEHOLDER, html.escape(rasa_url, quote=True))


async def demo_page(request: web.Request) -> web.Response:
    return web.Response(text=request.app[DEMO_PAGE_KEY], content_type="text/html")


async def privacy_page(request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC_DIR / "tietosuoja.html")


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def add_security_headers(request: web.Request, response: web.StreamResponse) -> None:
    rasa_origin = request.app[SETTINGS_KEY].rasa_origin
    for name, value in security_headers(request.path, rasa_origin).items():
        response.headers.setdefault(name, value)
    # Every file here is UTF-8; say so, as a host page in another encoding loads the widget too.
    if response.content_type.startswith("text/") and not response.charset:
        response.charset = "utf-8"


def make_app(settings: WebSettings) -> web.Application:
    app = web.Application()
    app[SETTINGS_KEY] = settings
    template = (STATIC_DIR / "index.html").read_text(encoding="utf-8")
    app[DEMO_PAGE_KEY] = render_demo_page(template, settings.rasa_url)
    # aiohttp 3.9 annotates its signals for aiosignal < 1.4 (Signal[Callable[...]]); aiosignal
    # 1.4 made Signal generic over the handler's arguments, so the annotation no longer fits a
    # correct (request, response) -> None handler.
    app.on_response_prepare.append(add_security_headers)  # type: ignore[arg-type]
    app.router.add_get("/", demo_page)
    app.router.add_get("/tietosuoja.html", privacy_page)
    app.router.add_get("/healthz", healthz)
    app.router.add_static("/widget", STATIC_DIR / "widget")
    app.router.add_static("/assets", STATIC_DIR / "assets")
    return app
