"""Cleaning what users send, before Rasa sees or stores it."""

from bot.message_input import EMPTY_MESSAGE_PAYLOAD, MAX_MESSAGE_LENGTH, clean_message


def test_plain_text_passes():
    assert clean_message("Mikä on perhekeskus?").text == "Mikä on perhekeskus?"


def test_empty_blank_and_missing_become_empty_message():
    for raw in ("", "   ", None, "\n\t"):
        assert clean_message(raw).text == EMPTY_MESSAGE_PAYLOAD


def test_emoji_only_becomes_empty_message():
    assert clean_message("😀😀🙏").text == EMPTY_MESSAGE_PAYLOAD


def test_html_tags_are_removed():
    assert clean_message("<script>alert(1)</script>hei").text == "alert(1) hei"
    assert clean_message("<img src=x onerror=alert(1)>").text == EMPTY_MESSAGE_PAYLOAD


def test_control_characters_are_removed():
    assert clean_message("hei\x00\x07 mi\u200bkä\x1b[31m").text == "hei mi kä [31m"


def test_long_message_is_cut_at_a_word_with_a_flag():
    message = clean_message("sana " * 4000)
    assert message.truncated and len(message.text) <= MAX_MESSAGE_LENGTH
    assert message.text.endswith("sana")


def test_hand_typed_intent_payloads_are_neutralised():
    assert clean_message("/faq").text == "faq"
    assert clean_message('/ask_contact{"municipality": "x"}').text.startswith("ask_contact")
    assert clean_message("/restart").text == "/restart"
