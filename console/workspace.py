"""Where the console's edits go. Every page that changes a content file (data/, knowledge/)
asks `editing_project()` for the project to read and write; publishing is what moves those
files into the live bot."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from staff.project import Project


def live_project() -> Project:
    """The project the running bot was trained on and reads its knowledge from."""
    return Project(Path(settings.CONSOLE_PROJECT_ROOT))


def editing_project() -> Project:
    """The project the console's editors change. For now the live project itself."""
    return live_project()
