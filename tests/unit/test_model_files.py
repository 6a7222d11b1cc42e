"""Models load only from models/ and only when they match the hash recorded at training."""

import asyncio

import pytest
import rasa.core.agent

from bot import model_files
from bot.model_files import ModelFileError, record, verify


@pytest.fixture
def models_dir(tmp_path):
    folder = tmp_path / "models"
    folder.mkdir()
    model = folder / "m.tar.gz"
    model.write_bytes(b"trained model bytes")
    return folder


def test_a_recorded_model_in_the_folder_is_accepted(models_dir):
    model = models_dir / "m.tar.gz"
    record(model)
    assert verify(model, models_dir) == model.resolve()


def test_without_a_recorded_hash_it_is_refused(models_dir):
    with pytest.raises(ModelFileError, match="no recorded hash"):
        verify(models_dir / "m.tar.gz", models_dir)


def test_a_changed_file_is_refused(models_dir):
    model = models_dir / "m.tar.gz"
    record(model)
    model.write_bytes(b"something else")
    with pytest.raises(ModelFileError, match="does not match"):
        verify(model, models_dir)


def test_a_file_outside_the_folder_is_refused(models_dir, tmp_path):
    outside = tmp_path / "elsewhere.tar.gz"
    outside.write_bytes(b"x")
    record(outside)
    with pytest.raises(ModelFileError, match="only from"):
        verify(outside, models_dir)
    with pytest.raises(ModelFileError, match="only from"):
        verify(models_dir / ".." / "elsewhere.tar.gz", models_dir)


def test_the_guard_refuses_remote_models_before_rasa_sees_them(monkeypatch):
    seen = []

    async def fake_load_agent(**kwargs):
        seen.append(kwargs)

    monkeypatch.setattr(rasa.core.agent, "load_agent", fake_load_agent)
    model_files.install_load_guard()
    with pytest.raises(ModelFileError):
        asyncio.run(rasa.core.agent.load_agent(model_server=object()))
    with pytest.raises(ModelFileError):
        asyncio.run(rasa.core.agent.load_agent(model_path="/tmp/x.tar.gz"))
    assert seen == []
