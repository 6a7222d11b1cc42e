"""Masking of personal data in users' messages (bot/privacy.yml)."""

import pytest

from bot.privacy import mask_personal_data, mask_values


@pytest.mark.parametrize(
    "text, expected",
    [
        ("soita 040 123 4567", "soita [puhelinnumero]"),
        ("numero 0401234567.", "numero [puhelinnumero]."),
        ("+358 40 123 4567 tai 00358401234567", "[puhelinnumero] tai [puhelinnumero]"),
        ("(09) 123 4567 / 09-123 4567", "[puhelinnumero] / [puhelinnumero]"),
        ("hetu 010190-123A ja 311299A9876", "hetu [henkilötunnus] ja [henkilötunnus]"),
        ("maili: matti.m+apu@esimerkki.fi", "maili: [sähköposti]"),
        ("posti pekka(at)esimerkki.fi", "posti [sähköposti]"),
    ],
)
def test_personal_data_is_masked(text, expected):
    assert mask_personal_data(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "hanke toimi vuosina 2019-2021",
        "soita 112 tai lasten puhelin 116 111",
        "postinumero 00100 ja kello 14.30",
        "lapset 3 ja 5 vuotta",
    ],
)
def test_other_numbers_are_kept(text):
    assert mask_personal_data(text) == text


def test_service_numbers_in_phone_form_are_masked_too():
    # over-masking a helpline number a user quotes costs nothing; missing a personal one would
    assert mask_personal_data("Nollalinja 080 005 005") == "Nollalinja [puhelinnumero]"


def test_nested_values_are_masked():
    value = {"text": "040 123 4567", "entities": [{"value": "a@b.fi"}], "n": 3}
    assert mask_values(value) == {
        "text": "[puhelinnumero]",
        "entities": [{"value": "[sähköposti]"}],
        "n": 3,
    }
