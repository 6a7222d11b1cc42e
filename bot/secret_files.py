"""Secrets kept in files under var/ (the Rasa API token, the Telegram sender key, the
production profile's database and lock-store passwords)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

SECRET_BYTES = 32


def new_secret(nbytes: int = SECRET_BYTES) -> str:
    """A random URL-safe secret that never begins with "-" (so that no command line or option
    parser can take it for an option)."""
    while True:
        secret = secrets.token_urlsafe(nbytes)
        if secret[0].isalnum():
            return secret


def read_or_create_secret_file(path: Path) -> str:
    """The secret kept in `path`; on first use a new one is written there, readable by the
    owner only (mode 600).

    The file appears complete or not at all: the secret is written to a temporary file
    (created with O_EXCL, mode 600) that is then linked to `path`, which fails if another
    process made `path` first; that process's secret is then the one read and used."""
    path = Path(path)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "w") as handle:
                handle.write(new_secret())
                handle.flush()
                os.fsync(handle.fileno())
            try:
                os.link(draft, path)
            except FileExistsError:
                pass  # made meanwhile by another process: its secret counts
        finally:
            draft.unlink(missing_ok=True)
    return path.read_text().strip()
