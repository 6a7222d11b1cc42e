""" "Was this helpful?" end to end with the real stack (the session `bot` fixture: Rasa with the
trained model, actions, the demo page): the REST feedback endpoint's checks; a family rates an
answer in the widget (headless Chromium, by keyboard) and in Telegram (the real front end
against the fake Bot API), and staff see both in the console's Saapuneet (a real
`python -m console` reading the bot's conversation store)."""

from __future__ import annotations

import sqlite3
import uuid
from typing import Any, Dict, List

import pytest
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from bot.feedback import MAX_COMMENT_LENGTH
from bot.launcher import stop_process
from bot.telegram.texts import load_texts
from tests.e2e.test_telegram_e2e import WAIT as TELEGRAM_WAIT
from tests.e2e.test_telegram_e2e import _new_chat, front_end
from tests.e2e.test_widget import WAIT, open_widget
from tests.support import copy_project, headless_chromium
from tests.support.axe import axe_violations, describe
from tests.support.console import loaded, start_console

pytestmark = pytest.mark.model

PERSON = "Haluan puhua ihmisen kanssa"  # the title of the "ihminen" topic
WIDGET_QUESTION = "Mikä on perhekeskus?"
WIDGET_COMMENT = "En löytänyt aukioloaikoja, soita 040 765 4321"
TELEGRAM_QUESTION = "Mikä on erokahvila?"
TELEGRAM_COMMENT = "Vastaus oli liian yleinen, mailaa liisa@example.com"
TEXTS = load_texts()


def post_feedback(bot, **body: Any) -> requests.Response:
    return requests.post(f"{bot.rasa_url}/webhooks/rest/feedback", json=body, timeout=30)


def ask(bot, sender: str, message: str, message_id: str) -> List[Dict[str, Any]]:
    reply = requests.post(
        f"{bot.rasa_url}/webhooks/rest/webhook",
        json={"sender": sender, "message": message, "message_id": message_id},
        timeout=60,
    )
    assert reply.status_code == 200, reply.text
    return reply.json()


def feedback_rows(bot, sender: str) -> List[tuple]:
    with sqlite3.connect(bot.settings.tracker_db) as db:
        return db.execute(
            "select channel, question, rating, comment from feedback where sender_id = ?",
            (sender,),
        ).fetchall()


def test_the_endpoint_rates_only_the_senders_own_answers_within_limits(bot):
    sender = f"test-{uuid.uuid4().hex[:12]}"
    assert ask(bot, sender, "mikä on perhekeskus", "m-1")
    ok = post_feedback(bot, sender=sender, message_id="m-1", rating="helpful")
    assert ok.status_code == 200 and ok.json() == {"stored": "helpful", "messages": []}
    unhelpful = post_feedback(bot, sender=sender, message_id="m-1", rating="not_helpful")
    [follow_up] = unhelpful.json()["messages"]
    titles = [b["title"] for b in follow_up["buttons"]]
    assert titles[-1] == PERSON and "112" in follow_up["text"]
    assert feedback_rows(bot, sender) == [("rest", "mikä on perhekeskus", "not_helpful", None)]
    # someone else's conversation, an unknown message, a bad rating, a too long comment
    other = post_feedback(bot, sender="someone-else", message_id="m-1", rating="helpful")
    assert other.status_code == 404
    assert post_feedback(bot, sender=sender, message_id="m-9", rating="helpful").status_code == 404
    assert post_feedback(bot, sender=sender, message_id="m-1", rating="great").status_code == 400
    long = "x" * (2 * MAX_COMMENT_LENGTH + 1)
    too_long = post_feedback(
        bot, sender=sender, message_id="m-1", rating="not_helpful", comment=long
    )
    assert too_long.status_code == 400
    statuses = [
        post_feedback(bot, sender=sender, message_id="m-1", rating="helpful").status_code
        for _ in range(20)
    ]
    assert statuses[-1] == 429 and statuses[0] == 200


@pytest.fixture(scope="module")
def console(bot, tmp_path_factory):
    """The console reading the bot's own conversation store and asking its Rasa server."""
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
def browser(tmp_path_factory):
    driver = headless_chromium(tmp_path_factory.mktemp("chromium"))
    driver.set_script_timeout(WAIT)
    yield driver
    driver.quit()


def inbox_text(browser, console) -> str:
    var_dir, url = console
    browser.get(f"{url}/saapuneet/")
    if "/kirjaudu/" in browser.current_url:
        password = (var_dir / "console-admin-password").read_text().strip()
        browser.find_element(By.ID, "id_username").send_keys("paakayttaja")
        browser.find_element(By.ID, "id_password").send_keys(password)
        browser.find_element(By.CSS_SELECTOR, "main button[type=submit]").click()
        # the log-in page goes stale as the inbox loads: read the inbox, not the old page
        WebDriverWait(browser, WAIT).until(
            lambda d: d.current_url.endswith("/saapuneet/") and loaded(d)
        )
    return browser.find_element(By.TAG_NAME, "main").text


def test_a_family_rates_an_answer_in_the_widget_and_staff_see_it(bot, browser, console):
    widget = open_widget(browser, bot)
    widget.open()
    widget.ask(WIDGET_QUESTION)
    rating = (
        "return [...root.querySelectorAll('.pn-rate')]"
        ".map(n => [n.textContent, n.getAttribute('aria-pressed')]);"
    )
    assert widget.js(rating) == [["Auttoi", "false"], ["Ei auttanut", "false"]]
    group = widget.find(".pn-feedback-buttons")
    assert group.get_attribute("role") == "group" and group.get_attribute("aria-label")
    # by keyboard: Tab from the last answer's "Auttoi" to "Ei auttanut", then Enter
    widget.js("root.querySelector('.pn-rate-helpful').focus();")
    widget.press(Keys.TAB, Keys.ENTER)
    widget.wait(lambda: widget.js(rating)[1][1] == "true", message="not marked pressed")
    status = "return root.querySelector('.pn-feedback-status[role=status]').textContent;"
    widget.wait(lambda: widget.js(status) == "Kiitos palautteesta!", message="not announced")
    assert widget.js(rating)[0][1] == "false"
    follow_up = widget.texts("bot")[-1]
    assert "112" in follow_up
    titles = [b.text for b in widget.reply_buttons()]
    assert titles[-1] == PERSON
    # the comment field has focus; the comment is sent with Enter
    assert "pn-comment-input" in widget.focused()
    # the rating buttons, the pressed state and the comment field pass WCAG 2.1 AA (axe-core)
    violations = axe_violations(browser)
    assert not violations, describe(violations)
    widget.press(WIDGET_COMMENT, Keys.ENTER)
    widget.wait(lambda: not widget.find_all(".pn-comment"), message="comment not sent")
    sender = widget.stored()["sender"]
    assert feedback_rows(bot, sender) == [
        (
            "rest",
            WIDGET_QUESTION,
            "not_helpful",
            "En löytänyt aukioloaikoja, soita [puhelinnumero]",
        )
    ]
    # The way to a person answers with the contacts topic.
    before = len(widget.texts("bot"))
    widget.reply_buttons()[-1].click()
    answer = widget.wait_for_bot(before)
    assert "112" in answer[-1]
    # a reload shows the rating given (the conversation lives in sessionStorage)
    widget.load()
    pressed = [p for _t, p in widget.js(rating)]
    assert pressed[:2] == ["false", "true"] and set(pressed[2:]) == {"false"}
    assert not widget.find_all(".pn-comment")

    main = inbox_text(browser, console)
    assert f"”{WIDGET_QUESTION}”" in main
    assert "perhe merkitsi vastauksen hyödyttömäksi" in main
    assert "”En löytänyt aukioloaikoja, soita [puhelinnumero]”" in main
    assert "040 765 4321" not in browser.page_source


def test_a_family_rates_an_answer_in_telegram_and_staff_see_it(bot, browser, console, tmp_path):
    with front_end(tmp_path / "telegram.log", bot.rasa_url) as telegram:
        chat = _new_chat()
        telegram.api.queue_message(chat, TELEGRAM_QUESTION)
        sent = telegram.api.wait_for("sendMessage", chat, timeout=TELEGRAM_WAIT, settle=1.0)
        answered, answer = len(sent), sent[-1]
        assert all("reply_markup" not in s for s in sent[:-1])  # rated under the last only
        rows = answer["reply_markup"]["inline_keyboard"]
        assert [b["text"] for b in rows[-1]] == [TEXTS.helpful, TEXTS.not_helpful]
        not_helpful = rows[-1][1]["callback_data"]
        assert len(not_helpful.encode()) <= 64

        telegram.api.queue_callback(chat, not_helpful, answer.result)
        sent = telegram.api.wait_for("sendMessage", chat, count=answered + 2, timeout=TELEGRAM_WAIT)
        [thanks] = telegram.api.calls_of("answerCallbackQuery")
        assert thanks.get("text") == TEXTS.feedback_thanks
        [edited] = telegram.api.calls_of("editMessageText", chat)
        assert edited["text"].endswith(TEXTS.rated.format(rating=TEXTS.not_helpful))
        assert "reply_markup" not in edited  # the rating buttons are gone
        follow_up, prompt = sent[answered], sent[answered + 1]
        assert "112" in follow_up["text"]
        titles = [row[0]["text"] for row in follow_up["reply_markup"]["inline_keyboard"]]
        assert titles[-1] == PERSON
        assert prompt["text"] == TEXTS.comment_prompt
        assert prompt["reply_markup"]["force_reply"] is True

        telegram.api.queue_message(chat, TELEGRAM_COMMENT, reply_to_message=prompt.result)
        sent = telegram.api.wait_for("sendMessage", chat, count=answered + 3, timeout=TELEGRAM_WAIT)
        assert sent[answered + 2]["text"] == TEXTS.comment_thanks
        assert feedback_rows(bot, telegram.sender(chat)) == [
            (
                "telegram",
                TELEGRAM_QUESTION,
                "not_helpful",
                "Vastaus oli liian yleinen, mailaa [sähköposti]",
            )
        ]
        assert TELEGRAM_COMMENT not in telegram.log_text()

    main = inbox_text(browser, console)
    assert f"”{TELEGRAM_QUESTION}”" in main
    assert "”Vastaus oli liian yleinen, mailaa [sähköposti]”" in main
