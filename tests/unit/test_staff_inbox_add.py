"""`make inbox-add`: the example lands under the right topic, the file still validates and
keeps its comments; anything refused or failing leaves every file as it was."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Dict

import pytest
import yaml

from staff import inbox_add, safe_write
from staff.checks import check_training
from staff.inbox_add import AddError, add_example
from staff.project import Project
from tests.support import copy_project, replace_in, run_make

MESSAGE = "onko erokahvilassa lastenhoitoa"


@pytest.fixture
def project(tmp_path) -> Project:
    return copy_project(tmp_path / "project")


def snapshot(project: Project) -> Dict[str, bytes]:
    return {
        str(p.relative_to(project.root)): p.read_bytes()
        for p in project.root.rglob("*")
        if p.is_file() and "var" not in p.parts
    }


def examples_of(path: Path, intent: str) -> list:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    block = next(item for item in data["nlu"] if item.get("intent") == intent)
    return [line.strip()[2:] for line in block["examples"].splitlines() if line.strip()]


def make_inbox_add(project: Project, *variables: str) -> subprocess.CompletedProcess:
    return run_make("inbox-add", f"PROJEKTI={project.root}", *variables)


def test_round_trip_the_example_lands_under_the_topic_and_comments_stay(project):
    path = project.data_dir / "faq" / "erokahvila.yml"
    replace_in(
        path, "    - erokahvila\n", "    - erokahvila\n    # staff comment inside the block\n"
    )
    replace_in(path, "responses:\n", "# staff comment before the answer\nresponses:\n")
    before = path.read_text(encoding="utf-8")
    others = {k: v for k, v in snapshot(project).items() if k != "data/faq/erokahvila.yml"}

    result = make_inbox_add(project, f"VIESTI={MESSAGE}  ", "AIHE=erokahvila")

    assert result.returncode == 0, result.stdout + result.stderr
    after = path.read_text(encoding="utf-8")
    assert examples_of(path, "faq/erokahvila")[-1] == MESSAGE
    added = [line for line in after.splitlines() if line not in before.splitlines()]
    assert added == [f"    - {MESSAGE}"], "exactly one new line, indented like the others"
    assert after.replace(f"    - {MESSAGE}\n", "", 1) == before, "nothing else changed"
    assert (
        "# staff comment inside the block" in after and "# staff comment before the answer" in after
    )
    assert "data/faq/erokahvila.yml:" in result.stdout and "Lisätty" in result.stdout
    assert {k: v for k, v in snapshot(project).items() if k != "data/faq/erokahvila.yml"} == others
    assert not [
        f
        for f in check_training(project)
        if f.level == "error" and f.file == "data/faq/erokahvila.yml"
    ]


def test_a_plain_intent_such_as_out_of_scope_can_be_chosen(project):
    added = add_example(project, "mikä on huomisen sää lapissa", "out_of_scope")
    assert added.file == "data/nlu/out_of_scope.yml"
    assert (
        examples_of(project.data_dir / "nlu" / "out_of_scope.yml", "out_of_scope")[-1]
        == "mikä on huomisen sää lapissa"
    )


def test_a_group_from_the_last_inbox_can_be_added_by_number(project):
    project.var_dir.mkdir()
    (project.var_dir / "staff-inbox.json").write_text(
        json.dumps(
            {
                "made": 0,
                "groups": [
                    {
                        "number": 1,
                        "text": "voiko erokahvilaan tuoda vauvan",
                        "topic": "erokahvila",
                        "count": 3,
                    },
                    {"number": 2, "text": "soita [puhelinnumero]", "topic": "ihminen", "count": 1},
                ],
            }
        )
    )
    assert make_inbox_add(project, "RYHMA=1", "AIHE=erokahvila").returncode == 0
    assert (
        examples_of(project.data_dir / "faq" / "erokahvila.yml", "faq/erokahvila")[-1]
        == "voiko erokahvilaan tuoda vauvan"
    )
    before = snapshot(project)
    refused = make_inbox_add(project, "RYHMA=2", "AIHE=ihminen")
    assert refused.returncode != 0 and "henkilötietoja" in refused.stdout
    assert snapshot(project) == before


@pytest.mark.parametrize(
    "message,topic,reason",
    [
        ("soita mulle 040 123 4567", "erokahvila", "henkilötietoja"),
        ("mun nimi on Liisa Virtanen", "erokahvila", "henkilötietoja"),
        ("soita [puhelinnumero]", "erokahvila", "henkilötietoja"),
        ("mikä on erokahvila", "erokahvila", "jo esimerkkinä aiheessa erokahvila"),
        ("Mikä on perhekeskus!", "erokahvila", "jo esimerkkinä aiheessa perhekeskus"),
        ("mikä on se erokahvila", "erokahvila", "arviointikysymyksissä"),
        ("milloin on erokahvila", "erokahvla", "Tarkoititko: erokahvila"),
        ("   ", "erokahvila", "tyhjä"),
        ("[Mikkeli](municipality) erokahvila", "erokahvila", "hakasulkeita"),
    ],
)
def test_refused_messages_leave_every_file_as_it_was(project, message, topic, reason):
    before = snapshot(project)
    with pytest.raises(AddError) as refused:
        add_example(project, message, topic)
    assert reason in str(refused.value)
    assert snapshot(project) == before


def test_a_change_that_would_break_the_data_is_not_written(project, monkeypatch):
    # the edit is made to bring a new error along with the example (an answer without a topic):
    # the staged check must catch it before the real file is touched
    real = inbox_add.with_example
    monkeypatch.setattr(
        inbox_add,
        "with_example",
        lambda source, block, text: real(source, block, text).replace(
            "responses:", "responses:\n  utter_faq/ei_aihetta:\n  - text: x\n", 1
        ),
    )
    before = snapshot(project)
    with pytest.raises(AddError) as refused:
        add_example(project, "voiko erokahvilaan tuoda vauvan", "erokahvila")
    assert "rikkoisi aineiston" in str(refused.value) and "ei_aihetta" in str(refused.value)
    assert snapshot(project) == before


def test_a_failure_while_writing_leaves_the_file_untouched(project, monkeypatch):
    path = project.data_dir / "faq" / "erokahvila.yml"
    before = snapshot(project)

    def fail(*_args):
        raise OSError("disk full")

    monkeypatch.setattr(safe_write.os, "replace", fail)
    with pytest.raises(OSError):
        add_example(project, "voiko erokahvilaan tuoda vauvan", "erokahvila")
    assert snapshot(project) == before
    assert [p.name for p in path.parent.iterdir() if p.name.endswith(".tmp")] == []
