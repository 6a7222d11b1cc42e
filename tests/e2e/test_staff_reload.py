"""`make reload`: a newly trained model goes into the running server without a restart; the new
answer text is served afterwards and a conversation started before the reload continues.
On a stack of its own: the shared `bot` keeps its model. The checks without a server are in
tests/unit/test_staff_reload.py."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from bot.model_files import record
from staff.project import ROOT
from staff.reload import model_id
from tests.support import chat_with, rasa_status

ANSWER_START = "Erokahvila on vertaistuellista toimintaa"


def make_reload(
    model: str, url: str, token: str, actions_url: str = ""
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            "make",
            "--no-print-directory",
            "reload",
            f"MALLI={model}",
            f"PERHENEUVO_RASA_URL={url}",
            f"PERHENEUVO_API_TOKEN={token}",
            f"PERHENEUVO_ACTIONS_URL={actions_url}/webhook",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )


@pytest.fixture(scope="module")
def changed_model(tmp_path_factory):
    """A model trained from a copy of the project's training inputs with one answer changed,
    written into models/ under a temporary name and removed afterwards (the server loads
    models only from the project's models/ folder, bot/model_files.py). Training takes 1-3
    minutes; a copy of the Rasa cache does not shorten it (changing an answer changes the
    training data of every NLU component), so a fresh cache keeps the project's own clean."""
    work = tmp_path_factory.mktemp("changed-project")
    for part in ("config.yml", "domain.yml", "data"):
        source = ROOT / part
        shutil.copytree(source, work / part) if source.is_dir() else shutil.copy2(
            source, work / part
        )
    marker = f"(päivitetty {uuid.uuid4().hex[:8]})"
    answer = work / "data" / "faq" / "erokahvila.yml"
    source = answer.read_text(encoding="utf-8")
    assert ANSWER_START in source
    answer.write_text(source.replace(ANSWER_START, f"{ANSWER_START} {marker}", 1), encoding="utf-8")
    name = f"staff-test-{uuid.uuid4().hex[:8]}"
    model = ROOT / "models" / f"{name}.tar.gz"
    env = dict(
        os.environ,
        PYTHONPATH=str(ROOT),
        RASA_CACHE_DIRECTORY=str(work / ".rasa" / "cache"),
        TF_CPP_MIN_LOG_LEVEL="2",
    )
    try:
        trained = subprocess.run(
            [
                str(Path(sys.executable).parent / "rasa"),
                "train",
                "--config",
                "config.yml",
                "--domain",
                "domain.yml",
                "--data",
                "data",
                "--out",
                str(ROOT / "models"),
                "--fixed-model-name",
                name,
            ],
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
            timeout=1200,
        )
        assert trained.returncode == 0 and model.exists(), (
            trained.stdout[-3000:] + trained.stderr[-3000:]
        )
        record(model)  # what `make train` does after training
        yield model, marker
    finally:
        model.unlink(missing_ok=True)
        model.with_name(model.name + ".sha256").unlink(missing_ok=True)


@pytest.mark.model
def test_make_reload_serves_the_new_answer_and_the_conversation_goes_on(own_bot, changed_model):
    bot, chat = own_bot, chat_with(own_bot)  # the shared bot keeps its model
    model, marker = changed_model
    token = bot.settings.api_token
    original = rasa_status(bot)
    assert "Missä kunnassa asut" in " ".join(
        r["text"] for r in chat("keneen voisin ottaa yhteyttä")
    )
    assert marker not in " ".join(r["text"] for r in chat("Mikä on erokahvila?"))
    try:
        refused = make_reload(f"models/{model.name}", bot.rasa_url, "wrong-token")
        assert refused.returncode != 0 and "ei hyväksynyt avainta" in refused.stdout
        outside = make_reload(
            str(Path(bot.settings.tracker_db).parent / "x.tar.gz"), bot.rasa_url, token
        )
        assert outside.returncode != 0 and "ei ole kansiossa models/" in outside.stdout

        result = make_reload(f"models/{model.name}", bot.rasa_url, token, bot.actions_url)
        assert result.returncode == 0, result.stdout + result.stderr
        assert model_id(model) in result.stdout

        answer = " ".join(r["text"] for r in chat("Mikkelissä"))
        assert "Mikkeli" in answer and "Hanna Kokkonen" in answer, answer
        assert marker in " ".join(r["text"] for r in chat("Mikä on erokahvila?"))
        status = rasa_status(bot)
        assert status["model_id"] == model_id(model) != original["model_id"]
    finally:
        restored = make_reload("models/perheneuvo.tar.gz", bot.rasa_url, token, bot.actions_url)
        assert restored.returncode == 0, restored.stdout
    assert rasa_status(bot)["model_id"] == original["model_id"]
