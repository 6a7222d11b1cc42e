"""Perheneuvo's knowledge base: the facts staff keep in knowledge/*.yml (regions and
municipalities, contacts, projects, meeting places, safety patterns).

One package for everything that reads them: the NLU components (entity recognition, the
safety guard), the action server (look-ups) and the staff tools (validation), so that all
agree on what a file means and on what is wrong with it.

- `live()` / `LiveKnowledge`: the knowledge in force in a running process, reloaded when the
  files change, all or nothing.
- `load()`: one validated KnowledgeBase; `validate()`: every Problem with file and line.
- `finnish`, `names`: Finnish text helpers and the recognition of names in any case form.
- `rules`: the one definition of phone numbers, e-mail addresses and dates.
"""

from knowledge_base.base import (
    Contact,
    KnowledgeBase,
    LocalPlace,
    Municipality,
    Period,
    Project,
    Region,
)
from knowledge_base.live import LiveKnowledge, live
from knowledge_base.loading import DEFAULT_DIR, DIRECTORY_ENV, knowledge_dir, load
from knowledge_base.problems import ERROR, WARNING, KnowledgeBaseError, Problem, errors
from knowledge_base.validation import FILES, Validated, validate

__all__ = [
    "Contact",
    "DEFAULT_DIR",
    "DIRECTORY_ENV",
    "ERROR",
    "FILES",
    "KnowledgeBase",
    "KnowledgeBaseError",
    "LiveKnowledge",
    "LocalPlace",
    "Municipality",
    "Period",
    "Problem",
    "Project",
    "Region",
    "Validated",
    "WARNING",
    "errors",
    "knowledge_dir",
    "live",
    "load",
    "validate",
]
