"""The municipality recogniser on the fixture knowledge base: spellings users type, places
outside the regions, regions, and words that are not places. Every municipality of the real
four regions in many case forms: tests/unit/test_real_data.py."""

import pytest


def found(kb, text):
    return [(p.kind, p.name) for p in kb.find_places(text)]


@pytest.mark.parametrize(
    "text,name",
    [
        ("Keneen otan yhteyttä Mikkelissä?", "Mikkeli"),
        ("asutaan Kangasniemellä", "Kangasniemi"),
        ("muutimme pieksämäeltä", "Pieksämäki"),
        ("menossa Seinäjoelle", "Seinäjoki"),
        ("Varkaudessa asuva", "Varkaus"),
        ("oon kotoisin savonlinnast", "Savonlinna"),
        ("mitä juval on perheille", "Juva"),
        ("jyvaskylassa", "Jyväskylä"),
        ("äänekoskella", "Äänekoski"),
        ("mikkelisä", "Mikkeli"),  # one letter missing
        ("kangasneimellä", "Kangasniemi"),  # letters swapped
    ],
)
def test_spellings_users_type(kb, text, name):
    assert found(kb, text) == [("municipality", name)]


@pytest.mark.parametrize(
    "text,name",
    [
        ("asun Tampereella", "Tampere"),
        ("tampereelta", "Tampere"),
        ("oulussa", "Oulu"),
    ],
)
def test_municipalities_outside_the_regions_are_recognised(kb, text, name):
    assert found(kb, text) == [("municipality", name)]
    assert not kb.region_of(name).covered


@pytest.mark.parametrize(
    "text,region",
    [
        ("etelä savossa", "Etelä-Savo"),
        ("Keski-Suomen muutosagentti", "Keski-Suomi"),
        ("pohjois-savossa", "Pohjois-Savo"),
        ("etelä-pohjanmaalla", "Etelä-Pohjanmaa"),
    ],
)
def test_regions(kb, text, region):
    assert ("region", region) in found(kb, text)


@pytest.mark.parametrize(
    "text",
    [
        "mikä on perhekeskus",
        "onko lapset turvassa",
        "mistä saan apua eroon",
        "kuka on muutosagentti",
        "tarviisin tietoa eroseminaarista",
    ],
)
def test_ordinary_words_are_not_places(kb, text):
    assert found(kb, text) == []
