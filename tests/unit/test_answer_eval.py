"""The answer-level checker (staff/answer_eval.py) on fixture replies; no server."""

from __future__ import annotations

import unicodedata

from staff import answer_eval as ae


def test_all_string_missing_fails():
    check = ae.check_turn(["Hanna Kokkonen, puh. 040 359 8519"], {"all": ["Kokkonen", "Saukkonen"]})
    assert not check.passed
    assert "Saukkonen" in check.problems[0]


def test_all_strings_present_passes():
    assert ae.check_turn(
        ["Kokkonen", "Saukkonen 044 351 6616"], {"all": ["kokkonen", "044 351 6616"]}
    ).passed


def test_any_needs_one():
    assert ae.check_turn(["Heli Isotalus"], {"any": ["Heikkinen", "Isotalus"]}).passed
    assert not ae.check_turn(["Satu Auvinen"], {"any": ["Heikkinen", "Isotalus"]}).passed


def test_none_string_present_fails():
    check = ae.check_turn(
        ["Oulu ei kuulu alueisiin. Hanna Kokkonen auttaa."], {"all": ["Oulu"], "none": ["Kokkonen"]}
    )
    assert not check.passed
    assert any("Kokkonen" in p for p in check.problems)


def test_first_checks_only_the_first_message():
    expect = {"first": ["112"], "all": ["080 005 005"]}
    assert ae.check_turn(["Soita 112.", "Nollalinja 080 005 005"], expect).passed
    late = ae.check_turn(["Nollalinja 080 005 005", "Soita 112."], expect)
    assert not late.passed
    assert "ensimmäisessä" in late.problems[0]


def test_case_whitespace_and_umlauts_are_normalised():
    decomposed = unicodedata.normalize("NFD", "HÄMÄLÄINEN  ja\n\tPÄÄKKÖNEN")
    assert ae.check_turn([decomposed], {"all": ["Hämäläinen ja Pääkkönen"]}).passed
    assert ae.check_turn(["Perheiden   TALO"], {"all": ["perheiden talo"]}).passed
    # a and ä are different letters: no folding of ä to a
    assert not ae.check_turn(["Hamalainen"], {"all": ["Hämäläinen"]}).passed


def test_numbers_ignore_inner_spaces_but_match_whole():
    assert ae.check_turn(["p. 014 2660992"], {"all": ["014 266 0992"]}).passed
    assert not ae.check_turn(["numero 1120"], {"all": ["112"]}).passed
    assert ae.check_turn(["soita 112."], {"all": ["112"]}).passed


def test_empty_reply_fails_even_without_expectations():
    assert not ae.check_turn([], {}).passed


def test_multi_turn_case_fails_if_any_turn_fails():
    case = {
        "id": "x",
        "category": "followup",
        "voice": "colloquial",
        "turns": [
            {"user": "onko mikkelissä kohtaamispaikkaa", "expect": {"all": ["Perhetalo"]}},
            {"user": "entä pieksämäellä?", "expect": {"all": ["Perheiden talo"]}},
        ],
    }
    good = ae.check_case(case, [["Perhetalo"], ["Perheiden talo"]])
    bad = ae.check_case(case, [["Perhetalo"], ["En tiedä."]])
    short = ae.check_case(case, [["Perhetalo"]])
    assert good.passed
    assert not bad.passed and bad.turns[0].passed and not bad.turns[1].passed
    assert not short.passed


def test_topic_is_read_from_the_answer_text():
    finder = ae.topic_finder(
        {
            "erokahvila": "Erokahvila on vertaistuellista toimintaa.",
            "lape": "LAPE oli muutosohjelma.",
        }
    )
    check = ae.check_turn(
        ["Erokahvila on  vertaistuellista toimintaa."], {"topic": "erokahvila"}, finder
    )
    assert check.topic_got == "erokahvila"
    summary = ae.Summary([ae.CaseResult({"id": "a", "category": "faq", "voice": "terse"}, [check])])
    assert summary.topic_correct == 1 and summary.accuracy == 1.0


def test_the_case_files_load():
    cases = ae.load_cases()
    assert len(cases) >= 300
    assert sum(len(c["turns"]) > 1 for c in cases) >= 100
