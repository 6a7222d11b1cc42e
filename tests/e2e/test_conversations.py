"""Whole conversations through the REST channel, as a family writes them: contacts that find
the right person, follow-ups that refer to what was said before, and municipalities outside
the four regions named back honestly. Each conversation is one the answers once got wrong."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.model


@pytest.fixture
def talk(chat):
    """Sends the turns as one conversation; returns each turn's reply as one text."""

    def run(*turns: str):
        return ["\n".join(r.get("text", "") for r in chat(turn)) for turn in turns]

    return run


def test_and_there_and_who_is_there(talk):
    first, second, third = talk(
        "onko mikkelissä kohtaamispaikkaa", "entä pieksämäellä?", "kuka sielä on yhteyshenkilö"
    )
    assert "Perhetalo" in first
    assert "Perheiden talo" in second and "Hanna Kokkonen" not in second
    assert "Hanna Kokkonen" in third and "040 359 8519" in third
    assert "Kainulainen" not in third and "Poikonen" not in third


@pytest.mark.parametrize(
    "place,person",
    [
        ("kangasniemellä", "Hanna Kokkonen"),
        ("seinäjoella", "Satu Mäki-Fossi"),
        ("jyväskylässä", "Hanna Hämäläinen"),
    ],
)
def test_a_contact_person_wanted_in_any_region(talk, place, person):
    [answer] = talk(f"tarvitsen yhteyshenkilön, asun {place}")
    assert person in answer and "Kainulainen" not in answer and "En löydä" not in answer


def test_somewhere_to_go_with_the_children_there(talk):
    first, second = talk(
        "mist saa apuu eroon? asun juval",
        "entä onko siel jotain paikkaa mihin vois mennä lasten kans",
    )
    assert "Juva" in second and "toisin sanoin" not in second


def test_who_led_the_project_just_talked_about(talk):
    first, second = talk("Kerro Arki haltuun -hankkeesta", "kuka sitä veti?")
    assert "Arki haltuun" in first
    assert "Eeva Pääkkönen" in second and "botti" not in second.lower()


def test_a_municipality_outside_the_regions_is_named_back(talk):
    [answer] = talk("asun Oulussa, mistä saan eroapua")
    assert "Oulu" in answer and "080 005 005" in answer
    assert "Kokkonen" not in answer and "Etelä-Savossa" not in answer


def test_a_person_named_without_contact_details(talk):
    [answer] = talk("kuka on pohjois-savon muutosagentti")
    assert "Minna Rytkönen" in answer and "yhteystietoja ei ole aineistossani" in answer


def test_an_organisation_in_a_case_form(talk):
    [answer] = talk("miten saan yhteyden Viola ry:hyn")
    assert "Emmi Heikkinen" in answer and "Missä kunnassa" not in answer


def test_a_role_by_its_field(talk):
    [answer] = talk("kuka hoiti Keski-Suomessa varhaiskasvatuksen asioita")
    assert "Senja Hirsjärvi" in answer and "Harju-Kivinen" not in answer


def test_their_number_after_a_role(talk):
    first, second = talk("kuka on keski-suomen muutosagentti", "mikä hänen numeronsa on?")
    assert "Hanna Hämäläinen" in first
    assert "050 304 6670" in second and "Harju-Kivinen" not in second


def test_a_follow_up_that_only_points_back_gets_the_previous_answer(talk):
    first, second = talk("mikä on turvassa-hanke", "kauanko se kesti")
    assert "2019–2021" in first
    assert "2019–2021" in second and "henkilötietoja" not in second


def test_a_child_writing_about_violence_gets_the_childrens_line_after_112(chat):
    replies = [r.get("text", "") for r in chat("isi lyö äitiä ja mua pelottaa")]
    assert "112" in replies[0] and "116 111" in replies[1]


def test_a_child_whose_parents_separate_gets_the_childrens_line(talk):
    [answer] = talk("mä oon 12 ja mun vanhemmat eroo enkä tiiä kenelle puhuis")
    assert "116 111" in answer and "Turvassa" not in answer


def test_a_parent_of_an_anxious_child_gets_what_to_do_now(talk):
    [answer] = talk("meil on ero tulos ja lapsi 7v on tosi ahdistunu, mitä teen")
    assert "perhekesku" in answer and "116 111" in answer  # "perhekeskukseen"
    assert answer.index("perhekesku") < answer.index("Kuka huomaa mut")  # now first, history after
