"""The website chat widget end to end: Debian's headless Chromium, driven by Selenium, on the
demo page that the real stack serves (the `bot` fixture: Rasa, actions and bot.web).

The browser never leaves this machine: every host name except localhost resolves to nothing,
so "Poistu nopeasti" really navigates to its default neutral site (https://www.google.fi/)
without any network traffic, and the test sees the address the page was replaced with.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any, Dict, List

import pytest
import requests
from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

from tests.support import contrast_ratio, headless_chromium

pytestmark = pytest.mark.model

WAIT = 60  # seconds; the machine is shared and a Rasa reply can take a while under load
EXIT_URL = "https://www.google.fi/"
STORAGE_KEY = "perheneuvo-chat"
QUESTION = "Mikä on perhekeskus?"
# A vague message the bot answers with quick-reply buttons (checked with the trained model).
VAGUE = "perhe"
FALLBACK_MARK = "toisin sanoin"


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    driver = headless_chromium(tmp_path_factory.mktemp("chromium"))
    driver.set_script_timeout(WAIT)
    yield driver
    driver.quit()


class Widget:
    """The demo page in one browser tab, and the widget in its shadow root."""

    def __init__(self, driver: webdriver.Chrome, url: str):
        self.driver = driver
        self.url = url

    def load(self) -> "Widget":
        self.driver.get(self.url)
        self.wait(
            lambda: self.driver.execute_script(
                "const h = document.querySelector('perheneuvo-chat');"
                "return !!(h && h.shadowRoot && !h.shadowRoot.querySelector('.pn-root').hidden);"
            )
        )
        return self

    def wait(self, condition, timeout: float = WAIT, message: str = ""):
        return WebDriverWait(self.driver, timeout).until(lambda _: condition(), message)

    def find(self, css: str) -> WebElement:
        host = self.driver.find_element(By.CSS_SELECTOR, "perheneuvo-chat")
        return host.shadow_root.find_element(By.CSS_SELECTOR, css)

    def find_all(self, css: str) -> List[WebElement]:
        host = self.driver.find_element(By.CSS_SELECTOR, "perheneuvo-chat")
        return host.shadow_root.find_elements(By.CSS_SELECTOR, css)

    def js(self, body: str, *args: Any) -> Any:
        """Runs `body` with `root` bound to the widget's shadow root."""
        return self.driver.execute_script(
            "const root = document.querySelector('perheneuvo-chat').shadowRoot;" + body, *args
        )

    def is_open(self) -> bool:
        return self.js("return !root.querySelector('.pn-window').hidden;")

    def open(self) -> None:
        self.find(".pn-launcher").click()
        self.wait(self.is_open)

    def focused(self) -> str:
        """The class of the focused element inside the widget ('' when focus is outside)."""
        return self.driver.execute_script(
            "const h = document.querySelector('perheneuvo-chat');"
            "const a = h.shadowRoot.activeElement;"
            "return document.activeElement === h && a ? a.className || a.tagName : '';"
        )

    def texts(self, who: str) -> List[str]:
        return self.js(
            "return [...root.querySelectorAll('.pn-msg-' + arguments[0] + ' .pn-text')]"
            ".map(n => n.textContent);",
            who,
        )

    def ask(self, text: str) -> None:
        before = len(self.texts("bot"))
        field = self.find(".pn-input")
        field.send_keys(text)
        field.send_keys(Keys.ENTER)
        self.wait_for_bot(before)

    def wait_for_bot(self, before: int) -> List[str]:
        """Waits until a bot message beyond the first `before` arrives and the typing stops."""
        self.wait(
            lambda: len(self.texts("bot")) > before and not self.typing(),
            message="no answer from the bot",
        )
        return self.texts("bot")[before:]

    def typing(self) -> bool:
        return self.js("return root.querySelector('.pn-typing').offsetParent !== null;")

    def reply_buttons(self) -> List[WebElement]:
        return self.find_all(".pn-replies .pn-reply")

    def stored(self) -> Dict[str, Any]:
        raw = self.driver.execute_script(
            "return sessionStorage.getItem(arguments[0]);", STORAGE_KEY
        )
        return json.loads(raw) if raw else {}

    def press(self, *keys: str, pause: float = 0.0) -> None:
        actions = ActionChains(self.driver)
        for key in keys:
            actions.send_keys(key)
            if pause:
                actions.pause(pause)
        actions.perform()


@pytest.fixture
def widget(browser, bot) -> Widget:
    """The demo page in a new tab (so a new, empty sessionStorage); other tabs are closed."""
    return open_widget(browser, bot)


def open_widget(browser, bot) -> Widget:
    browser.switch_to.new_window("tab")
    current = browser.current_window_handle
    for handle in browser.window_handles:
        if handle != current:
            browser.switch_to.window(handle)
            browser.close()
    browser.switch_to.window(current)
    browser.get_log("browser")  # forget messages of earlier tests
    return Widget(browser, bot.web_url + "/").load()


def no_alert(driver) -> bool:
    try:
        _alert = driver.switch_to.alert  # raises when there is none
    except NoAlertPresentException:
        return True
    return False


# -- a conversation -------------------------------------------------------------------------


def test_opening_greets_in_finnish_and_puts_focus_in_the_input(widget):
    launcher = widget.find(".pn-launcher")
    assert launcher.get_attribute("aria-expanded") == "false"
    widget.open()
    dialog = widget.find(".pn-window")
    assert dialog.get_attribute("role") == "dialog" and dialog.get_attribute("aria-label")
    assert widget.find(".pn-root").get_attribute("lang") == "fi"
    assert "pn-input" in widget.focused()
    greeting = widget.texts("bot")
    assert len(greeting) == 1 and greeting[0].startswith("Hei!") and "112" in greeting[0]
    assert (
        widget.find(".pn-privacy a").get_attribute("href")
        == widget.url.rstrip("/") + "/tietosuoja.html"
    )


def test_question_gets_an_answer_while_the_typing_indicator_shows(widget):
    widget.open()
    # Slow the network down so that the indicator is certainly on screen for a while.
    widget.driver.execute_cdp_cmd("Network.enable", {})
    widget.driver.execute_cdp_cmd(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 1500, "downloadThroughput": -1, "uploadThroughput": -1},
    )
    try:
        field = widget.find(".pn-input")
        field.send_keys(QUESTION + Keys.ENTER)
        widget.wait(widget.typing, timeout=5, message="no typing indicator")
        assert "kirjoittaa" in widget.find(".pn-typing").text
        assert widget.texts("user") == [QUESTION]
        answer = widget.wait_for_bot(1)
    finally:
        widget.driver.execute_cdp_cmd(
            "Network.emulateNetworkConditions",
            {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
        )
    assert "perhekeskus" in " ".join(answer).lower()
    assert field.get_attribute("value") == ""
    log = widget.find(".pn-log")
    assert log.get_attribute("role") == "log" and log.get_attribute("aria-live") == "polite"


def test_clicking_a_quick_reply_button_asks_its_question(widget):
    widget.open()
    widget.ask(VAGUE)
    widget.wait(lambda: widget.reply_buttons(), message="the vague message got no buttons")
    first = widget.reply_buttons()[0]
    title = first.text
    before = len(widget.texts("bot"))
    first.click()
    answer = widget.wait_for_bot(before)
    assert widget.texts("user")[-1] == title
    assert answer and FALLBACK_MARK not in " ".join(answer)
    assert "pn-input" in widget.focused()


def test_quick_reply_button_works_from_the_keyboard(widget):
    widget.open()
    widget.ask(VAGUE)
    widget.wait(lambda: widget.reply_buttons(), message="the vague message got no buttons")
    # From the input, Shift+Tab goes back to the last quick-reply button.
    ActionChains(widget.driver).key_down(Keys.SHIFT).send_keys(Keys.TAB).key_up(
        Keys.SHIFT
    ).perform()
    assert "pn-reply" in widget.focused()
    title = widget.js("return root.activeElement.textContent;")
    assert widget.js("return getComputedStyle(root.activeElement).outlineStyle;") != "none"
    before = len(widget.texts("bot"))
    widget.press(Keys.ENTER)
    answer = widget.wait_for_bot(before)
    assert widget.texts("user")[-1] == title
    assert FALLBACK_MARK not in " ".join(answer)


def test_start_over_clears_the_window_and_resets_the_server_conversation(widget, bot):
    widget.open()
    widget.ask(QUESTION)
    old_sender = widget.stored()["sender"]
    widget.find(".pn-restart").click()
    widget.wait(lambda: widget.texts("user") == [])
    assert len(widget.texts("bot")) == 1  # the greeting again
    assert widget.stored()["sender"] != old_sender
    assert "pn-input" in widget.focused()

    def server_restarted() -> bool:
        reply = requests.get(
            f"{bot.rasa_url}/conversations/{old_sender}/tracker",
            params={"token": bot.settings.api_token, "include_events": "ALL"},
            timeout=10,
        )
        return any(e.get("event") == "restart" for e in reply.json().get("events", []))

    widget.wait(server_restarted, message="the old conversation was not restarted in Rasa")


# -- what the page keeps --------------------------------------------------------------------


def test_history_survives_a_reload_in_session_storage_only(widget):
    widget.open()
    widget.ask(QUESTION)
    before = (widget.texts("user"), widget.texts("bot"))
    widget.load()
    assert widget.is_open()
    assert (widget.texts("user"), widget.texts("bot")) == before
    stored = widget.stored()
    assert [m["text"] for m in stored["messages"] if m["who"] == "user"] == [QUESTION]
    assert widget.driver.execute_script("return localStorage.length;") == 0
    assert widget.driver.execute_script("return document.cookie;") == ""


def test_each_message_carries_the_id_the_server_records_for_safe_retries(widget, bot):
    widget.open()
    widget.ask(QUESTION)
    stored = widget.stored()
    ids = [m["id"] for m in stored["messages"] if m["who"] == "user"]
    tracker = requests.get(
        f"{bot.rasa_url}/conversations/{stored['sender']}/tracker",
        params={"token": bot.settings.api_token},
        timeout=10,
    ).json()
    assert [e.get("message_id") for e in tracker["events"] if e["event"] == "user"] == ids
    assert len(ids[0]) == 32


def test_a_new_window_starts_without_history(widget):
    widget.open()
    widget.ask(QUESTION)
    widget.driver.switch_to.new_window("window")
    other = Widget(widget.driver, widget.url).load()
    assert other.stored() == {}
    other.open()
    assert other.texts("user") == [] and len(other.texts("bot")) == 1


def test_exit_quickly_button_wipes_the_conversation_and_replaces_the_page(widget):
    widget.open()
    widget.ask(QUESTION)
    widget.find(".pn-exit").click()
    widget.wait(lambda: widget.driver.current_url == EXIT_URL, message="the page was not replaced")
    # location.replace: Back does not return to the chat page...
    widget.driver.back()
    assert not widget.driver.current_url.startswith(widget.url)
    # ...and opening it again in this tab shows no trace of the conversation.
    widget.load()
    assert widget.stored() == {} and not widget.is_open()
    widget.open()
    assert widget.texts("user") == []


def test_esc_closes_the_window_and_esc_twice_leaves_the_page(widget):
    widget.open()
    widget.ask(QUESTION)
    widget.press(Keys.ESCAPE)
    assert not widget.is_open()
    assert "pn-launcher" in widget.focused()
    assert widget.find(".pn-launcher").get_attribute("aria-expanded") == "false"
    time.sleep(1.5)  # a second Esc after the pause does not count as a double press
    assert widget.driver.current_url == widget.url

    widget.open()
    widget.press(Keys.ESCAPE, Keys.ESCAPE, pause=0.2)
    widget.wait(lambda: widget.driver.current_url == EXIT_URL, message="Esc twice did not exit")
    widget.load()
    assert widget.stored() == {}


# -- text is text -------------------------------------------------------------------------


def test_html_in_a_message_is_shown_as_plain_text(widget):
    message = "<img src=x onerror=alert(1)>"
    widget.open()
    widget.ask(message)
    assert widget.texts("user") == [message]
    assert widget.js("return root.querySelectorAll('img').length;") == 0
    assert widget.driver.execute_script("return document.querySelectorAll('img').length;") == 0
    assert no_alert(widget.driver)


def test_bot_text_becomes_text_and_safe_links_only(widget):
    text = (
        "<b>lihava</b> <img src=x onerror=alert(1)> javascript:alert(1) "
        "Nollalinja 080 005 005, puh. 044 123 4567 tai +358 40 123 4567. "
        "Hätätilanteessa soita 112. Maksu 1 112 euroa 14.8.2019. "
        "Sähköposti etunimi.sukunimi@example.fi, lisää: https://example.fi/polku?a=1. Kiitos!"
    )
    widget.driver.execute_script(
        "sessionStorage.setItem(arguments[0], JSON.stringify({sender: 'web-test', open: true,"
        " messages: [{who: 'bot', text: arguments[1], buttons: []}]}));",
        STORAGE_KEY,
        text,
    )
    widget.load()
    assert widget.texts("bot") == [
        text.replace(
            "https://example.fi/polku?a=1",
            "https://example.fi/polku?a=1 (avautuu uuteen välilehteen)",
        )
    ]
    links = widget.js(
        "return [...root.querySelectorAll('.pn-msg-bot a')]"
        ".map(a => [a.getAttribute('href'), a.firstChild.textContent]);"
    )
    assert links == [
        ["tel:080005005", "080 005 005"],
        ["tel:0441234567", "044 123 4567"],
        ["tel:+358401234567", "+358 40 123 4567"],
        ["tel:112", "112"],
        ["mailto:etunimi.sukunimi@example.fi", "etunimi.sukunimi@example.fi"],
        ["https://example.fi/polku?a=1", "https://example.fi/polku?a=1"],
    ]
    assert widget.js("return root.querySelectorAll('b, img, script').length;") == 0
    assert (
        widget.js("return root.querySelector('.pn-msg-bot a[href^=\"https\"]').rel;")
        == "noopener noreferrer"
    )
    assert no_alert(widget.driver)


def test_contact_answer_has_phone_and_email_links(widget):
    widget.open()
    widget.ask("keneen otan yhteyttä kangasniemellä")
    links = widget.js(
        "return [...root.querySelectorAll('.pn-msg-bot a')]"
        ".map(a => [a.getAttribute('href'), a.textContent]);"
    )
    phones = [(href, shown) for href, shown in links if href.startswith("tel:")]
    emails = [(href, shown) for href, shown in links if href.startswith("mailto:")]
    assert phones and emails
    assert all(href == "tel:" + shown.replace(" ", "") for href, shown in phones)
    assert all(href == "mailto:" + shown for href, shown in emails)
    assert all(href.split(":")[0] in ("tel", "mailto", "http", "https") for href, _ in links)


# -- when Rasa is down ----------------------------------------------------------------------


def test_unreachable_server_names_112_and_keeps_the_message_for_a_retry(browser, own_bot):
    bot = own_bot  # Rasa is stopped: not the shared bot's
    widget = open_widget(browser, bot)
    widget.open()
    widget.ask(QUESTION)
    bot.stop("rasa")
    try:
        widget.find(".pn-input").send_keys("Mikä on LAPE?" + Keys.ENTER)
        widget.wait(lambda: widget.find_all(".pn-error"), message="no unreachable message")
        error = widget.find(".pn-error")
        assert "112" in error.text and "yhteyttä" in error.text
        assert error.find_element(By.CSS_SELECTOR, "a").get_attribute("href") == "tel:112"
        assert widget.texts("user")[-1] == "Mikä on LAPE?"
        assert "Ei lähetetty" in widget.find(".pn-failed").text
    finally:
        bot.start_rasa()
        bot.wait_ready(240)
    before = len(widget.texts("bot"))
    widget.find(".pn-retry").click()
    answer = widget.wait_for_bot(before)
    assert "lape" in " ".join(answer).lower()
    assert not widget.find_all(".pn-error") and not widget.find_all(".pn-failed")


# -- accessibility and layout -----------------------------------------------------------------


def test_every_control_is_labelled_and_reachable_by_tab_with_a_visible_focus(widget):
    widget.open()
    widget.ask(VAGUE)
    controls = [
        c for c in widget.find_all("button:not([hidden]), input, a, [tabindex]") if c.is_displayed()
    ]
    assert len(controls) >= 6, "the window shows too few controls to check"
    for control in controls:
        assert control.accessible_name.strip(), control.get_attribute("outerHTML")
    # Tab from the close button through the whole window.
    widget.js("root.querySelector('.pn-close').focus();")
    widget.press(Keys.TAB)  # the first key press makes Chromium use :focus-visible
    widget.js("root.querySelector('.pn-close').focus();")
    reached = []
    for _ in range(12):
        widget.press(Keys.TAB)
        name = widget.focused()
        if not name:
            break
        outline = widget.js(
            "const s = getComputedStyle(root.activeElement);"
            "return [s.outlineStyle, parseFloat(s.outlineWidth)];"
        )
        assert outline[0] != "none" and outline[1] >= 2, name
        reached.append(name)
    for expected in ["pn-exit", "pn-restart", "pn-log", "pn-reply", "pn-input", "pn-send"]:
        assert any(expected in name for name in reached), (expected, reached)


def test_rendered_text_has_enough_contrast(widget):
    widget.open()
    widget.ask(VAGUE)
    pairs = widget.js("""
        const rgb = c => c.match(/[\\d.]+/g).map(Number);
        const background = el => {
          for (; el; el = el.parentElement || (el.getRootNode().host || null)) {
            const c = rgb(getComputedStyle(el).backgroundColor);
            if (c.length < 4 || c[3] > 0) return c;
          }
          return [255, 255, 255];
        };
        return [...root.querySelectorAll('*')].filter(el =>
            el.offsetParent !== null && !el.closest('.pn-sr') &&
            [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()))
          .map(el => [el.className || el.tagName, rgb(getComputedStyle(el).color),
                      background(el)]);""")
    assert len(pairs) > 5
    for name, colour, background in pairs:
        assert contrast_ratio(colour, background) >= 4.5, (name, colour, background)


@pytest.mark.parametrize(
    "width, height, scale",
    [
        (360, 640, 1),  # a small phone
        (640, 400, 2),  # a 1280 x 800 screen at 200 % zoom
    ],
)
def test_small_screen_and_zoom_keep_everything_usable(widget, width, height, scale):
    widget.driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": scale, "mobile": False},
    )
    try:
        widget.load()
        launcher = widget.find(".pn-launcher")
        assert launcher.is_displayed()
        widget.open()
        widget.ask("keneen otan yhteyttä kangasniemellä")  # a long answer
        sizes = widget.driver.execute_script(
            "return [document.documentElement.scrollWidth, innerWidth, innerHeight];"
        )
        assert sizes[0] <= sizes[1], "the page scrolls sideways"
        for css in [".pn-input", ".pn-send", ".pn-exit", ".pn-close"]:
            box = widget.js(
                "const r = root.querySelector(arguments[0]).getBoundingClientRect();"
                "const hit = root.elementFromPoint(r.x + r.width / 2,"
                "                                 r.y + r.height / 2);"
                "return [r.left, r.top, r.right, r.bottom,"
                "        hit === root.querySelector(arguments[0])];",
                css,
            )
            left, top, right, bottom, on_top = box
            assert left >= 0 and top >= 0 and right <= sizes[1] and bottom <= sizes[2], css
            assert on_top, f"{css} is covered"
        log = widget.js(
            "const l = root.querySelector('.pn-log');"
            "return [l.scrollWidth, l.clientWidth, l.clientHeight];"
        )
        assert log[0] <= log[1] and log[2] >= 50, "the messages have no room"
    finally:
        widget.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


# -- nothing from elsewhere ------------------------------------------------------------------


def test_page_loads_nothing_from_other_sites_and_breaks_no_policy(widget, bot):
    widget.open()
    widget.ask(QUESTION)
    urls = widget.driver.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name);"
    )
    allowed = (widget.url.rstrip("/"), bot.rasa_url.replace("127.0.0.1", "localhost"))
    assert urls and all(url.startswith(allowed) for url in urls), urls
    problems = [
        entry["message"]
        for entry in widget.driver.get_log("browser")
        if entry["level"] in ("SEVERE", "WARNING")
    ]
    assert problems == []


def test_a_sender_id_is_random_per_tab(widget):
    widget.open()
    first = widget.stored()["sender"]
    widget.driver.switch_to.new_window("tab")
    other = Widget(widget.driver, widget.url).load()
    other.open()
    second = other.stored()["sender"]
    assert first != second
    assert first.startswith("web-") and len(first) == 4 + 32
    uuid.UUID(first[4:])  # 128 random bits written as hex


# -- which pages may talk to Rasa (CORS) ------------------------------------------------------


def _preflight(bot, origin: str) -> requests.Response:
    return requests.options(
        f"{bot.rasa_url}/webhooks/rest/webhook",
        timeout=10,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )


def test_rasa_lets_every_configured_origin_send_messages(bot):
    origins = bot.settings.cors_origins.split()
    assert len(origins) == 2
    for origin in origins:
        assert _preflight(bot, origin).headers.get("Access-Control-Allow-Origin") == origin


def test_rasa_refuses_pages_from_other_origins(bot):
    assert "Access-Control-Allow-Origin" not in _preflight(bot, "http://evil.example").headers
