"""The published versions: a git repository of the content files in var/sisaltohistoria of
the live project. Every publication is one commit (author = the staff member, the message
they wrote); the first publication first records the files as they were before it."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import shutil
import subprocess
from pathlib import Path
from typing import Dict, List, Optional

from console.publishing.draft import FileChange, compare, content_files
from staff.project import Project

REPOSITORY = "sisaltohistoria"
SYSTEM_NAME = "Perheneuvo"
SYSTEM_EMAIL = "konsoli@perheneuvo.invalid"
INITIAL_MESSAGE = "Sisältö ennen ensimmäistä konsolista tehtyä julkaisua"


class HistoryError(Exception):
    pass


@dataclasses.dataclass(frozen=True)
class Version:
    commit: str
    author: str
    at: dt.datetime
    message: str
    parent: str  # "" for the first version

    @property
    def short(self) -> str:
        return self.commit[:8]


def repository(live: Project) -> Path:
    return live.var_dir / REPOSITORY


def _git(live: Project, *args: str, author: str = SYSTEM_NAME, data: bytes = b"") -> bytes:
    env = dict(
        os.environ,
        GIT_AUTHOR_NAME=author or SYSTEM_NAME,
        GIT_AUTHOR_EMAIL=SYSTEM_EMAIL,
        GIT_COMMITTER_NAME=SYSTEM_NAME,
        GIT_COMMITTER_EMAIL=SYSTEM_EMAIL,
        GIT_CONFIG_NOSYSTEM="1",
        GIT_TERMINAL_PROMPT="0",
    )
    env.pop("GIT_DIR", None)
    env.pop("GIT_WORK_TREE", None)
    result = subprocess.run(
        ["git", "-c", "core.quotepath=off", "-c", "commit.gpgsign=false", *args],
        cwd=repository(live),
        env=env,
        input=data,
        capture_output=True,
        timeout=60,
    )
    if result.returncode != 0:
        raise HistoryError(result.stderr.decode("utf-8", errors="replace").strip())
    return result.stdout


def _ensure_repository(live: Project) -> None:
    path = repository(live)
    if not (path / ".git").is_dir():
        path.mkdir(parents=True, exist_ok=True)
        _git(live, "init", "-q", "-b", "main")


def has_versions(live: Project) -> bool:
    if not (repository(live) / ".git").is_dir():
        return False
    try:
        _git(live, "rev-parse", "-q", "--verify", "HEAD")
    except HistoryError:
        return False
    return True


def record(live: Project, files: Dict[str, bytes], author: str, message: str) -> str:
    """Commits `files` (the whole content as published) as a new version; returns its id.
    The first time, the content as it was before (the live files now) is committed first."""
    _ensure_repository(live)
    if not has_versions(live):
        _snapshot(live, content_files(live), SYSTEM_NAME, INITIAL_MESSAGE)
    return _snapshot(live, files, author, message)


def ensure_initial(live: Project) -> None:
    _ensure_repository(live)
    if not has_versions(live):
        _snapshot(live, content_files(live), SYSTEM_NAME, INITIAL_MESSAGE)


def _snapshot(live: Project, files: Dict[str, bytes], author: str, message: str) -> str:
    root = repository(live)
    for entry in root.iterdir():
        if entry.name == ".git":
            continue
        shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
    for relative, content in files.items():
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    _git(live, "add", "-A", ".")
    _git(live, "commit", "-q", "--allow-empty", "-F", "-", author=author, data=message.encode())
    return _git(live, "rev-parse", "HEAD").decode().strip()


def versions(live: Project, limit: int = 200) -> List[Version]:
    """The versions, newest first."""
    if not has_versions(live):
        return []
    out = _git(live, "log", f"-n{limit}", "--format=%H%x1f%an%x1f%aI%x1f%P%x1f%B%x1e")
    found = []
    for record_ in out.decode("utf-8").split("\x1e"):
        parts = record_.strip("\n").split("\x1f")
        if len(parts) != 5:
            continue
        commit, author, at, parents, message = parts
        found.append(
            Version(
                commit,
                author,
                dt.datetime.fromisoformat(at),
                message.strip(),
                parents.split()[0] if parents.split() else "",
            )
        )
    return found


def version(live: Project, commit: str) -> Version:
    for candidate in versions(live, limit=10000):
        if candidate.commit == commit:
            return candidate
    raise HistoryError(commit)


def files_at(live: Project, commit: str) -> Dict[str, bytes]:
    """Every content file of a version."""
    names = _git(live, "ls-tree", "-r", "-z", "--name-only", commit).decode("utf-8")
    return {
        name: _git(live, "cat-file", "blob", f"{commit}:{name}")
        for name in names.split("\0")
        if name
    }


def changes_of(live: Project, item: Version) -> List[FileChange]:
    """What the version changed in the one before it."""
    before: Dict[str, bytes] = files_at(live, item.parent) if item.parent else {}
    return compare(before, files_at(live, item.commit))


def latest(live: Project) -> Optional[Version]:
    found = versions(live, limit=1)
    return found[0] if found else None
