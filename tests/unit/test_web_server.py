"""The web server (bot.web) and the widget files it serves; no model or browser needed.

The browser tests of the widget itself are in tests/e2e/test_widget.py, `python -m bot.web`
as a process in tests/e2e/test_web_process.py.
"""

from __future__ import annotations

import re
from typing import Dict

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.web import WebSettings, make_app
from bot.web.server import render_demo_page
from tests.support import ROOT, contrast_ratio

STATIC = ROOT / "bot" / "web" / "static"
WIDGET_JS = STATIC / "widget" / "perheneuvo.js"
WIDGET_CSS = STATIC / "widget" / "perheneuvo.css"
RASA_URL = "http://localhost:5005"


@pytest.fixture
async def client():
    async with TestClient(TestServer(make_app(WebSettings(rasa_url=RASA_URL)))) as test_client:
        yield test_client


# -- pages and files ------------------------------------------------------------------------


async def test_health_check_answers_200(client):
    reply = await client.get("/healthz")
    assert reply.status == 200 and (await reply.json()) == {"status": "ok"}


async def test_demo_page_embeds_the_widget_with_one_script_tag_naming_rasa(client):
    reply = await client.get("/")
    page = await reply.text()
    assert reply.status == 200 and reply.content_type == "text/html"
    tags = re.findall(r"<script\b[^>]*>", page)
    assert len(tags) == 1
    assert 'src="/widget/perheneuvo.js"' in tags[0]
    assert f'data-server="{RASA_URL}"' in tags[0]
    assert "{{" not in page


def test_the_rasa_address_is_escaped_in_the_demo_page():
    page = render_demo_page(
        '<script data-server="{{RASA_URL}}"></script>', 'http://x/"><img src=x onerror=alert(1)>'
    )
    assert "<img" not in page and "&quot;&gt;&lt;img" in page


@pytest.mark.parametrize(
    "path, content_type",
    [
        ("/widget/perheneuvo.js", "text/javascript"),
        ("/widget/perheneuvo.css", "text/css"),
        ("/tietosuoja.html", "text/html"),
        ("/assets/demo.css", "text/css"),
    ],
)
async def test_files_are_served_as_utf8_with_their_type(client, path, content_type):
    reply = await client.get(path)
    assert reply.status == 200
    assert reply.content_type in (content_type, "application/javascript")
    assert reply.charset == "utf-8"


async def test_privacy_page_is_finnish_and_says_where_the_conversation_is_kept(client):
    page = await (await client.get("/tietosuoja.html")).text()
    assert 'lang="fi"' in page and "sessionStorage" in page and "Poistu nopeasti" in page


@pytest.mark.parametrize(
    "path",
    [
        "/widget/../server.py",
        "/widget/%2e%2e/server.py",
        "/assets/../../launcher.py",
        "/nothing-here",
    ],
)
async def test_nothing_outside_static_is_served(client, path):
    assert (await client.get(path)).status in (403, 404)


# -- security headers ---------------------------------------------------------------------


def _csp(headers) -> Dict[str, str]:
    directives = [d.strip().split(" ", 1) for d in headers["Content-Security-Policy"].split(";")]
    return {d[0]: d[1] if len(d) > 1 else "" for d in directives}


@pytest.mark.parametrize("path", ["/", "/widget/perheneuvo.js", "/tietosuoja.html", "/nothing"])
async def test_every_response_has_strict_security_headers(client, path):
    headers = (await client.get(path)).headers
    csp = _csp(headers)
    assert csp["default-src"] == "'none'"
    assert csp["script-src"] == "'self'" and csp["style-src"] == "'self'"
    assert csp["connect-src"] == RASA_URL
    assert csp["frame-ancestors"] == "'none'"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"


async def test_only_widget_files_may_be_loaded_by_other_sites(client):
    widget = await client.get("/widget/perheneuvo.js")
    page = await client.get("/")
    assert widget.headers["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert page.headers["Cross-Origin-Resource-Policy"] == "same-origin"


async def test_connect_src_is_the_rasa_origin_without_its_path():
    settings = WebSettings(rasa_url="https://chat.example.fi:8443/rasa/")
    async with TestClient(TestServer(make_app(settings))) as test_client:
        headers = (await test_client.get("/")).headers
    assert _csp(headers)["connect-src"] == "https://chat.example.fi:8443"
    assert settings.rasa_url == "https://chat.example.fi:8443/rasa"


@pytest.mark.parametrize(
    "bad",
    [
        "localhost:5005",
        "ftp://x",
        "javascript:alert(1)",
        "http://",
        "http://x/?a=1",
        "http://user:pw@x",
    ],
)
def test_a_rasa_address_that_is_not_a_plain_http_url_is_refused(bad):
    with pytest.raises(ValueError):
        WebSettings(rasa_url=bad)


def test_command_line_refuses_a_bad_rasa_address(capsys):
    with pytest.raises(SystemExit):
        WebSettings.from_argv(["--rasa-url", "javascript:alert(1)"])
    assert "http or https" in capsys.readouterr().err


# -- the widget's files -------------------------------------------------------------------


def test_widget_never_writes_html_or_uses_lasting_storage():
    code = re.sub(r"/\*.*?\*/|//[^\n]*", "", WIDGET_JS.read_text(encoding="utf-8"), flags=re.S)
    for forbidden in (
        "innerHTML",
        "outerHTML",
        "insertAdjacentHTML",
        "document.write",
        "eval(",
        "new Function",
        "localStorage",
        "document.cookie",
        "indexedDB",
    ):
        assert forbidden not in code, forbidden
    assert "sessionStorage" in code and "textContent" in code


def test_pages_and_styles_load_nothing_from_other_sites():
    for path in [WIDGET_CSS, STATIC / "assets" / "demo.css"]:
        css = path.read_text(encoding="utf-8")
        assert "@import" not in css and not re.search(r"url\(\s*['\"]?(https?:)?//", css)
    for path in [STATIC / "index.html", STATIC / "tietosuoja.html"]:
        page = path.read_text(encoding="utf-8")
        for url in re.findall(r'\b(?:src|href)="([^"]*)"', page):
            assert url.startswith(("/", "#", "tel:")), f"{path.name}: {url}"


# -- colour contrast (WCAG 2.1: 4.5:1 for text, 3:1 for focus rings and borders) -------------

# (foreground, background, minimum, where); docs/widget.md lists the same pairs with their ratios.
COLOUR_PAIRS = [
    ("--pn-text", "--pn-surface", 4.5, "text on the window"),
    ("--pn-text", "--pn-bot-bg", 4.5, "bot message"),
    ("--pn-link", "--pn-bot-bg", 4.5, "link in a bot message"),
    ("--pn-link", "--pn-surface", 4.5, "privacy link"),
    ("--pn-muted", "--pn-surface", 4.5, "privacy notice, typing indicator"),
    ("--pn-placeholder", "--pn-surface", 4.5, "input placeholder"),
    ("--pn-on-primary", "--pn-primary", 4.5, "header, user message, send button, launcher"),
    ("--pn-on-primary", "--pn-primary-dark", 4.5, "launcher and send button on hover"),
    ("--pn-primary", "--pn-surface", 4.5, "quick-reply and header buttons"),
    ("--pn-primary", "--pn-tint", 4.5, "quick-reply and header buttons on hover"),
    ("--pn-on-primary", "--pn-exit", 4.5, "Poistu nopeasti"),
    ("--pn-on-primary", "--pn-exit-dark", 4.5, "Poistu nopeasti on hover"),
    ("--pn-error-text", "--pn-error-bg", 4.5, "unreachable message"),
    ("--pn-error-text", "--pn-surface", 4.5, "“Ei lähetetty.” note"),
    ("--pn-focus", "--pn-surface", 3.0, "focus ring"),
    ("--pn-on-primary", "--pn-primary", 3.0, "focus ring in the header"),
    ("--pn-border", "--pn-surface", 3.0, "input border"),
]


def css_colours(css: str) -> Dict[str, str]:
    host = re.search(r":host\s*\{(.*?)\}", css, re.S)
    assert host, "no :host block"
    return dict(re.findall(r"(--pn-[a-z-]+)\s*:\s*(#[0-9a-fA-F]{6})\s*;", host.group(1)))


def contrast(a: str, b: str) -> float:
    """The contrast ratio of two #rrggbb colours."""
    return contrast_ratio(*([int(c[i : i + 2], 16) for i in (1, 3, 5)] for c in (a, b)))


def test_contrast_formula_matches_known_values():
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)


@pytest.mark.parametrize("foreground, background, minimum, where", COLOUR_PAIRS)
def test_colour_pair_has_enough_contrast(foreground, background, minimum, where):
    colours = css_colours(WIDGET_CSS.read_text(encoding="utf-8"))
    assert contrast(colours[foreground], colours[background]) >= minimum, where


def test_every_colour_in_the_stylesheet_is_checked():
    colours = css_colours(WIDGET_CSS.read_text(encoding="utf-8"))
    checked = {name for pair in COLOUR_PAIRS for name in pair[:2]}
    assert set(colours) == checked


def test_docs_list_each_colour_pair_with_its_ratio():
    docs = (ROOT / "docs" / "widget.md").read_text(encoding="utf-8")
    colours = css_colours(WIDGET_CSS.read_text(encoding="utf-8"))
    for foreground, background, _, where in COLOUR_PAIRS:
        ratio = contrast(colours[foreground], colours[background])
        row = (
            f"| {where} | `{foreground}` {colours[foreground]} | `{background}` "
            f"{colours[background]} | {ratio:.2f}:1 |"
        )
        assert row in docs, f"docs/widget.md lacks or misstates: {row}"
