"""Security and privacy of the running bot: token-only API, body limit, loopback servers,
masked storage, retry-safe messages, never silence, no message text in the logs."""

import json
import sqlite3
import uuid
from pathlib import Path

import pytest
import requests

from bot.model_files import record
from tests.support import rasa_status

pytestmark = pytest.mark.model


def post(bot, body, **kwargs):
    return requests.post(f"{bot.rasa_url}/webhooks/rest/webhook", json=body, timeout=60, **kwargs)


def user_events(bot, sender):
    with sqlite3.connect(bot.settings.tracker_db) as db:
        rows = db.execute(
            "select data from events where sender_id = ? and type_name = 'user' order by id",
            (sender,),
        ).fetchall()
    return [json.loads(data) for (data,) in rows]


def test_http_api_needs_the_token(bot):
    assert requests.get(f"{bot.rasa_url}/status", timeout=10).status_code == 401
    assert (
        requests.get(f"{bot.rasa_url}/status", params={"token": "wrong"}, timeout=10).status_code
        == 401
    )
    token = bot.settings.api_token
    assert (
        requests.get(f"{bot.rasa_url}/status", params={"token": token}, timeout=10).status_code
        == 200
    )


def refused_by_the_model_guard(reply: requests.Response) -> bool:
    """Rasa 3.6 answers a load_agent that raised with 500 "LoadingError" and the error's text;
    the text tells the guard's refusal (bot/model_files.py) from any other failure."""
    body = reply.json()
    return (
        reply.status_code == 500
        and body.get("reason") == "LoadingError"
        and "models are loaded only from" in body.get("message", "")
    )


def test_a_model_from_outside_models_is_not_loaded(bot, tmp_path):
    token = bot.settings.api_token
    served = rasa_status(bot)
    foreign = tmp_path / "foreign.tar.gz"
    foreign.write_bytes(Path(bot.settings.model).read_bytes())
    record(foreign)  # even with a matching recorded hash
    reply = requests.put(
        f"{bot.rasa_url}/model",
        params={"token": token},
        json={"model_file": str(foreign)},
        timeout=60,
    )
    assert refused_by_the_model_guard(reply), (reply.status_code, reply.text)
    reply = requests.put(
        f"{bot.rasa_url}/model",
        params={"token": token},
        json={"model_server": {"url": "http://127.0.0.1:9/model.tar.gz"}},
        timeout=60,
    )
    assert refused_by_the_model_guard(reply), (reply.status_code, reply.text)
    assert rasa_status(bot) == served  # the same model is still served
    reply = post(bot, {"sender": "after-refusal", "message": "Mikä on perhekeskus?"})
    assert reply.ok and "perhekeskus" in reply.json()[0]["text"].lower()


def test_oversized_bodies_are_refused(bot):
    reply = post(bot, {"sender": "big", "message": "a" * (70 * 1024)})
    assert reply.status_code == 413


def listening_addresses(port):
    """Local addresses (hex, as in /proc/net/tcp*) listening on `port`."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:
                found.add(address)
    return found


def test_rasa_and_the_action_server_listen_on_loopback_only(bot):
    for port in (bot.settings.rasa_port, bot.settings.actions_port):
        addresses = listening_addresses(port)
        assert addresses == {"0100007F"}, (port, addresses)  # 127.0.0.1 only


def test_personal_data_is_stored_masked(bot):
    sender = f"mask-{uuid.uuid4().hex[:8]}"
    text = "mun numero on 040 765 4321 ja hetu 010190-123A, maili pekka@example.com"
    assert post(bot, {"sender": sender, "message": text}).ok
    stored = json.dumps(user_events(bot, sender), ensure_ascii=False)
    for secret in ("765 4321", "010190-123A", "pekka@example.com"):
        assert secret not in stored
    assert "[puhelinnumero]" in stored and "[henkilötunnus]" in stored


def test_a_retried_message_is_answered_once(bot):
    sender = f"retry-{uuid.uuid4().hex[:8]}"
    body = {"sender": sender, "message": "Mikä on perhekeskus?", "message_id": "m-1"}
    first, second = post(bot, body), post(bot, body)
    assert first.ok and second.ok and first.json() == second.json()
    assert "perhekeskus" in first.json()[0]["text"].lower()
    assert [event["message_id"] for event in user_events(bot, sender)] == ["m-1"]
    third = post(bot, dict(body, message="kiitos", message_id="m-2"))
    assert third.ok and third.json() != first.json()
    assert post(bot, dict(body, message_id="x" * 200)).status_code == 400


def test_no_silence_when_the_action_server_is_down(own_bot):
    bot = own_bot  # the action server is stopped: not the shared bot's
    sender = f"down-{uuid.uuid4().hex[:8]}"
    bot.stop("actions")
    try:
        replies = post(bot, {"sender": sender, "message": "keneen otan yhteyttä mikkelissä"}).json()
        text = " ".join(r.get("text", "") for r in replies)
        assert "hetken kuluttua" in text and "112" in text
    finally:
        bot.start_actions()
        bot.wait_ready(120)
    replies = post(bot, {"sender": sender, "message": "keneen otan yhteyttä mikkelissä"}).json()
    assert "Kokkonen" in " ".join(r.get("text", "") for r in replies)


def test_logs_hold_no_message_text(bot):
    marker = f"salaisuus{uuid.uuid4().hex[:10]}"
    assert post(bot, {"sender": "log-check", "message": f"mikä on {marker}"}).ok
    for log in Path(bot.log_dir).glob("*.log"):
        assert marker not in log.read_text(errors="replace"), log.name
