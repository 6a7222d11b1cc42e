"""The staff console in Debian's headless Chromium, driven by Selenium, against a real
`python -m console` process (waitress) on a free port and a copy of the fixture project:
the first pääkäyttäjä logs in with the password from var/ and edits a topic's answer; a too
long answer is refused with the reason next to the field. Needs no trained model. With
PERHENEUVO_SCREENSHOT_DIR set (`make screenshots`) the log-in page and the refused edit are
saved for the staff guide (tests/support/screenshots.py)."""

from __future__ import annotations

import pytest
import yaml
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from bot.launcher import stop_process
from tests.support import copy_project, headless_chromium
from tests.support.console import loaded, start_console
from tests.support.screenshots import screenshot

WAIT = 60
TOPIC = "erokahvila"


@pytest.fixture(scope="module")
def console(tmp_path_factory):
    root = tmp_path_factory.mktemp("project")
    copy_project(root)
    var_dir = tmp_path_factory.mktemp("var")
    process, url = start_console(root, var_dir)
    yield root, var_dir, url
    stop_process(process)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    driver = headless_chromium(tmp_path_factory.mktemp("chromium"))
    yield driver
    driver.quit()


def test_log_in_and_edit_an_answer(console, browser):
    root, var_dir, url = console
    wait = WebDriverWait(browser, WAIT)
    browser.get(f"{url}/aiheet/{TOPIC}/")
    wait.until(lambda d: "/kirjaudu/" in d.current_url and loaded(d))
    assert browser.find_element(By.TAG_NAME, "h1").text == "Kirjaudu sisään"
    screenshot(browser, "kirjaudu")
    # The skip link is the first thing the keyboard reaches.
    assert (
        browser.find_element(By.CSS_SELECTOR, "a.skip-link")
        .get_attribute("href")
        .endswith("#sisalto")
    )
    password = (var_dir / "console-admin-password").read_text().strip()
    browser.find_element(By.ID, "id_username").send_keys("paakayttaja")
    browser.find_element(By.ID, "id_password").send_keys(password)
    browser.find_element(By.CSS_SELECTOR, "main button[type=submit]").click()
    # Back where the log-in began: the topic's page.
    wait.until(lambda d: d.current_url.endswith(f"/aiheet/{TOPIC}/") and loaded(d))
    # the address changes as the page starts to load: wait for the page itself
    wait.until(lambda d: d.find_element(By.LINK_TEXT, f"Muokkaa aihetta {TOPIC}")).click()
    answer = wait.until(lambda d: d.find_element(By.ID, "id_answer"))
    label = browser.find_element(By.CSS_SELECTOR, "label[for=id_answer]")
    assert label.text == "Vastaus"
    # Too long for a phone's screen: refused, the reason next to the field, nothing written.
    draft_file = root / "var" / "luonnos" / "data" / "faq" / f"{TOPIC}.yml"
    before = draft_file.read_bytes()
    answer.clear()
    answer.send_keys("Erokahvila on vertaistukea eron kokeneille. " * 20)
    browser.find_element(By.XPATH, "//button[text()='Tarkista ja tallenna']").click()
    errors = wait.until(lambda d: d.find_elements(By.ID, "answer-virheet"))
    assert "700" in errors[0].text, errors[0].text
    answer = browser.find_element(By.ID, "id_answer")
    assert answer.get_attribute("aria-invalid") == "true"
    assert "answer-virheet" in answer.get_attribute("aria-describedby")
    assert draft_file.read_bytes() == before
    screenshot(browser, "aiheet-muokkaa-virhe")
    new_text = "Erokahvila on vertaistukea eron kokeneille. <b>Kysy</b> perhekeskuksesta."
    answer.clear()
    answer.send_keys(new_text)
    browser.find_element(By.XPATH, "//button[text()='Tarkista ja tallenna']").click()
    wait.until(lambda d: d.current_url.endswith(f"/aiheet/{TOPIC}/") and loaded(d))
    assert "on tallennettu" in browser.find_element(By.CSS_SELECTOR, "[role=status]").text
    # Shown as text, never as markup.
    assert new_text in browser.find_element(By.CSS_SELECTOR, ".answer").text
    assert not browser.find_elements(By.CSS_SELECTOR, ".answer b")
    # Saved into the draft (var/luonnos of the project); publishing moves it to the live file.
    data = yaml.safe_load(draft_file.read_text(encoding="utf-8"))
    assert data["responses"][f"utter_faq/{TOPIC}"][0]["text"] == new_text
    live = yaml.safe_load((root / "data" / "faq" / f"{TOPIC}.yml").read_text(encoding="utf-8"))
    assert live["responses"][f"utter_faq/{TOPIC}"][0]["text"] != new_text


def test_the_launchers_stack_starts_the_console_when_asked(tmp_path, monkeypatch):
    """`make run` starts the console beside the bot (Stack.start(console=True)); here alone,
    on a free port, with its own var/ and project copy."""
    from bot import probes
    from bot.launcher import Stack
    from bot.settings import Settings

    copy_project(tmp_path / "project")
    monkeypatch.setenv("PERHENEUVO_CONSOLE_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("PERHENEUVO_CONSOLE_PROJECT", str(tmp_path / "project"))
    stack = Stack(Settings(console_port=probes.free_port()), tmp_path / "logs")
    try:
        stack.start_console()
        stack.wait_ready(timeout=WAIT)
        assert probes.responds(stack.console_url + "/kirjaudu/")
        assert (tmp_path / "var" / "console-admin-password").exists()
    finally:
        stack.stop()
    assert "console-admin-password" in (tmp_path / "logs" / "console.log").read_text()
