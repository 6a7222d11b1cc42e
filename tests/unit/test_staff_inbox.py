"""`make inbox`: a conversation store filled by the tests through Rasa's own SQL tracker store
with fallback conversations containing personal data; the output groups them, most frequent
first, and shows none of the personal data. On the fixture project (tests/fixtures); the same
through the running bot is in tests/e2e/test_staff_inbox.py."""

from __future__ import annotations

import json
import stat
import subprocess
import time
from pathlib import Path
from typing import Optional

import pytest

from staff.inbox import (
    Unanswered,
    closest_topic,
    content_lemmas,
    group_messages,
    similarity,
    store_url,
)
from staff.masking import Masker, public_words
from tests.support import FIXTURE_KNOWLEDGE, copy_project, run_make
from tests.support.conversations import fill_store
from tests.support.conversations import parse_data as _parse

PERSONAL = [
    "040 123 4567",
    "+358 44 765 4321",
    "131052-308T",
    "liisa.virtanen@example.com",
    "Liisa",
    "Virtanen",
    "Kauppakatu",
    "5 B 12",
    "Jarkko",
    "Möttönen",
    "50100",
]


@pytest.fixture(scope="module")
def masker() -> Masker:
    return Masker(public_words(FIXTURE_KNOWLEDGE))


# -- masking -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "message,hidden,label",
    [
        ("soita mulle 040 123 4567", "040 123 4567", "[puhelinnumero]"),
        ("numero on +358 44 765 4321 illalla", "+358 44 765 4321", "[puhelinnumero]"),
        ("numero 0401234567", "0401234567", "[puhelinnumero]"),
        ("mun hetu on 131052-308T", "131052-308T", "[henkilötunnus]"),
        ("uusi hetu 010594Y9032", "010594Y9032", "[henkilötunnus]"),
        ("laita viestiä liisa.virtanen@example.com", "liisa.virtanen@example.com", "[sähköposti]"),
        ("asun Kauppakatu 5 B 12", "Kauppakatu 5 B 12", "[osoite]"),
        ("asumme Koulutiellä 3", "Koulutiellä 3", "[osoite]"),
        ("asun koivupolku 7 a", "koivupolku 7 a", "[osoite]"),
        ("osoite 50100 Mikkeli", "50100 Mikkeli", "[osoite]"),
        ("mun nimi on Liisa Virtanen", "Liisa Virtanen", "[nimi] [nimi]"),
        ("mun nimi on matti virtanen", "matti virtanen", "[nimi] [nimi]"),
        ("ex-mieheni Jarkko Möttönen uhkailee", "Jarkko Möttönen", "[nimi] [nimi]"),
        ("Hei olen Satu ja tarvitsen apua", "Satu", "[nimi]"),
    ],
)
def test_personal_data_is_masked(masker, message, hidden, label):
    masked = masker.mask(message)
    assert hidden not in masked and label in masked, masked


@pytest.mark.parametrize(
    "message",
    [
        "onko Mikkelissä erokahvilaa",
        "soita 112 tai 116 111",
        "vuosina 2019-2021 oli LAPE",
        "onko Toivo-ryhmää Savonlinnassa",
        "mitä Essote tekee",
        "keneen otan yhteyttä Juvalla",
        "Perheneuvo on kiva",
        "satu lapselle iltaisin",
        "mikä on palvelupolku",
        "lapset leikkii takapihalla",
    ],
)
def test_places_projects_and_ordinary_words_are_kept(masker, message):
    assert masker.mask(message) == message


# -- grouping and the closest topic --------------------------------------------------------------


def test_similar_messages_are_grouped_most_frequent_first():
    def item(text: str) -> Unanswered:
        return Unanswered(text, time.time(), "fallback", {})

    groups = group_messages(
        [
            item("onko erokahvilassa lastenhoitoa"),
            item("mikä sää huomenna"),
            item("Onko erokahvilassa lastenhoito?"),
            item("onko erokahvilassa lastenhoitoa"),
            item("millainen sää on huomenna"),
        ]
    )
    assert [len(g.messages) for g in groups] == [3, 2]
    assert groups[0].representative == "onko erokahvilassa lastenhoitoa"
    assert (
        similarity(
            content_lemmas("onko erokahvilassa lastenhoitoa"), content_lemmas("mikä sää huomenna")
        )
        == 0
    )


def test_the_closest_topic_skips_the_fallback_and_names_the_faq_topic():
    parse = {
        "intent": {"name": "nlu_fallback", "confidence": 0.7},
        "intent_ranking": [
            {"name": "nlu_fallback", "confidence": 0.7},
            {"name": "faq", "confidence": 0.6},
        ],
        "response_selector": {
            "faq": {"response": {"intent_response_key": "faq/erokahvila", "confidence": 0.42}}
        },
    }
    assert closest_topic(parse) == ("erokahvila", 0.42)
    assert closest_topic(
        {
            "intent": {"name": "out_of_scope", "confidence": 0.9},
            "intent_ranking": [{"name": "out_of_scope", "confidence": 0.9}],
        }
    ) == ("out_of_scope", 0.9)


# -- the whole command on a store written by Rasa's SQL tracker store -------------------------


CONVERSATIONS = {
    "perhe-1": [
        (
            "onko erokahvilassa lastenhoitoa, soita mulle 040 123 4567",
            _parse("", "nlu_fallback", 0.8),
            "action_ask_rephrase",
            1,
        )
    ],
    "perhe-2": [
        (
            "Onko erokahvilassa lastenhoitoa? +358 44 765 4321",
            _parse("", "nlu_fallback", 0.7),
            "action_ask_rephrase",
            2,
        ),
        ("Mikä on perhekeskus?", _parse("", "faq", 0.98, "perhekeskus", 0.97), "utter_faq", 2),
    ],
    "perhe-3": [
        (
            "Mun nimi on Liisa Virtanen, hetu 131052-308T, liisa.virtanen@example.com, "
            "asun Kauppakatu 5 B 12, 50100 Mikkeli",
            _parse("", "out_of_scope", 0.7),
            "utter_out_of_scope",
            5,
        ),
        (
            "ex-mieheni Jarkko Möttönen ei maksa elatusmaksuja",
            _parse("", "faq", 0.9, "eroauttaminen", 0.2),
            "utter_faq",
            5,
        ),
    ],
    "perhe-4": [
        (
            "onko erokahvilassa lastenhoito",
            _parse("", "faq", 0.4, "erokahvila", 0.9),
            "utter_faq",
            6,
        ),
        (
            "vanha kysymys joululahjoista",
            _parse("", "nlu_fallback", 0.9),
            "action_ask_rephrase",
            20,
        ),
        ("/faq", _parse("", "nlu_fallback", 0.9), "action_ask_rephrase", 1),
    ],
    # the console's draft-bot page asks the live bot too: staff's test, not a family's
    "konsoli-0123456789abcdef": [
        (
            "kokeilukysymys kuvitteellisesta aiheesta",
            _parse("", "nlu_fallback", 0.9),
            "action_ask_rephrase",
            1,
        ),
    ],
}


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("store") / "conversations.db"
    fill_store(db, CONVERSATIONS)
    return db


def make_inbox(
    project_root: Path, db: Path, url: str, token: str = "x", days: Optional[int] = None
) -> subprocess.CompletedProcess:
    variables = [
        f"PROJEKTI={project_root}",
        f"PERHENEUVO_TRACKER_DB={db}",
        f"PERHENEUVO_RASA_URL={url}",
        f"PERHENEUVO_API_TOKEN={token}",
    ]
    if days:
        variables.append(f"PAIVAT={days}")
    return run_make("inbox", *variables)


def test_make_inbox_groups_the_messages_and_shows_no_personal_data(store, tmp_path):
    project = copy_project(tmp_path / "project")
    before = store.read_bytes()
    result = make_inbox(project.root, store, "http://127.0.0.1:9")  # no bot: stored predictions
    output = result.stdout
    assert store.read_bytes() == before, "the store is only read"
    assert result.returncode == 0, output + result.stderr
    for secret in PERSONAL:
        assert secret not in output, f"{secret!r} shown:\n{output}"
    assert "[puhelinnumero]" in output and "[henkilötunnus]" in output and "[nimi]" in output
    assert "[sähköposti]" in output and "[osoite]" in output
    groups = [block for block in output.split("\n\n") if block[:1].isdigit()]
    assert len(groups) == 3, output
    first = groups[0]
    assert first.startswith("1. 3 kpl · lähin aihe: erokahvila"), output
    assert "lastenhoitoa" in first and "lastenhoito”" in first
    assert "botti ei ymmärtänyt" in first and "botti vastasi epävarmasti" in first
    assert (
        "botti piti aiheen ulkopuolisena" in output and "lähin aihe: eroauttaminen (20 %)" in output
    )
    assert "perhekeskus" not in output.lower().split("aiheeseen:")[0]
    assert "joululahjoista" not in output and "/faq" not in output
    assert "kokeilukysymys" not in output
    state = project.var_dir / "staff-inbox.json"
    assert stat.S_IMODE(state.stat().st_mode) == 0o600
    saved = state.read_text(encoding="utf-8")
    assert all(secret not in saved for secret in PERSONAL)
    assert json.loads(saved)["groups"][0]["topic"] == "erokahvila"


def test_the_number_of_days_is_respected(store, tmp_path):
    project = copy_project(tmp_path / "project")
    assert "joululahjoista" in make_inbox(project.root, store, "http://127.0.0.1:9", days=30).stdout
    short = make_inbox(project.root, store, "http://127.0.0.1:9", days=3).stdout
    assert "Liisa" not in short and "[henkilötunnus]" not in short and "1. 2 kpl" in short


def test_the_store_may_be_a_database_url_and_a_file_is_opened_read_only(store):
    assert (
        store_url("postgresql://perheneuvo@localhost:5433/perheneuvo")
        == "postgresql://perheneuvo@localhost:5433/perheneuvo"
    )
    assert store_url(str(store)).endswith(f"{store}?mode=ro&uri=true")


def test_a_missing_store_is_explained(tmp_path):
    result = make_inbox(
        copy_project(tmp_path / "project").root, tmp_path / "ei-ole.db", "http://127.0.0.1:9"
    )
    assert result.returncode != 0 and "Keskustelutietokantaa" in result.stdout
