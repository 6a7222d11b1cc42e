"""An upload's rows kept on the server between the preview and the confirmation:
var/sheet-imports/<random id>.json (mode 600), the id in the uploader's session. The workbook
itself is not kept; a confirmation never needs the file again."""

from __future__ import annotations

import json
import re
import secrets
import time
from pathlib import Path
from typing import Any, Dict, Optional

from django.conf import settings

from staff.safe_write import atomic_write

SESSION_KEY = "sheets_import"
MAX_AGE_SECONDS = 24 * 60 * 60
_ID = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


def folder() -> Path:
    path = Path(settings.VAR_DIR) / "sheet-imports"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def keep(session: Any, data: Dict[str, Any]) -> str:
    """Stores `data` under a new random id, remembered in `session` (replacing an earlier
    upload of the same session)."""
    forget(session)
    _remove_old()
    ident = secrets.token_urlsafe(24)
    atomic_write(folder() / f"{ident}.json", json.dumps(data, ensure_ascii=False), mode=0o600)
    session[SESSION_KEY] = ident
    return ident


def load(session: Any) -> Optional[Dict[str, Any]]:
    path = _path(session.get(SESSION_KEY))
    if path is None:
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def forget(session: Any) -> None:
    path = _path(session.pop(SESSION_KEY, None))
    if path is not None:
        path.unlink(missing_ok=True)


def _path(ident: Any) -> Optional[Path]:
    if not isinstance(ident, str) or not _ID.match(ident):
        return None
    return folder() / f"{ident}.json"


def _remove_old() -> None:
    limit = time.time() - MAX_AGE_SECONDS
    for path in folder().glob("*.json"):
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
        except OSError:
            pass
