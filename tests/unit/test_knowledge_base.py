"""The knowledge base loads, and a broken copy is refused with a message naming the problem.
On the fixture knowledge base (tests/fixtures/knowledge); the real one is checked in
tests/unit/test_real_data.py."""
import pytest
import yaml

from actions import knowledge_base
from tests.support import copy_project


def test_knowledge_base_loads_with_its_cross_references(kb):
    assert {r.id for r in kb.regions.values() if r.covered} == {
        "etela-savo", "pohjois-savo", "etela-pohjanmaa", "keski-suomi"}
    assert kb.regions["etela-savo"].municipalities == (
        "Juva", "Kangasniemi", "Mikkeli", "Pieksämäki", "Savonlinna", "Sulkava")
    assert kb.region_of("Tampere").id == "pirkanmaa" and not kb.region_of("Tampere").covered
    assert [c.name for c in kb.primary_contacts("etela-savo")] == ["Hanna Kokkonen", "Katja Saukkonen"]
    assert kb.primary_contacts("pohjois-savo") == []
    assert [c.name for c in kb.project_contacts("turvassa")] == ["Emmi Heikkinen", "Heli Isotalus"]
    assert [p.name for p in kb.places_in("Kangasniemi")] == ["Perheneuvo", "Perhetupa"]
    assert all(c.phones or c.email for c in kb.contacts)
    assert all(c.source.endswith(".txt") and c.valid.start <= c.valid.until for c in kb.contacts)


@pytest.fixture
def broken_copy(tmp_path):
    target = copy_project(tmp_path / "project").knowledge_dir

    def edit(name, change):
        path = target / name
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        change(data)
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        return target

    return edit


def _problems(directory):
    with pytest.raises(knowledge_base.KnowledgeBaseError) as error:
        knowledge_base.load(directory)
    return str(error.value)


def test_contact_without_phone_or_email(broken_copy):
    def change(data):
        del data["contacts"][0]["phone"], data["contacts"][0]["email"]
    assert "contacts.yml: contacts/0" in _problems(broken_copy("contacts.yml", change))


def test_malformed_phone_number(broken_copy):
    def change(data):
        data["contacts"][1]["phone"] = ["040 35x 8519"]
    assert "contacts.yml: contacts/1/phone/0" in _problems(broken_copy("contacts.yml", change))


def test_missing_source_and_period(broken_copy):
    def change(data):
        del data["places"][0]["source"], data["places"][0]["valid"]
    message = _problems(broken_copy("places.yml", change))
    assert "'source' is a required property" in message and "'valid'" in message


def test_unknown_region_and_project(broken_copy):
    def change(data):
        data["contacts"][2]["region"] = "lappi-x"
        data["contacts"][2]["project"] = "no-such-project"
    message = _problems(broken_copy("contacts.yml", change))
    assert "unknown region lappi-x" in message and "unknown project no-such-project" in message


def test_municipality_in_two_regions(broken_copy):
    def change(data):
        data["regions"][1]["municipalities"].append({"name": "Mikkeli", "in": "Mikkelissä"})
    assert "Mikkeli is listed in two regions" in _problems(broken_copy("municipalities.yml", change))


def test_place_in_unknown_municipality(broken_copy):
    def change(data):
        data["places"][0]["municipality"] = "Atlantis"
    assert "unknown municipality Atlantis" in _problems(broken_copy("places.yml", change))
