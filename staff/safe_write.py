"""Writing files so that a failure never leaves one half-written: the new content goes to a
temporary file in the same folder, which then replaces the old file in one step."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Iterator, Optional, Sequence

from staff.project import Project


def atomic_write_bytes(path: Path, content: bytes, mode: Optional[int] = None) -> None:
    """Replaces `path` with `content` in one step; keeps the old file's permissions unless
    `mode` is given. On any failure `path` is as it was."""
    path = Path(path)
    if mode is None:
        mode = path.stat().st_mode & 0o7777 if path.exists() else 0o644
    descriptor, temporary = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
    )
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def atomic_write(path: Path, text: str, mode: Optional[int] = None) -> None:
    atomic_write_bytes(path, text.encode("utf-8"), mode)


# What a staged copy of the project holds: everything the checks read.
STAGED_PARTS: Sequence[str] = ("data", "domain.yml", "config.yml", "knowledge", "tests/data")


@contextlib.contextmanager
def staged_copy(project: Project) -> Iterator[Project]:
    """A throw-away copy of the project's data in which a change can be made and checked
    before the real files are touched."""
    with tempfile.TemporaryDirectory(prefix="perheneuvo-staged-") as directory:
        root = Path(directory)
        for part in STAGED_PARTS:
            source = project.root / part
            if source.is_dir():
                shutil.copytree(source, root / part)
            elif source.exists():
                (root / part).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, root / part)
        yield Project(root)
