"""`make reload` without a server: models are accepted only from the project's models/ folder,
with their recorded hash. Reloading the running server: tests/e2e/test_staff_reload.py."""

from __future__ import annotations

import tarfile
from pathlib import Path

import pytest

from bot.model_files import record
from staff.project import Project
from staff.reload import ReloadError, model_id, model_inside_models, reload

# -- without a server ------------------------------------------------------------------------------


@pytest.fixture
def project(tmp_path) -> Project:
    (tmp_path / "models").mkdir()
    return Project(tmp_path)


def fake_model(path: Path, identifier: str = "abc123") -> Path:
    """A model archive with only its metadata, its hash recorded as `make train` does."""
    metadata = path.parent / "metadata.json"
    metadata.write_text('{"model_id": "%s"}' % identifier)
    with tarfile.open(path, "w:gz") as archive:
        archive.add(metadata, arcname="metadata.json")
    metadata.unlink()
    record(path)
    return path


def test_a_model_outside_models_is_refused(project, tmp_path):
    outside = fake_model(tmp_path / "elsewhere.tar.gz")
    with pytest.raises(ReloadError, match="ei ole kansiossa models/"):
        model_inside_models(project, outside)
    with pytest.raises(ReloadError, match="ei ole kansiossa models/"):
        model_inside_models(project, Path("models/../elsewhere.tar.gz"))
    (project.models_dir / "link.tar.gz").symlink_to(outside)
    with pytest.raises(ReloadError, match="ei ole kansiossa models/"):
        model_inside_models(project, Path("models/link.tar.gz"))


def test_a_model_inside_models_is_accepted_and_its_id_read(project):
    model = fake_model(project.models_dir / "uusi.tar.gz", "f00d")
    assert model_inside_models(project, Path("models/uusi.tar.gz")) == model.resolve()
    assert model_id(model) == "f00d"
    (project.models_dir / "rikki.tar.gz").write_bytes(b"not a model")
    with pytest.raises(ReloadError, match="ei ole Rasan koulutettu malli"):
        model_id(project.models_dir / "rikki.tar.gz")
    with pytest.raises(ReloadError, match="Mallitiedostoa"):
        model_inside_models(project, Path("models/puuttuu.tar.gz"))


def test_a_model_without_its_recorded_hash_is_refused(project):
    model = fake_model(project.models_dir / "uusi.tar.gz")
    model.with_name(model.name + ".sha256").unlink()
    with pytest.raises(ReloadError, match="tarkistussumma puuttuu"):
        model_inside_models(project, Path("models/uusi.tar.gz"))
    record(model)
    with open(model, "ab") as handle:
        handle.write(b"changed")
    with pytest.raises(ReloadError, match="ei täsmää"):
        model_inside_models(project, Path("models/uusi.tar.gz"))


def test_no_running_server_is_explained(project):
    fake_model(project.models_dir / "uusi.tar.gz")
    with pytest.raises(ReloadError, match="Botti ei vastaa"):
        reload(project, Path("models/uusi.tar.gz"), "http://127.0.0.1:9", "token")
