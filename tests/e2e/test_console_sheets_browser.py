"""Importing an edited workbook in Debian's headless Chromium against a real `python -m
console` process on a copy of the fixture project: the first pääkäyttäjä logs in, the
workbook the console exports is edited with openpyxl, uploaded through the page's file input,
the changes are shown, and "Vie luonnokseen" writes them into the draft (the live file stays
until publishing). Needs no trained model."""

from __future__ import annotations

import io

import openpyxl
import pytest
import requests
import yaml
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from bot.launcher import stop_process
from tests.support import copy_project, headless_chromium
from tests.support.axe import axe_violations, describe
from tests.support.console import loaded, start_console

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


def test_upload_an_edited_workbook_and_confirm(console, browser, tmp_path):
    root, var_dir, url = console
    wait = WebDriverWait(browser, WAIT)
    browser.get(f"{url}/taulukot/")
    wait.until(lambda d: "/kirjaudu/" in d.current_url and loaded(d))
    password = (var_dir / "console-admin-password").read_text().strip()
    browser.find_element(By.ID, "id_username").send_keys("paakayttaja")
    browser.find_element(By.ID, "id_password").send_keys(password)
    browser.find_element(By.CSS_SELECTOR, "main button[type=submit]").click()
    wait.until(lambda d: d.current_url.endswith("/taulukot/") and loaded(d))
    link = browser.find_element(By.LINK_TEXT, "Lataa taulukko (.xlsx)")
    # The browser does not download; the same session fetches the workbook the link gives.
    cookies = {c["name"]: c["value"] for c in browser.get_cookies()}
    exported = requests.get(link.get_attribute("href"), cookies=cookies, timeout=30)
    assert exported.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    book = openpyxl.load_workbook(io.BytesIO(exported.content))
    qa = book["Kysymykset ja vastaukset"]
    row = next(r[0].row for r in qa.iter_rows(min_row=2) if r[0].value == TOPIC)
    new_answer = "Erokahvila on vertaistukea eron kokeneille. Kysy perhekeskuksesta."
    qa.cell(row=row, column=3).value = new_answer
    edited = tmp_path / "muokattu.xlsx"
    book.save(edited)

    upload = browser.find_element(By.CSS_SELECTOR, "input[type=file]")
    label = browser.find_element(By.CSS_SELECTOR, f"label[for={upload.get_attribute('id')}]")
    assert label.text == "Muokattu taulukko (.xlsx)"
    upload.send_keys(str(edited))
    browser.find_element(By.XPATH, "//button[text()='Tuo ja näytä muutokset']").click()
    wait.until(lambda d: d.current_url.endswith("/taulukot/tuo/esikatselu/") and loaded(d))
    heading = browser.find_element(By.ID, f"aihe-{TOPIC}")
    assert "rivi 2" in heading.text
    assert new_answer in browser.find_element(By.CSS_SELECTOR, ".after").text
    # the preview, reachable only after an upload, is checked like every other console page
    assert axe_violations(browser) == [], describe(axe_violations(browser))
    live = root / "data" / "faq" / f"{TOPIC}.yml"
    live_before = live.read_text(encoding="utf-8")
    source = root / "var" / "luonnos" / "data" / "faq" / f"{TOPIC}.yml"  # the draft
    answer = yaml.safe_load(source.read_text(encoding="utf-8"))["responses"][f"utter_faq/{TOPIC}"]
    assert answer[0]["text"] != new_answer  # nothing written before the confirmation

    browser.find_element(By.XPATH, "//button[text()='Vie luonnokseen']").click()
    wait.until(lambda d: d.current_url.endswith("/taulukot/") and loaded(d))
    assert "on viety" in browser.find_element(By.CSS_SELECTOR, "[role=status]").text
    answer = yaml.safe_load(source.read_text(encoding="utf-8"))["responses"][f"utter_faq/{TOPIC}"]
    assert answer[0]["text"] == new_answer
    assert live.read_text(encoding="utf-8") == live_before  # until the draft is published
    assert not list((var_dir / "sheet-imports").glob("*.json"))
