"""What the console's unit tests (tests/unit/test_console.py: CSRF, log-in on every page,
lock-out, escaping) cannot show: in a real browser against a real `python -m console`, an
answer with a script in it is shown as text and never runs, and the page's
Content-Security-Policy would stop an inline script even if one got through."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from bot.launcher import stop_process
from tests.support import copy_project, headless_chromium
from tests.support.console import loaded, start_console

WAIT = 60
TOPIC = "erokahvila"
ATTACK = (
    "Erokahvila on vertaistukea. <script>document.title='murrettu'</script>"
    "<img src=x onerror=\"document.title='murrettu'\">"
)


@pytest.fixture(scope="module")
def console(tmp_path_factory):
    root = tmp_path_factory.mktemp("project")
    copy_project(root)
    var_dir = tmp_path_factory.mktemp("var")
    process, url = start_console(root, var_dir)
    yield var_dir, url
    stop_process(process)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    driver = headless_chromium(tmp_path_factory.mktemp("chromium"))
    yield driver
    driver.quit()


def test_a_script_in_an_answer_is_shown_as_text_and_never_runs(console, browser):
    var_dir, url = console
    wait = WebDriverWait(browser, WAIT)
    browser.get(f"{url}/kirjaudu/?next=/aiheet/{TOPIC}/muokkaa/")
    password = (var_dir / "console-admin-password").read_text().strip()
    browser.find_element(By.ID, "id_username").send_keys("paakayttaja")
    browser.find_element(By.ID, "id_password").send_keys(password)
    browser.find_element(By.CSS_SELECTOR, "main button[type=submit]").click()
    answer = wait.until(lambda d: d.find_element(By.ID, "id_answer"))
    answer.clear()
    answer.send_keys(ATTACK)
    browser.find_element(By.XPATH, "//button[text()='Tarkista ja tallenna']").click()
    wait.until(lambda d: d.current_url.endswith(f"/aiheet/{TOPIC}/") and loaded(d))
    for path in (f"/aiheet/{TOPIC}/", f"/aiheet/{TOPIC}/muokkaa/"):
        browser.get(url + path)
        wait.until(lambda d: d.find_element(By.TAG_NAME, "h1"))
        assert browser.title.endswith("Perheneuvo") and "murrettu" not in browser.title
        assert not browser.find_elements(By.CSS_SELECTOR, "main script, main img")
    assert ATTACK in browser.find_element(By.ID, "id_answer").get_attribute("value")
    browser.get(f"{url}/aiheet/{TOPIC}/")
    assert ATTACK in browser.find_element(By.CSS_SELECTOR, ".answer").text
    # Even a script that did get into the page would not run: no inline scripts allowed.
    browser.execute_script(
        "const s = document.createElement('script');"
        "s.textContent = \"document.title = 'murrettu'\"; document.body.appendChild(s);"
    )
    assert "murrettu" not in browser.title
    refused = [
        entry["message"]
        for entry in browser.get_log("browser")
        if "Content Security Policy" in entry["message"]
    ]
    assert refused, "the browser did not report the refused inline script"
