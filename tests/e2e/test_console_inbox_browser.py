"""Saapuneet (the console's inbox) in headless Chromium against a real `python -m console`
reading a conversation store written by Rasa's SQL tracker store: a julkaisija-level account
adds a message to the topic the bot guessed with one click (into the draft; the live file
stays until publishing), and dismisses another; neither is shown again. Needs no trained
model (no bot running: the stored predictions are used)."""

from __future__ import annotations

import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from bot.launcher import stop_process
from tests.support import copy_project, headless_chromium
from tests.support.console import loaded, start_console
from tests.support.conversations import fill_store, parse_data

WAIT = 60
TOPIC = "erokahvila"
ADDED = "voiko erokahvilaan tulla vauvan kanssa"
DISMISSED = "mikä on huomenna sää"


@pytest.fixture(scope="module")
def console(tmp_path_factory):
    root = tmp_path_factory.mktemp("project")
    copy_project(root)
    var_dir = tmp_path_factory.mktemp("var")
    store = tmp_path_factory.mktemp("store") / "conversations.db"
    fill_store(
        store,
        {
            "perhe-1": [
                (ADDED, parse_data("", "nlu_fallback", 0.8, TOPIC, 0.45), "action_ask_rephrase", 1),
                (DISMISSED, parse_data("", "out_of_scope", 0.9), "utter_out_of_scope", 1),
            ]
        },
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PERHENEUVO_TRACKER_DB", str(store))
        patch.setenv("PERHENEUVO_RASA_URL", "http://127.0.0.1:9")
        patch.setenv("PERHENEUVO_API_TOKEN", "x")
        process, url = start_console(root, var_dir)
    yield root, var_dir, url
    stop_process(process)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    driver = headless_chromium(tmp_path_factory.mktemp("chromium"))
    yield driver
    driver.quit()


def message_item(browser, text: str):
    found = [
        item
        for item in browser.find_elements(By.CSS_SELECTOR, ".inbox-messages > li")
        if f"”{text}”" in item.find_element(By.CSS_SELECTOR, ".inbox-text").text
    ]
    assert len(found) == 1, [i.text for i in browser.find_elements(By.CSS_SELECTOR, "li")]
    return found[0]


def test_add_an_example_and_dismiss_a_message_with_one_click_each(console, browser):
    root, var_dir, url = console
    wait = WebDriverWait(browser, WAIT, ignored_exceptions=[StaleElementReferenceException])
    browser.get(f"{url}/saapuneet/")
    password = (var_dir / "console-admin-password").read_text().strip()
    browser.find_element(By.ID, "id_username").send_keys("paakayttaja")
    browser.find_element(By.ID, "id_password").send_keys(password)
    browser.find_element(By.CSS_SELECTOR, "main button[type=submit]").click()
    wait.until(lambda d: d.current_url.endswith("/saapuneet/") and loaded(d))
    assert browser.find_element(By.CSS_SELECTOR, "nav [aria-current=page]").text == "Saapuneet"
    item = message_item(browser, ADDED)
    # The bot's best guess is already chosen: one click adds.
    chosen = item.find_element(By.CSS_SELECTOR, "select option:checked")
    assert chosen.get_attribute("value") == TOPIC
    new_topic = item.find_element(By.PARTIAL_LINK_TEXT, "Aloita uusi aihe")
    assert new_topic.get_attribute("href").endswith(
        "/aiheet/uusi-aihe/?esimerkki=voiko%20erokahvilaan%20tulla%20vauvan%20kanssa"
    )
    live = root / "data" / "faq" / f"{TOPIC}.yml"
    before = live.read_text(encoding="utf-8")
    item.find_element(By.CSS_SELECTOR, "form.inbox-add button").click()
    status = wait.until(lambda d: d.find_element(By.CSS_SELECTOR, ".messages[role=status]"))
    assert f"on lisätty luonnokseen aiheen {TOPIC} esimerkiksi" in status.text
    # Into the draft (var/luonnos of the project); the live file waits for publishing.
    source = (root / "var" / "luonnos" / "data" / "faq" / f"{TOPIC}.yml").read_text(
        encoding="utf-8"
    )
    assert f"    - {ADDED}\n" in source
    assert live.read_text(encoding="utf-8") == before
    message_item(browser, DISMISSED).find_element(
        By.XPATH, ".//button[starts-with(normalize-space(.), 'Ohita')]"
    ).click()
    # The page before had a status message too: wait for the new one.
    wait.until(lambda d: "Ohitettuja viestejä: 1" in d.find_element(By.TAG_NAME, "main").text)
    assert "Ei käsittelemättömiä viestejä." in browser.find_element(By.TAG_NAME, "main").text
    browser.get(f"{url}/saapuneet/")
    assert not browser.find_elements(By.CSS_SELECTOR, ".inbox-messages > li")
