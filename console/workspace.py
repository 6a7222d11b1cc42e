"""Where the console's edits go. Every page that changes a content file (data/, knowledge/)
asks `editing_project()` for the project to read and write: the draft (var/luonnos of the
live project, console.publishing.draft), which publishing moves into the live bot."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from staff.project import Project


def live_project() -> Project:
    """The project the running bot was trained on and reads its knowledge from."""
    return Project(Path(settings.CONSOLE_PROJECT_ROOT))


def editing_project() -> Project:
    """The draft the console's editors change, made from the live project on first use."""
    from console.publishing import draft

    return draft.ensure(live_project())
