"""End to end through the real servers: REST channel, actions, bad input, multi-turn flows."""

import pytest

pytestmark = pytest.mark.model


def joined(replies):
    return "\n".join(r.get("text", "") for r in replies)


def test_faq_answer(chat):
    replies = chat("Mikä on perhekeskus?")
    assert "perhekeskus" in joined(replies).lower()


def test_contact_flow_asks_for_the_municipality_and_uses_the_reply(chat):
    assert "Missä kunnassa asut" in joined(chat("keneen mä voisin ottaa yhteyttä"))
    answer = joined(chat("savonlinnast"))
    assert "Hanna Kokkonen" in answer and "Savonlinna" in answer


def test_outside_area_gets_an_honest_answer(chat):
    answer = joined(chat("keneen otan yhteyttä oulussa"))
    assert "Oulu" in answer and "Kokkonen" not in answer and "116 111" in answer


def test_safety_comes_first_even_with_a_question(chat):
    replies = chat("mun mies uhkailee tappaa mut jos haen eroa, mistä saa apua eroon")
    assert "112" in replies[0]["text"]
    assert "080 005 005" in joined(replies)


@pytest.mark.parametrize(
    "message",
    [
        "",
        "   ",
        "😀😀😀",
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "hei\x00\x07\x1b[31m\u202e",
        None,
    ],
)
def test_bad_input_gets_a_clear_reply_and_the_conversation_goes_on(chat, message):
    replies = chat(message)
    assert replies and all(r.get("text", "").strip() for r in replies)
    assert "perhekeskus" in joined(chat("Mikä on perhekeskus?")).lower()


def test_very_long_message_is_cut_with_a_note(chat):
    replies = chat("Mikä on perhekeskus? " + "ja " * 7000)
    assert "luin siitä vain alun" in replies[0]["text"]
    assert len(replies) > 1
    assert "perhekeskus" in joined(chat("Mikä on perhekeskus?")).lower()


@pytest.mark.parametrize(
    "body",
    [
        [1, 2],
        {"message": "hei"},
        {"sender": "", "message": "hei"},
        {"sender": "x", "message": 5},
        {"sender": "x" * 500, "message": "hei"},
    ],
)
def test_malformed_requests_get_400_not_500(chat, body):
    reply = chat(body, raw=True)
    assert reply.status_code == 400 and "error" in reply.json()


def test_invalid_json_gets_400(bot):
    import requests

    reply = requests.post(
        f"{bot.rasa_url}/webhooks/rest/webhook",
        data=b"{not json",
        headers={"Content-Type": "application/json"},
        timeout=30,
    )
    assert reply.status_code == 400


# A vague message the model answers with the rephrase fallback and topic buttons (as in
# test_widget.py); the fallback's own text asks to say it "toisin sanoin".
VAGUE = "perhe"
FALLBACK_MARK = "toisin sanoin"


def test_fallback_offers_topic_buttons_whose_payload_is_answered(chat):
    replies = chat(VAGUE)
    assert FALLBACK_MARK in joined(replies), replies
    buttons = [b for r in replies for b in r.get("buttons", [])]
    assert buttons, f"{VAGUE!r} got no topic buttons: {replies}"
    assert all(b["title"] and b["payload"] for b in buttons)
    follow = joined(chat(buttons[0]["payload"]))  # a button's payload is a question
    assert follow.strip() and FALLBACK_MARK not in follow, follow
