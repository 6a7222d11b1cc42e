"""Talk to a person end to end with the real stack (the session `bot` fixture: Rasa with the
trained model, actions, the demo page) and a real `python -m console` on the same conversation
store: in opening hours a family asks for a person in the widget (headless Chromium), a staff
member in a second browser session takes the request in Keskustelut and replies, the reply
appears in the widget, the bot says nothing meanwhile, and handing back resumes the bot.
Outside opening hours the family gets the honest answer with the region's contacts and 112.
A family that leaves with *Poistu nopeasti* ends its request (the widget's beacon to another
origin), and the staff member sees that. The same in Telegram (the real front end against the
fake Bot API)."""

from __future__ import annotations

import time

import pytest
import requests
from selenium.webdriver.common.by import By

from bot import handover
from bot.launcher import stop_process
from tests.e2e.test_telegram_e2e import WAIT as TELEGRAM_WAIT
from tests.e2e.test_telegram_e2e import _new_chat, front_end
from tests.e2e.test_widget import EXIT_URL, WAIT, open_widget
from tests.support import copy_project, headless_chromium
from tests.support.axe import AXE_JS, axe_violations, describe
from tests.support.console import replaced_page_errors, start_console

pytestmark = pytest.mark.model

ALL_DAY = {day: ("0:00", "23:59") for day in range(7)}
TEXTS = handover.texts()


def set_hours(bot, region: str, hours) -> None:
    engine = handover.engine_for(str(bot.settings.tracker_db))
    with engine.begin() as connection:
        handover.set_hours(connection, region, hours)
    engine.dispose()


@pytest.fixture(scope="module")
def console(bot, tmp_path_factory):
    root = tmp_path_factory.mktemp("project")
    copy_project(root)
    var_dir = tmp_path_factory.mktemp("var")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PERHENEUVO_TRACKER_DB", str(bot.settings.tracker_db))
        patch.setenv("PERHENEUVO_RASA_URL", bot.rasa_url)
        patch.setenv("PERHENEUVO_API_TOKEN", bot.settings.api_token)
        process, url = start_console(root, var_dir)
    yield var_dir, url
    stop_process(process)


@pytest.fixture(scope="module")
def family(tmp_path_factory):
    driver = headless_chromium(tmp_path_factory.mktemp("family"))
    driver.set_script_timeout(WAIT)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def staff(console, tmp_path_factory):
    """A second browser: the staff member, logged in to the console."""
    var_dir, url = console
    driver = headless_chromium(tmp_path_factory.mktemp("staff"))
    driver.get(f"{url}/kirjaudu/")
    password = (var_dir / "console-admin-password").read_text().strip()
    driver.find_element(By.ID, "id_username").send_keys("paakayttaja")
    driver.find_element(By.ID, "id_password").send_keys(password)
    driver.find_element(By.CSS_SELECTOR, "main button[type=submit]").click()
    yield driver
    driver.quit()


def wait_until(condition, timeout: float = WAIT, message: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, message
        time.sleep(0.3)


def text_of(driver, by: str, value: str) -> str:
    """The element's text; "" while a new page (or a refresh of this one) replaces it: the
    element is gone or stale, or Chromium says its node no longer belongs to the document."""
    try:
        return driver.find_element(by, value).text
    except replaced_page_errors():
        return ""


def main_text(driver) -> str:
    return text_of(driver, By.TAG_NAME, "main")


def click_and_see(driver, css: str, expected: str) -> None:
    """Submits the form button at `css` and waits for the page that says `expected`."""
    driver.find_element(By.CSS_SELECTOR, css).click()
    wait_until(lambda: expected in main_text(driver), message=f"no {expected!r} after {css}")


def take_and_reply(staff, url: str, request_id: int, reply: str) -> None:
    staff.get(f"{url}/keskustelut/")
    assert f"Pyyntö {request_id}" in main_text(staff)
    click_and_see(staff, f"form[action$='/{request_id}/ota/'] button", "Otit keskustelun")
    staff.find_element(By.ID, "id_teksti").send_keys(reply)
    click_and_see(staff, "form[action$='/vastaa/'] button", "Viesti lähetetty perheelle.")


def latest_request(bot, sender: str) -> handover.Request:
    engine = handover.engine_for(str(bot.settings.tracker_db))
    with engine.connect() as connection:
        found = handover.latest(connection, sender)
    engine.dispose()
    assert found is not None, "no request was made"
    return found


def a_person_asked_for(bot, family):
    """A family in Mikkeli (Etelä-Savo, open all day) asks for a person in the widget: the
    widget and the waiting request."""
    set_hours(bot, "etela-savo", ALL_DAY)
    widget = open_widget(family, bot)
    widget.open()
    widget.ask("Asun Mikkelissä")
    before = len(widget.texts("bot"))
    widget.ask("Haluan puhua ihmisen kanssa")
    answer = " ".join(widget.texts("bot")[before:])
    assert "Pyysin työntekijää" in answer and "112" in answer
    request = latest_request(bot, widget.stored()["sender"])
    assert (request.status, request.region) == (handover.WAITING, "etela-savo")
    return widget, request


def test_in_opening_hours_a_staff_member_takes_over_and_hands_back(bot, family, staff, console):
    _var_dir, url = console
    widget, request = a_person_asked_for(bot, family)

    take_and_reply(staff, url, request.id, "Hei, olen perhetyöntekijä. Miten voin auttaa?")
    widget.wait(
        lambda: "Hei, olen perhetyöntekijä. Miten voin auttaa?" in widget.texts("staff"),
        message="the staff member's reply did not reach the widget",
    )
    # the family writes: the staff member sees it, the bot says nothing
    bot_messages = len(widget.texts("bot"))
    widget.find(".pn-input").send_keys("Mikä on erokahvila?\n")
    staff.get(f"{url}/keskustelut/{request.id}/")
    wait_until(
        lambda: "Mikä on erokahvila?" in main_text(staff) or staff.refresh(),
        message="the family's message did not reach the console",
    )
    time.sleep(4)  # a poll or two: still nothing from the bot
    assert len(widget.texts("bot")) == bot_messages
    # the conversation so far is shown, masked
    assert "Asun Mikkelissä" in main_text(staff)
    # danger still gets the safety answer with 112 at once, and reaches the staff member
    before = len(widget.texts("bot"))
    widget.ask("mies uhkaa tappaa minut")
    assert "112" in widget.texts("bot")[before]
    staff.refresh()
    wait_until(lambda: "mies uhkaa tappaa minut" in main_text(staff), message="not in console")

    click_and_see(staff, "form[action$='/palauta/'] button", "Keskustelu palautettu botille.")
    widget.wait(lambda: TEXTS["returned"] in widget.texts("bot"), message="the family was not told")
    before = len(widget.texts("bot"))
    widget.ask("Mikä on erokahvila?")
    assert any("erokahvila" in text.lower() for text in widget.texts("bot")[before:])
    assert widget.stored().get("handover") is None


def test_the_quick_exit_ends_the_request_and_the_staff_member_sees_it(bot, family, staff, console):
    _var_dir, url = console
    widget, request = a_person_asked_for(bot, family)
    sender = request.sender_id
    take_and_reply(staff, url, request.id, "Hei, olen täällä.")
    widget.wait(lambda: "Hei, olen täällä." in widget.texts("staff"), message="no staff reply")
    # the widget on the demo page tells the Rasa server (another origin) as it leaves
    assert bot.web_url.split("://")[1] != bot.rasa_url.split("://")[1]
    widget.find(".pn-exit").click()
    widget.wait(lambda: family.current_url == EXIT_URL, message="the page was not replaced")
    wait_until(
        lambda: latest_request(bot, sender).status == handover.LEFT,
        timeout=10,
        message="the request did not end when the family left",
    )
    staff.get(f"{url}/keskustelut/")
    line = staff.find_element(By.XPATH, f"//li[a[normalize-space()='Pyyntö {request.id}']]")
    assert "perhe poistui (pikapoistuminen)" in line.text
    assert "Ei keskusteluja työntekijöillä." in main_text(staff)
    staff.get(f"{url}/keskustelut/{request.id}/")
    page = main_text(staff)
    assert "perhe poistui (pikapoistuminen)" in page and TEXTS["left"] in page
    assert not staff.find_elements(By.ID, "id_teksti")  # nobody to write to


def test_the_exit_beacon_is_a_simple_request_any_configured_origin_may_send(bot):
    """What navigator.sendBeacon sends: a text/plain POST (no preflight), answered with the
    CORS headers of the configured origins like the webhook; a sender with no request: 204."""
    for origin in bot.settings.cors_origins.split():
        answer = requests.post(
            f"{bot.rasa_url}/webhooks/rest/handover/exit",
            data=b'{"sender": "web-no-request"}',
            headers={"Content-Type": "text/plain;charset=UTF-8", "Origin": origin},
            timeout=10,
        )
        assert (answer.status_code, answer.content) == (204, b"")
        assert answer.headers.get("Access-Control-Allow-Origin") == origin


def element_text(driver, element_id: str) -> str:
    return text_of(driver, By.ID, element_id)


def not_reloaded(driver) -> bool:
    """Whether the page is still the one mark_page marked (no reload, no other page)."""
    return driver.execute_script("return window.notReloaded === true;")


def mark_page(driver) -> None:
    driver.execute_script("window.notReloaded = true;")


def assert_accessible(driver) -> None:
    """WCAG 2.1 AA as axe-core sees the page now, when `make browser-deps` installed it."""
    if AXE_JS.is_file():
        violations = axe_violations(driver)
        assert not violations, describe(violations)


def test_keskustelut_refresh_themselves_and_keep_what_the_staff_member_types(
    bot, family, staff, console
):
    """conversations.js: with the list open a new request appears without a reload; with the
    request open the family's new message appears and the text in the reply box stays, also
    when the request is closed elsewhere (its buttons are then disabled)."""
    _var_dir, url = console
    set_hours(bot, "etela-savo", ALL_DAY)
    staff.get(f"{url}/keskustelut/")
    assert staff.execute_script("return document.hidden;") is False
    mark_page(staff)
    widget, request = a_person_asked_for(bot, family)

    wait_until(
        lambda: f"Pyyntö {request.id}" in element_text(staff, "odottavat"),
        message="the new request did not appear in the open list",
    )
    assert not_reloaded(staff)
    wait_until(lambda: "Uusi pyyntö" in element_text(staff, "paivitys"), message="not announced")
    assert staff.find_element(By.ID, "paivitys").get_attribute("role") == "status"
    assert_accessible(staff)  # with the added row and the status line
    # the take button of the added row works (its form has the CSRF token)
    click_and_see(
        staff, f"#odottavat form[action$='/{request.id}/ota/'] button", "Otit keskustelun"
    )

    draft = "Hei, tässä keskeneräinen vastaukseni"
    box = staff.find_element(By.ID, "id_teksti")
    box.send_keys(draft)
    mark_page(staff)
    widget.find(".pn-input").send_keys("Mikä on erokahvila?\n")
    wait_until(
        lambda: "Mikä on erokahvila?" in element_text(staff, "viestit"),
        message="the family's message did not appear on the open request page",
    )
    wait_until(
        lambda: "Perhe kirjoitti uuden viestin" in element_text(staff, "paivitys"),
        message="the family's message was not announced",
    )
    assert not_reloaded(staff)
    assert box.get_attribute("value") == draft
    assert staff.switch_to.active_element == box  # the focus stayed in the reply box

    # closed elsewhere: the status follows, the buttons are disabled, the draft stays
    engine = handover.engine_for(str(bot.settings.tracker_db))
    with engine.begin() as connection:
        assert handover.finish(connection, request.id, handover.CLOSED)
    engine.dispose()
    wait_until(lambda: element_text(staff, "tila") == "suljettu", message="status not updated")
    wait_until(
        lambda: "Keskustelu suljettiin" in element_text(staff, "paivitys"),
        message="the closing was not announced",
    )
    buttons = staff.find_elements(By.CSS_SELECTOR, "form[data-tiloissa] button")
    assert buttons and all(not b.is_enabled() for b in buttons)
    assert not_reloaded(staff)
    assert box.get_attribute("value") == draft
    assert_accessible(staff)  # with the added message, the new status and disabled buttons
    problems = [
        entry["message"]
        for entry in staff.get_log("browser")
        if "conversations.js" in entry["message"] or "Content Security Policy" in entry["message"]
    ]
    assert not problems, problems


def test_outside_opening_hours_the_family_gets_the_honest_answer(bot, family):
    set_hours(bot, "pohjois-savo", {})
    widget = open_widget(family, bot)
    widget.open()
    widget.ask("Asun Kuopiossa")
    before = len(widget.texts("bot"))
    widget.ask("Haluan puhua ihmisen kanssa")
    answer = " ".join(widget.texts("bot")[before:])
    assert "eivät ole juuri nyt tavoitettavissa" in answer
    assert "112" in answer and "0800 92277" in answer
    assert "Pyysin työntekijää" not in answer
    engine = handover.engine_for(str(bot.settings.tracker_db))
    with engine.connect() as connection:
        assert handover.latest(connection, widget.stored()["sender"]) is None
    engine.dispose()


def test_a_request_that_mentions_danger_gets_112_first(bot, family):
    set_hours(bot, "etela-savo", ALL_DAY)
    widget = open_widget(family, bot)
    widget.open()
    widget.ask("Asun Mikkelissä")
    before = len(widget.texts("bot"))
    widget.ask("Haluan puhua ihmisen kanssa, mies uhkaa tappaa minut")
    answer = widget.texts("bot")[before:]
    assert "112" in answer[0]


def test_in_telegram_a_staff_member_takes_over(bot, staff, console, tmp_path):
    _var_dir, url = console
    set_hours(bot, "etela-savo", ALL_DAY)
    store = str(bot.settings.tracker_db)
    with front_end(
        tmp_path / "telegram.log", bot.rasa_url, PERHENEUVO_TRACKER_DB=store
    ) as telegram:
        chat = _new_chat()
        telegram.api.queue_message(chat, "Asun Mikkelissä")
        sent = telegram.api.wait_for("sendMessage", chat, timeout=TELEGRAM_WAIT, settle=1.0)
        telegram.api.queue_message(chat, "Haluan puhua ihmisen kanssa")
        sent = telegram.api.wait_for(
            "sendMessage", chat, count=len(sent) + 1, timeout=TELEGRAM_WAIT, settle=1.0
        )
        assert "Pyysin työntekijää" in sent[-1]["text"]
        request = latest_request(bot, telegram.sender(chat))
        assert request.channel == "telegram"
        take_and_reply(staff, url, request.id, "Hei Telegramissa!")
        sent = telegram.api.wait_for(
            "sendMessage", chat, count=len(sent) + 2, timeout=TELEGRAM_WAIT, settle=1.0
        )
        assert [s["text"] for s in sent[-2:]] == [TEXTS["taken"], "Hei Telegramissa!"]
        # the bot is silent while the staff member has the conversation
        telegram.api.queue_message(chat, "Mikä on erokahvila?")
        time.sleep(5)
        assert len(telegram.api.calls_of("sendMessage", chat)) == len(sent)
        staff.get(f"{url}/keskustelut/{request.id}/")
        assert "Mikä on erokahvila?" in main_text(staff)
        click_and_see(staff, "form[action$='/palauta/'] button", "Keskustelu palautettu botille.")
        sent = telegram.api.wait_for(
            "sendMessage", chat, count=len(sent) + 1, timeout=TELEGRAM_WAIT, settle=1.0
        )
        assert sent[-1]["text"] == TEXTS["returned"]
        telegram.api.queue_message(chat, "Mikä on erokahvila?")
        sent = telegram.api.wait_for(
            "sendMessage", chat, count=len(sent) + 1, timeout=TELEGRAM_WAIT, settle=1.0
        )
        assert "erokahvila" in sent[-1]["text"].lower()


def stored_addresses(bot) -> dict:
    engine = handover.engine_for(str(bot.settings.tracker_db))
    with engine.connect() as connection:
        found = handover.addresses(connection, "telegram")
    engine.dispose()
    return found


def test_in_telegram_a_staff_reply_reaches_the_family_after_a_restart(
    bot, staff, console, tmp_path
):
    """The front end is restarted while a request is open: the staff member's reply still
    reaches the chat, though the new front end has never seen it (the chat id is kept
    encrypted in the store while the request is open, and forgotten once it has ended)."""
    _var_dir, url = console
    set_hours(bot, "etela-savo", ALL_DAY)
    store = str(bot.settings.tracker_db)
    log = tmp_path / "telegram.log"
    chat = _new_chat()
    with front_end(log, bot.rasa_url, PERHENEUVO_TRACKER_DB=store) as telegram:
        sender = telegram.sender(chat)
        telegram.api.queue_message(chat, "Asun Mikkelissä")
        sent = telegram.api.wait_for("sendMessage", chat, timeout=TELEGRAM_WAIT, settle=1.0)
        telegram.api.queue_message(chat, "Haluan puhua ihmisen kanssa")
        sent = telegram.api.wait_for(
            "sendMessage", chat, count=len(sent) + 1, timeout=TELEGRAM_WAIT, settle=1.0
        )
        assert "Pyysin työntekijää" in sent[-1]["text"]
        wait_until(lambda: sender in stored_addresses(bot), message="the chat id was not kept")
    request = latest_request(bot, sender)
    assert str(chat) not in stored_addresses(bot)[sender]  # encrypted, not the chat id
    # while the front end is down, the staff member takes the request and writes
    take_and_reply(staff, url, request.id, "Hei, olen perhekeskuksesta.")
    with front_end(log, bot.rasa_url, PERHENEUVO_TRACKER_DB=store) as again:
        sent = again.api.wait_for("sendMessage", chat, count=2, timeout=TELEGRAM_WAIT, settle=1.0)
        assert [s["text"] for s in sent] == [TEXTS["taken"], "Hei, olen perhekeskuksesta."]
        staff.get(f"{url}/keskustelut/{request.id}/")
        click_and_see(staff, "form[action$='/sulje/'] button", "Keskustelu suljettu.")
        sent = again.api.wait_for("sendMessage", chat, count=3, timeout=TELEGRAM_WAIT, settle=1.0)
        assert sent[-1]["text"] == TEXTS["closed"]
        # the request has ended and everything is sent: the chat id is no longer kept
        wait_until(lambda: sender not in stored_addresses(bot), message="the chat id was kept")
