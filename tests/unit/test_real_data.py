"""Checks of the real data staff edit (knowledge/, data/, domain.yml), not of the code: these
fail when an edit to the real data breaks a promise, and are kept apart on purpose. Every
other unit test runs on tests/fixtures. No trained model is needed; the held-out and safety
checks that need the model are in tests/model/test_nlu.py."""

import time

import pytest
import yaml

import knowledge_base
from tests.support import ROOT, TESTS, run_make

FORMS = yaml.safe_load((TESTS / "data" / "municipality_forms.yml").read_text())


@pytest.fixture(scope="module")
def real_kb() -> knowledge_base.KnowledgeBase:
    return knowledge_base.load(ROOT / "knowledge")


def found(kb, text):
    return [(p.kind, p.name) for p in kb.find_places(text)]


def test_real_knowledge_base_is_valid(real_kb):
    kb = real_kb
    assert {r.id for r in kb.regions.values() if r.covered} == {
        "etela-savo",
        "pohjois-savo",
        "etela-pohjanmaa",
        "keski-suomi",
    }
    assert len(kb.regions["etela-savo"].municipalities) == 12
    # the one person the material names without a phone or an e-mail address
    assert [c.name for c in kb.contacts if not (c.phones or c.email)] == ["Minna Rytkönen"]
    assert kb.local_help == {"violence": "turvassa"} and kb.safety.categories
    assert all(c.source.endswith(".txt") and c.valid.start <= c.valid.until for c in kb.contacts)


def test_every_covered_municipality_has_test_forms(real_kb):
    covered = {m for r in real_kb.regions.values() if r.covered for m in r.municipalities}
    assert covered == set(FORMS), covered ^ set(FORMS)
    assert all(len(forms) >= 3 for forms in FORMS.values())


@pytest.mark.parametrize("name,form", [(n, f) for n, forms in FORMS.items() for f in forms])
def test_case_form_in_a_sentence(real_kb, name, form):
    assert found(real_kb, f"mä asun {form} ja tarviisin apua") == [("municipality", name)]


@pytest.mark.parametrize(
    "text,name",
    [
        ("asun Tampereella", "Tampere"),
        ("Helsingissä", "Helsinki"),
        ("oulussa", "Oulu"),
        ("pihtiputaalla", "Pihtipudas"),
    ],
)
def test_municipalities_of_the_whole_country_are_recognised(real_kb, text, name):
    assert found(real_kb, text) == [("municipality", name)]


def test_make_check_passes_on_the_real_data_within_seconds():
    started = time.perf_counter()
    result = run_make("check")
    seconds = time.perf_counter() - started
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Virheitä: 0" in result.stdout
    assert seconds < 60, f"make check took {seconds:.0f} s"
