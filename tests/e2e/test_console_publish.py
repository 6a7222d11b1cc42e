"""Publishing from the staff console, end to end, in headless Chromium: a real stack (action
server, Rasa server) on a copy of the real project and a real `python -m console` pointed at
that copy and that bot. A muokkaaja cannot publish; a julkaisija edits the erokahvila answer,
asks the draft bot and sees its answer beside the live bot's, publishes (check → train →
answer-level evaluation → live), and the REST channel gives the new text; restoring the
previous version brings the old text back. The copy's models/ is the checkout's (the Rasa
server loads models only from there); the models made here are removed afterwards."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
import uuid

import pytest
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from bot.launcher import stop_process
from bot.model_files import hash_file, record
from tests.e2e.test_widget import Widget
from tests.support import MODEL, ROOT, copy_project, headless_chromium, start_stack
from tests.support.console import (
    PUBLISH_WAIT,
    console_env,
    loaded,
    replaced_page_errors,
    start_console,
    wait_for_run,
)

pytestmark = pytest.mark.model

TOPIC = "erokahvila"
OLD_START = "Erokahvila on vertaistuellista toimintaa"
QUESTION = "Mikä on erokahvila?"
# The progress pages refresh themselves: an element may go away between finding and reading.


def add_account(env, username: str, role: str) -> str:
    """`python -m console staff_user` without a terminal: prints a random password."""
    result = subprocess.run(
        [sys.executable, "-m", "console", "staff_user", "--tunnus", username, "--rooli", role],
        cwd=ROOT,
        env=env,
        input="",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return re.search(r"\): (\S+)", result.stdout.split("Arvottu salasana", 1)[1]).group(1)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("project")
    copy_project(root, real=True)
    (root / "models").symlink_to(ROOT / "models")
    before = set((ROOT / "models").glob("*.tar.gz"))
    live_model = ROOT / "models" / f"e2e-live-{uuid.uuid4().hex[:8]}.tar.gz"
    shutil.copyfile(MODEL, live_model)
    record(live_model)
    logs = tmp_path_factory.mktemp("bot")
    stack = start_stack(logs, model=live_model, knowledge_dir=root / "knowledge")
    var_dir = tmp_path_factory.mktemp("var")
    bot_env = dict(
        PERHENEUVO_RASA_URL=stack.rasa_url,
        PERHENEUVO_API_TOKEN=stack.settings.api_token,
        PERHENEUVO_ACTIONS_URL=f"{stack.actions_url}/webhook",
        PERHENEUVO_MODEL=str(live_model),
        PERHENEUVO_CONSOLE_DRAFT_BOT_IDLE_MINUTES="10",
    )
    env = dict(console_env(root, var_dir, 0), **bot_env)
    passwords = {
        "jussi": add_account(env, "jussi", "julkaisija"),
        "maija": add_account(env, "maija", "muokkaaja"),
    }
    process, url = start_console(root, var_dir, **bot_env)
    try:
        yield root, stack, url, passwords
    finally:
        stop_process(process)
        stack.stop()
        for made in set((ROOT / "models").glob("*.tar.gz")) - before:
            made.unlink(missing_ok=True)
            hash_file(made).unlink(missing_ok=True)
        print((var_dir / "console.log").read_text(errors="replace")[-4000:])


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    driver = headless_chromium(tmp_path_factory.mktemp("chromium"))
    yield driver
    driver.quit()


def ask(stack, text: str) -> str:
    reply = requests.post(
        f"{stack.rasa_url}/webhooks/rest/webhook",
        json={"sender": f"e2e-{uuid.uuid4().hex[:8]}", "message": text},
        timeout=60,
    )
    assert reply.status_code == 200, reply.text
    return "\n".join(m.get("text", "") for m in reply.json())


def log_in(browser, url: str, username: str, password: str) -> None:
    browser.delete_all_cookies()
    browser.get(f"{url}/kirjaudu/")
    browser.find_element(By.ID, "id_username").send_keys(username)
    browser.find_element(By.ID, "id_password").send_keys(password)
    browser.find_element(By.CSS_SELECTOR, "main button[type=submit]").click()
    WebDriverWait(browser, 30).until(lambda d: "/kirjaudu/" not in d.current_url and loaded(d))


def post_status(browser, path: str) -> int:
    """A form post from the page (with its CSRF token), as a button would send it."""
    return browser.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        const token = document.querySelector('input[name=csrfmiddlewaretoken]').value;
        fetch(arguments[0], {method: 'POST', headers: {'Content-Type':
          'application/x-www-form-urlencoded'}, body: 'csrfmiddlewaretoken=' +
          encodeURIComponent(token) + '&message=kokeilu', redirect: 'manual'})
          .then(r => done(r.status), () => done(-1));
        """,
        path,
    )


def assert_widget_shows_as_text(browser, stack, marker: str) -> None:
    """The families' widget on the demo page gives the published answer, the script tag as
    text that never runs."""
    widget = Widget(browser, stack.web_url + "/").load()
    widget.open()
    widget.ask(QUESTION)
    assert any(marker in text for text in widget.texts("bot")), widget.texts("bot")
    assert widget.js("return root.querySelectorAll('.pn-msg-bot script').length;") == 0
    assert browser.execute_script("return window.pwned === undefined;")


def test_a_muokkaaja_cannot_publish(world, browser):
    root, stack, url, passwords = world
    log_in(browser, url, "maija", passwords["maija"])
    browser.get(f"{url}/julkaisu/")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Luonnos"
    assert not browser.find_elements(By.XPATH, "//button[text()='Julkaise']")
    assert post_status(browser, "/julkaisu/julkaise/") == 403
    browser.get(f"{url}/julkaisu/kokeile/")
    assert "Sinulla ei ole oikeutta" in browser.find_element(By.TAG_NAME, "body").text


def test_edit_try_publish_and_restore(world, browser):
    root, stack, url, passwords = world
    wait = WebDriverWait(browser, 60)
    assert OLD_START in ask(stack, QUESTION)
    log_in(browser, url, "jussi", passwords["jussi"])

    # Edit the answer: it goes to the draft.
    # a script tag in the answer is text everywhere: the console, the REST reply, the widget
    marker = f"Päivitetty {uuid.uuid4().hex[:6]} <script>window.pwned = 1</script>."
    browser.get(f"{url}/aiheet/{TOPIC}/muokkaa/")
    answer = wait.until(lambda d: d.find_element(By.ID, "id_answer"))
    old_answer = answer.get_attribute("value")
    answer.clear()
    answer.send_keys(f"{marker} {old_answer}")
    browser.find_element(By.XPATH, "//button[text()='Tarkista ja tallenna']").click()
    wait.until(lambda d: d.current_url.endswith(f"/aiheet/{TOPIC}/") and loaded(d))
    assert "Julkaisematon muutos" in browser.find_element(By.ID, "julkaisematon").text
    assert marker in browser.find_element(By.TAG_NAME, "main").text  # shown, not run
    assert browser.execute_script("return window.pwned === undefined;")
    assert marker not in ask(stack, QUESTION)  # not live yet

    # The draft bot answers with the draft, the live bot as before, side by side.
    browser.get(f"{url}/julkaisu/kokeile/")
    browser.find_element(By.XPATH, "//button[text()='Käynnistä luonnosbotti']").click()
    WebDriverWait(
        browser, PUBLISH_WAIT, poll_frequency=2, ignored_exceptions=replaced_page_errors()
    ).until(
        lambda d: (
            d.find_element(By.ID, "luonnosbotin-tila").get_attribute("data-state")
            in ("ready", "failed")
        )
    )
    status = browser.find_element(By.ID, "luonnosbotin-tila")
    assert status.get_attribute("data-state") == "ready", status.text
    browser.find_element(By.ID, "id_question").send_keys(QUESTION)
    browser.find_element(By.XPATH, "//button[text()='Kysy']").click()
    draft_answer = wait.until(lambda d: d.find_element(By.ID, "luonnoksen-vastaus")).text
    live_answer = browser.find_element(By.ID, "kaytossa-vastaus").text
    assert marker in draft_answer and OLD_START in draft_answer
    assert marker not in live_answer and OLD_START in live_answer

    # The diff in Finnish, then publish.
    browser.get(f"{url}/julkaisu/")
    main = browser.find_element(By.TAG_NAME, "main").text
    assert f"Aihe {TOPIC}" in main and "Vastaus ennen" in main and marker in main
    browser.find_element(By.ID, "id_message").send_keys("Erokahvilan vastaus päivitetty")
    pressed = time.monotonic()
    browser.find_element(By.XPATH, "//button[text()='Julkaise']").click()
    wait.until(lambda d: "/julkaisu/ajot/" in d.current_url and loaded(d))
    state = wait_for_run(browser)
    assert state == "done", browser.find_element(By.TAG_NAME, "main").text
    steps = browser.find_elements(By.CSS_SELECTOR, "li.step-done")
    assert [s.get_attribute("data-step") for s in steps] == ["check", "train", "evaluate", "live"]
    reply = ask(stack, QUESTION)
    assert marker in reply and OLD_START in reply, reply
    print(f"publish pressed → new answer served: {time.monotonic() - pressed:.1f} s")
    assert_widget_shows_as_text(browser, stack, marker)
    data = (root / "data" / "faq" / f"{TOPIC}.yml").read_text(encoding="utf-8")
    assert marker in data  # the live file

    # History: two versions; restore the earlier one through the same path.
    browser.get(f"{url}/julkaisu/versiot/")
    rows = browser.find_elements(By.CSS_SELECTOR, "table.topics tbody tr")
    assert len(rows) == 2
    assert "jussi" in rows[0].text and "Erokahvilan vastaus päivitetty" in rows[0].text
    rows[1].find_element(By.TAG_NAME, "a").click()
    browser.find_element(By.XPATH, "//button[text()='Palauta tämä versio']").click()
    wait.until(lambda d: "/julkaisu/ajot/" in d.current_url and loaded(d))
    assert wait_for_run(browser) == "done", browser.find_element(By.TAG_NAME, "main").text
    reply = ask(stack, QUESTION)
    assert marker not in reply and OLD_START in reply, reply
    assert marker not in (root / "data" / "faq" / f"{TOPIC}.yml").read_text(encoding="utf-8")
    browser.get(f"{url}/julkaisu/versiot/")
    assert len(browser.find_elements(By.CSS_SELECTOR, "table.topics tbody tr")) == 3
