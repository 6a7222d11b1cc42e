"""The draft: a copy of the content files (data/, knowledge/, domain.yml, config.yml) in
var/luonnos of the live project. Every edit of the console goes there; publishing copies the
changed files into the live project one file at a time, each in one step.

The draft remembers what the live files were when it was made (their hashes, in
var/luonnos-pohja.json). A live file changed since then by someone else (a developer's
`make inbox-add`, an edit on the server) is taken into the draft when the draft has not
changed it; when the draft has changed it too, publishing stops and names the file, so that
nothing is silently undone."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
import threading
from pathlib import Path
from typing import Dict, List, Optional

from staff.project import Project
from staff.safe_write import atomic_write_bytes

# What is published: everything training and the knowledge base read that staff may change.
CONTENT_DIRS = ("data", "knowledge")
CONTENT_FILES = ("domain.yml", "config.yml")
# Copied into the draft for the checks and the evaluation, never published from it.
SUPPORT_PARTS = ("tests/data",)
DRAFT_DIR = "luonnos"
BASE_FILE = "luonnos-pohja.json"

_LOCK = threading.RLock()


@dataclasses.dataclass(frozen=True)
class FileChange:
    path: str  # "data/faq/erokahvila.yml", relative to the project
    before: Optional[bytes]  # None: the file is new
    after: Optional[bytes]  # None: the file is removed

    @property
    def kind(self) -> str:
        if self.before is None:
            return "added"
        if self.after is None:
            return "removed"
        return "changed"


def draft_root(live: Project) -> Path:
    return live.var_dir / DRAFT_DIR


def content_files(project: Project) -> Dict[str, bytes]:
    """Every content file of `project` by its path as staff see it ("knowledge/x.yml")."""
    files: Dict[str, bytes] = {}
    for name in CONTENT_DIRS:
        base = project.knowledge_dir if name == "knowledge" else project.root / name
        if base.is_dir():
            for path in sorted(base.rglob("*")):
                if path.is_file() and not path.name.startswith("."):
                    files[f"{name}/{path.relative_to(base).as_posix()}"] = path.read_bytes()
    for name in CONTENT_FILES:
        path = project.root / name
        if path.is_file():
            files[name] = path.read_bytes()
    return files


def location(project: Project, relative: str) -> Path:
    """Where a content path is in `project` (knowledge/ may be elsewhere for the checkout)."""
    if relative.startswith("knowledge/"):
        return project.knowledge_dir / relative[len("knowledge/") :]
    return project.root / relative


def exists(live: Project) -> bool:
    return (draft_root(live) / "domain.yml").is_file()


def ensure(live: Project) -> Project:
    """The draft, made from the live project when there is none; live files changed by
    someone else since it was made are taken in where the draft has not changed them."""
    root = draft_root(live)
    with _LOCK:
        if not exists(live):
            replace(live, content_files(live))
        else:
            _catch_up(live)
    return Project(root)


def _hashes(files: Dict[str, bytes]) -> Dict[str, str]:
    return {path: hashlib.sha256(content).hexdigest() for path, content in files.items()}


def _base(live: Project) -> Optional[Dict[str, str]]:
    path = live.var_dir / BASE_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def rebase(live: Project) -> None:
    """The live files as they are now are what the draft is based on (after publishing)."""
    atomic_write_bytes(
        live.var_dir / BASE_FILE,
        json.dumps(_hashes(content_files(live)), indent=0, sort_keys=True).encode("utf-8"),
    )


def _catch_up(live: Project) -> List[str]:
    """Takes the live files changed since the draft was made into the draft where the draft
    has not changed them; returns the files changed in both (publishing stops on them)."""
    base = _base(live)
    if base is None:  # a draft from before the base was kept
        rebase(live)
        return []
    live_files = content_files(live)
    now = _hashes(live_files)
    outside = [
        (p, base.get(p), now.get(p))
        for p in sorted(set(base) | set(now))
        if base.get(p) != now.get(p)
    ]
    if not outside:
        return []
    draft = Project(draft_root(live))
    drafted = _hashes(content_files(draft))
    changed_both = []
    for path, was, now_hash in outside:
        if drafted.get(path) == was:  # the draft has not touched it: take the new live file
            target = location(draft, path)
            if path in live_files:
                target.parent.mkdir(parents=True, exist_ok=True)
                atomic_write_bytes(target, live_files[path])
            else:
                target.unlink(missing_ok=True)
        elif drafted.get(path) != now_hash:
            changed_both.append(path)  # conflicts() reports it, publishing stops
            continue
        if now_hash is None:
            base.pop(path, None)
        else:
            base[path] = now_hash
    atomic_write_bytes(
        live.var_dir / BASE_FILE, json.dumps(base, indent=0, sort_keys=True).encode("utf-8")
    )
    return changed_both


def conflicts(live: Project) -> List[str]:
    """Files changed both in the draft and, since the draft was made, in the live project."""
    with _LOCK:
        if not exists(live):
            return []
        return _catch_up(live)


def replace(live: Project, files: Dict[str, bytes]) -> Project:
    """A new draft holding exactly `files` (and the live project's test data for the checks)."""
    root = draft_root(live)
    with _LOCK:
        staging = root.with_name(DRAFT_DIR + ".new")
        shutil.rmtree(staging, ignore_errors=True)
        for relative, content in files.items():
            target = staging / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
        for part in SUPPORT_PARTS:
            source = live.root / part
            if source.is_dir():
                shutil.copytree(source, staging / part)
        old = root.with_name(DRAFT_DIR + ".old")
        shutil.rmtree(old, ignore_errors=True)
        if root.exists():
            root.rename(old)
        staging.rename(root)
        shutil.rmtree(old, ignore_errors=True)
        rebase(live)
    return Project(root)


def discard(live: Project) -> None:
    with _LOCK:
        shutil.rmtree(draft_root(live), ignore_errors=True)
        (live.var_dir / BASE_FILE).unlink(missing_ok=True)


def changes(live: Project, draft: Optional[Project] = None) -> List[FileChange]:
    """What the draft changes in the live project, by path."""
    if draft is None:
        if not exists(live):
            return []
        draft = Project(draft_root(live))
    return compare(content_files(live), content_files(draft))


def compare(before: Dict[str, bytes], after: Dict[str, bytes]) -> List[FileChange]:
    return [
        FileChange(path, before.get(path), after.get(path))
        for path in sorted(set(before) | set(after))
        if before.get(path) != after.get(path)
    ]


def fingerprint(files: Dict[str, bytes]) -> str:
    """One hash of a set of content files: the same files, the same model."""
    sha = hashlib.sha256()
    for path in sorted(files):
        sha.update(path.encode("utf-8") + b"\0" + hashlib.sha256(files[path]).digest())
    return sha.hexdigest()


def apply(live: Project, file_changes: List[FileChange]) -> None:
    """Writes the changes into the live project, each file in one step."""
    for change in file_changes:
        target = location(live, change.path)
        if change.after is None:
            target.unlink(missing_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_bytes(target, change.after)
