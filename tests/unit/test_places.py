"""The municipality recogniser: every municipality of the four regions in many case forms."""
from pathlib import Path

import pytest
import yaml

FORMS = yaml.safe_load((Path(__file__).parent / "data" / "municipality_forms.yml").read_text())


def found(kb, text):
    return [(p.kind, p.name) for p in kb.find_places(text)]


def test_every_covered_municipality_has_test_forms(kb):
    covered = {m for r in kb.regions.values() if r.covered for m in r.municipalities}
    assert covered == set(FORMS), covered ^ set(FORMS)
    assert all(len(forms) >= 3 for forms in FORMS.values())


@pytest.mark.parametrize("name,form", [(n, f) for n, forms in FORMS.items() for f in forms])
def test_case_form_in_a_sentence(kb, name, form):
    assert found(kb, f"mä asun {form} ja tarviisin apua") == [("municipality", name)]


@pytest.mark.parametrize("text,name", [
    ("Keneen otan yhteyttä Mikkelissä?", "Mikkeli"),
    ("asutaan Kangasniemellä", "Kangasniemi"),
    ("muutimme pieksämäeltä", "Pieksämäki"),
    ("menossa Seinäjoelle", "Seinäjoki"),
    ("Varkaudessa asuva", "Varkaus"),
    ("oon kotoisin savonlinnast", "Savonlinna"),
    ("mitä juval on perheille", "Juva"),
    ("jyvaskylassa", "Jyväskylä"),
    ("pihtiputaalla", "Pihtipudas"),
    ("mikkelisä", "Mikkeli"),          # one letter missing
    ("kangasneimellä", "Kangasniemi"),  # letters swapped
])
def test_spellings_users_type(kb, text, name):
    assert found(kb, text) == [("municipality", name)]


@pytest.mark.parametrize("text,name", [
    ("asun Tampereella", "Tampere"), ("Helsingissä", "Helsinki"), ("oulussa", "Oulu"),
])
def test_municipalities_outside_the_regions_are_recognised(kb, text, name):
    assert found(kb, text) == [("municipality", name)]
    assert not kb.region_of(name).covered


@pytest.mark.parametrize("text,region", [
    ("etelä savossa", "Etelä-Savo"), ("Keski-Suomen muutosagentti", "Keski-Suomi"),
    ("pohjois-savossa", "Pohjois-Savo"), ("etelä-pohjanmaalla", "Etelä-Pohjanmaa"),
])
def test_regions(kb, text, region):
    assert ("region", region) in found(kb, text)


@pytest.mark.parametrize("text", [
    "mikä on perhekeskus", "onko lapset turvassa", "mistä saan apua eroon",
    "kuka on muutosagentti", "tarviisin tietoa eroseminaarista",
])
def test_ordinary_words_are_not_places(kb, text):
    assert found(kb, text) == []
