"""A staff change of the knowledge base reaches families while the bot runs: a phone number
changed in knowledge/contacts.yml is given over the REST channel after `make reload`, the old
one never again, and a broken file leaves the last good knowledge in force. The bot here runs
on a copy of the project's knowledge/ and model, so the real files are never touched."""

from __future__ import annotations

import shutil
import subprocess
import uuid

import pytest
import requests

from bot.launcher import Stack
from bot.probes import free_port
from bot.settings import Settings
from staff.project import ROOT

pytestmark = pytest.mark.model

OLD = "040 359 8519"  # Hanna Kokkonen, Etelä-Savo's family centre coordinator
NEW = "040 777 1234"
QUESTIONS = ("kuka on etelä-savon perhekeskuskoordinaattori", "keneen otan yhteyttä mikkelissä")


@pytest.fixture(scope="module")
def running(tmp_path_factory):
    """The servers as `make run` starts them, reading a copy of knowledge/."""
    project = tmp_path_factory.mktemp("project")
    shutil.copytree(ROOT / "knowledge", project / "knowledge")
    settings = Settings(
        rasa_port=free_port(),
        actions_port=free_port(),
        model=ROOT / "models" / "perheneuvo.tar.gz",
        tracker_db=project / "conversations.db",
        api_token=uuid.uuid4().hex,
        knowledge_dir=project / "knowledge",
    )
    stack = Stack(settings, project / "logs")
    try:
        stack.start(timeout=240, web=False, telegram=False)
        yield project, stack
    finally:
        stack.stop()


def ask(stack: Stack, text: str, sender: str = "") -> str:
    """The bot's reply texts; a new conversation unless `sender` is given."""
    reply = requests.post(
        f"{stack.rasa_url}/webhooks/rest/webhook",
        timeout=60,
        json={"sender": sender or f"live-{uuid.uuid4().hex[:8]}", "message": text},
    )
    assert reply.status_code == 200, reply.text
    return "\n".join(r.get("text", "") for r in reply.json())


def make_reload(project, stack: Stack) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            "make",
            "--no-print-directory",
            "reload",
            f"PERHENEUVO_KNOWLEDGE_DIR={project / 'knowledge'}",
            f"PERHENEUVO_RASA_URL={stack.rasa_url}",
            f"PERHENEUVO_API_TOKEN={stack.settings.api_token}",
            f"PERHENEUVO_ACTIONS_URL={stack.actions_url}/webhook",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )


def served_versions(stack: Stack):
    return (
        requests.get(f"{stack.rasa_url}/webhooks/rest/knowledge", timeout=10).json(),
        requests.get(f"{stack.actions_url}/knowledge", timeout=10).json(),
    )


def test_a_changed_phone_number_reaches_families_and_a_broken_file_does_not(running):
    project, stack = running
    contacts = project / "knowledge" / "contacts.yml"
    for question in QUESTIONS:
        assert OLD in ask(stack, question)
    conversation = f"live-{uuid.uuid4().hex[:8]}"
    # a conversation in progress across the change
    assert "Missä kunnassa asut" in ask(stack, "keneen voisin ottaa yhteyttä", conversation)

    source = contacts.read_text(encoding="utf-8")
    contacts.write_text(source.replace(OLD, NEW), encoding="utf-8")  # as staff edit the file
    result = make_reload(project, stack)
    assert result.returncode == 0, result.stdout + result.stderr
    rasa, actions = served_versions(stack)
    assert rasa["knowledge_version"] == actions["knowledge_version"]
    assert rasa["knowledge_version"] in result.stdout and "sama kuin tiedostoissa" in result.stdout
    for question in QUESTIONS * 2:
        answer = ask(stack, question)
        assert NEW in answer and OLD not in answer, answer
    goes_on = ask(stack, "mikkelissä", conversation)
    assert NEW in goes_on and OLD not in goes_on

    good = rasa["knowledge_version"]
    contacts.write_text(source.replace(OLD, "040 35x 8519"), encoding="utf-8")  # a typo
    broken = make_reload(project, stack)
    assert broken.returncode != 0
    assert "EI ole käytössä" in broken.stdout and "knowledge/contacts.yml:" in broken.stdout
    for question in QUESTIONS:
        answer = ask(stack, question)
        assert NEW in answer and "35x" not in answer and OLD not in answer, answer
    rasa, actions = served_versions(stack)
    assert rasa["knowledge_version"] == actions["knowledge_version"] == good
    assert actions["knowledge_rejected_version"] and actions["knowledge_problems"]
