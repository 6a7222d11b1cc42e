"""The regions an account can be limited to: the ids in knowledge/municipalities.yml."""

from __future__ import annotations

from pathlib import Path
from typing import Dict

import yaml
from django.conf import settings

from staff.project import Project


def known_regions(project_root: Path | None = None) -> Dict[str, str]:
    """Region id -> name, in the file's order."""
    project = Project(Path(project_root or settings.CONSOLE_PROJECT_ROOT))
    path = project.knowledge_dir / "municipalities.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {str(r["id"]): str(r.get("name", r["id"])) for r in data.get("regions", [])}
