"""Trained models are loaded only from the project's models/ folder, and only when the file's
SHA-256 matches the one recorded beside it at training (`<model>.sha256`).

    python -m bot.model_files record models/perheneuvo.tar.gz   (make train does this)
    python -m bot.model_files verify models/perheneuvo.tar.gz

`install_load_guard()` puts the check in front of Rasa's model loading inside the Rasa
server, for the model loaded at start-up and for every PUT /model; a model server or remote
storage is refused there too (Rasa 3.6.21 already fixes CVE-2024-49375; this keeps the server
to files the project trained itself).
"""

from __future__ import annotations

import functools
import hashlib
import sys
from pathlib import Path
from typing import Any, Optional

ROOT = Path(__file__).resolve().parent.parent
MODELS_DIR = ROOT / "models"


class ModelFileError(Exception):
    """A model that must not be loaded; the message says why."""


def digest(path: Path) -> str:
    sha = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            sha.update(block)
    return sha.hexdigest()


def hash_file(model: Path) -> Path:
    return model.with_name(model.name + ".sha256")


def record(model: Path) -> Path:
    """Writes the model's SHA-256 beside it."""
    target = hash_file(model)
    target.write_text(f"{digest(model)}  {model.name}\n", encoding="utf-8")
    return target


def verify(model: Path, models_dir: Path = MODELS_DIR) -> Path:
    """The resolved model path if it is inside `models_dir` and matches its recorded hash."""
    resolved = Path(model).resolve()
    if not resolved.is_relative_to(models_dir.resolve()):
        raise ModelFileError(f"{model}: models are loaded only from {models_dir}")
    if not resolved.is_file():
        raise ModelFileError(f"{model}: no such model file")
    recorded = hash_file(resolved)
    if not recorded.is_file():
        raise ModelFileError(
            f"{model}: no recorded hash ({recorded.name}); train it with 'make train'"
        )
    expected = recorded.read_text(encoding="utf-8").split()[0]
    if digest(resolved) != expected:
        raise ModelFileError(f"{model}: the file does not match the hash recorded at training")
    return resolved


def install_load_guard() -> None:
    """Checks every model Rasa loads in this process (idempotent)."""
    import rasa.core.agent

    original = rasa.core.agent.load_agent
    if getattr(original, "perheneuvo_guard", False):
        return

    @functools.wraps(original)
    async def guarded_load_agent(
        model_path: Optional[str] = None,
        model_server: Any = None,
        remote_storage: Optional[str] = None,
        **kwargs: Any,
    ) -> Any:
        if model_server is not None or remote_storage:
            raise ModelFileError("models are loaded only from the project's models/ folder")
        if model_path is None:
            raise ModelFileError("no model file given")
        return await original(model_path=str(verify(Path(model_path))), **kwargs)

    guarded_load_agent.perheneuvo_guard = True  # type: ignore[attr-defined]
    rasa.core.agent.load_agent = guarded_load_agent


def main(argv: list) -> int:
    if len(argv) != 2 or argv[0] not in ("record", "verify"):
        print("usage: python -m bot.model_files record|verify MODEL", file=sys.stderr)
        return 2
    command, model = argv[0], Path(argv[1])
    try:
        print(record(model) if command == "record" else f"ok: {verify(model)}")
    except (ModelFileError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
