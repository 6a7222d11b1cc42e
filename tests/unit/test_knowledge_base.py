"""The knowledge base loads; a broken copy is refused with structured problems (file, line,
field, code, Finnish message); the live knowledge of a running process follows the files,
all or nothing. On the fixture knowledge base (tests/fixtures/knowledge); the real one is
checked in tests/unit/test_real_data.py."""

import os
import shutil
from pathlib import Path

import pytest
import yaml

import knowledge_base
from knowledge_base.live import LiveKnowledge
from tests.support import FIXTURE_KNOWLEDGE

SOURCE = FIXTURE_KNOWLEDGE


def test_knowledge_base_loads_with_its_cross_references(kb):
    assert {r.id for r in kb.regions.values() if r.covered} == {
        "etela-savo",
        "pohjois-savo",
        "etela-pohjanmaa",
        "keski-suomi",
    }
    assert kb.regions["etela-savo"].municipalities == (
        "Juva",
        "Kangasniemi",
        "Mikkeli",
        "Pieksämäki",
        "Savonlinna",
        "Sulkava",
    )
    assert kb.region_of("Tampere").id == "pirkanmaa" and not kb.region_of("Tampere").covered
    assert [c.name for c in kb.primary_contacts("etela-savo")] == [
        "Hanna Kokkonen",
        "Katja Saukkonen",
    ]
    assert kb.primary_contacts("pohjois-savo") == []
    assert [c.name for c in kb.project_contacts("turvassa")] == ["Emmi Heikkinen", "Heli Isotalus"]
    assert [p.name for p in kb.places_in("Kangasniemi")] == ["Perheneuvo", "Perhetupa"]
    assert [c.name for c in kb.contacts if not (c.phones or c.email)] == ["Minna Rytkönen"]
    assert all(c.source.endswith(".txt") and c.valid.start <= c.valid.until for c in kb.contacts)
    assert kb.local_help == {"violence": "turvassa"} and kb.safety.categories


@pytest.fixture
def copy(tmp_path):
    target = tmp_path / "knowledge"
    shutil.copytree(SOURCE, target)
    return target


def edit(directory, name, change):
    path = directory / name
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return directory


def problems(directory):
    with pytest.raises(knowledge_base.KnowledgeBaseError) as error:
        knowledge_base.load(directory)
    assert all(p.level == knowledge_base.ERROR and p.message for p in error.value.problems)
    return {(p.code, p.file, p.field) for p in error.value.problems}, error.value.problems


def test_contact_without_a_name(copy):
    def change(data):
        del data["contacts"][0]["name"]

    found, listed = problems(edit(copy, "contacts.yml", change))
    assert found == {("schema", "contacts.yml", "contacts/0")} and "name" in listed[0].message


def test_malformed_phone_number_names_file_line_and_field(copy):
    def change(data):
        data["contacts"][1]["phone"] = ["040 35x 8519"]

    found, listed = problems(edit(copy, "contacts.yml", change))
    assert found == {("bad_phone", "contacts.yml", "contacts/1/phone/0")}
    lines = (copy / "contacts.yml").read_text(encoding="utf-8").splitlines()
    assert "040 35x 8519" in lines[listed[0].line - 1]
    assert "puhelinnumero" in listed[0].message


def test_service_numbers_are_phone_numbers():
    from knowledge_base.rules import is_phone

    assert is_phone("116 111") and is_phone("112") and is_phone("09 2525 0111")
    assert not is_phone("040 35x 8519") and not is_phone("12")


def test_missing_source_and_period(copy):
    def change(data):
        del data["places"][0]["source"], data["places"][0]["valid"]

    found, _ = problems(edit(copy, "places.yml", change))
    assert {
        ("no_source", "places.yml", "places/0"),
        ("no_period", "places.yml", "places/0"),
    } <= found


def test_unknown_region_and_project(copy):
    def change(data):
        data["contacts"][2]["region"] = "lappi-x"
        data["contacts"][2]["project"] = "no-such-project"

    found, _ = problems(edit(copy, "contacts.yml", change))
    assert found == {
        ("unknown_region", "contacts.yml", "contacts/2/region"),
        ("unknown_project", "contacts.yml", "contacts/2/project"),
    }


def test_municipality_in_two_regions(copy):
    def change(data):
        data["regions"][1]["municipalities"].append({"name": "Mikkeli", "in": "Mikkelissä"})

    found, _ = problems(edit(copy, "municipalities.yml", change))
    assert [f for f in found if f[0] == "municipality_in_two_regions"]


def test_place_in_unknown_municipality(copy):
    def change(data):
        data["places"][0]["municipality"] = "Atlantis"

    found, listed = problems(edit(copy, "places.yml", change))
    assert found == {("unknown_municipality", "places.yml", "places/0/municipality")}
    assert "Atlantis" in listed[0].message


def test_broken_safety_pattern_and_local_help(copy):
    def change(data):
        data["categories"]["suicide"][0]["any"].append("itsemurh(")
        data["local_help"]["violence"] = "no-such-project"

    found, _ = problems(edit(copy, "safety.yml", change))
    assert {code for code, _file, _field in found} == {"bad_pattern", "unknown_local_help"}


# -- live knowledge ---------------------------------------------------------------------------


def kokkonen(knowledge):
    return next(c for c in knowledge.current().contacts if c.id == "hanna-kokkonen")


def replace_text(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_a_changed_file_is_taken_into_use_at_the_next_look(copy):
    live = LiveKnowledge(copy)
    before = live.version
    assert kokkonen(live).phones == ("040 359 8519",)
    replace_text(copy / "contacts.yml", "040 359 8519", "040 111 2233")
    assert kokkonen(live).phones == ("040 111 2233",)
    assert live.version != before and live.status()["knowledge_rejected_version"] is None


def test_a_broken_change_leaves_the_last_good_version_in_force(copy, caplog):
    live = LiveKnowledge(copy)
    good = live.version
    replace_text(copy / "contacts.yml", "040 359 8519", "040 35x 8519")
    assert kokkonen(live).phones == ("040 359 8519",) and live.version == good
    assert live.rejected and [p.code for p in live.problems] == ["bad_phone"]
    assert "bad_phone" not in caplog.text and "contacts.yml" in caplog.text  # logged in Finnish
    replace_text(copy / "contacts.yml", "040 35x 8519", "040 111 2233")
    assert kokkonen(live).phones == ("040 111 2233",) and live.rejected is None


def test_a_half_written_change_across_files_is_not_taken(copy):
    live = LiveKnowledge(copy)
    # a contact that refers to a project which the next write adds: invalid on its own
    replace_text(copy / "contacts.yml", "project: turvassa", "project: uusi-hanke")
    assert live.current().project_contacts("turvassa") and live.rejected
    projects = copy / "projects.yml"
    text = projects.read_text(encoding="utf-8").replace("id: turvassa", "id: uusi-hanke")
    projects.write_text(text, encoding="utf-8")
    replace_text(copy / "safety.yml", "violence: turvassa", "violence: uusi-hanke")
    assert live.current().project_contacts("uusi-hanke") and live.rejected is None


def test_a_missing_file_keeps_the_knowledge(copy):
    live = LiveKnowledge(copy)
    os.remove(copy / "places.yml")
    assert live.current().places and [p.code for p in live.problems] == ["missing_file"]


def test_a_broken_knowledge_base_stops_a_process_at_start(copy):
    replace_text(copy / "contacts.yml", "040 359 8519", "040 35x 8519")
    with pytest.raises(knowledge_base.KnowledgeBaseError):
        LiveKnowledge(copy)


def test_the_nlu_components_follow_the_files(copy):
    """The Rasa server's entity extractor and safety guard read the knowledge in force."""
    from rasa.shared.nlu.training_data.message import Message

    from components.guards import SafetyGuard
    from components.knowledge_entities import KnowledgeBaseEntityExtractor

    extractor = KnowledgeBaseEntityExtractor({"knowledge_dir": str(copy)})
    guard = SafetyGuard({**SafetyGuard.get_default_config(), "knowledge_dir": str(copy)})

    def people(text):
        return [e["value"] for e in extractor.entities_in(text) if e["entity"] == "person"]

    def guarded(text):
        message = Message(data={"text": text, "intent": {"name": "faq", "confidence": 0.9}})
        guard.process([message])
        return message.get("intent")["name"]

    assert (
        people("Hanna Kokkosen numero") == ["hanna-kokkonen"]
        and people("Hanna Virtasen numero") == []
    )
    assert guarded("mua pelottaa vesipeto") == "faq"
    replace_text(copy / "contacts.yml", "name: Hanna Kokkonen", "name: Hanna Virtanen")
    text = (copy / "safety.yml").read_text(encoding="utf-8")
    (copy / "safety.yml").write_text(
        text.replace(
            "categories:\n  suicide:\n  - any:\n",
            "categories:\n  suicide:\n  - any:\n    - 'vesipeto'\n",
        ),
        encoding="utf-8",
    )
    assert people("Hanna Virtasen numero") == ["hanna-kokkonen"]
    assert guarded("mua pelottaa vesipeto") == "crisis_suicide"


def test_often_meant_must_name_a_covered_region(copy):
    def change(data):
        uncovered = next(r for r in data["regions"] if r["id"] == "pohjanmaa")
        uncovered["often_meant"] = "pohjois-pohjanmaa"  # not one of the four regions

    found, _ = problems(edit(copy, "municipalities.yml", change))
    index = next(
        i
        for i, r in enumerate(yaml.safe_load((copy / "municipalities.yml").read_text())["regions"])
        if r["id"] == "pohjanmaa"
    )
    assert found == {("unknown_region", "municipalities.yml", f"regions/{index}/often_meant")}


def test_a_misspelt_project_name_is_found_but_ordinary_words_are_not(kb):
    assert [p.id for p in kb.find_projects("turvasa hankeen yhteyshenkilot")] == ["turvassa"]
    assert kb.find_projects("turvallisuus on meille tärkeää") == []
    assert kb.find_projects("mikä on erokahvila") == []


def test_a_name_that_is_also_a_word_is_a_place_after_asun():
    from knowledge_base.names import PlaceName, PlaceRecognizer

    places = PlaceRecognizer([PlaceName("Lahti", "Lahdessa", ambiguous=True)], [])
    assert [p.name for p in places.find("minä asun lahdessa. kuka auttaa?")] == ["Lahti"]
    assert places.find("uimassa lahdessa mökin rannalla") == ()
