"""Rasa's own validation (`rasa data validate`), run in this process in about two seconds.

`rasa.validator` imports Rasa's story-conflict finder at module level, and that imports
TensorFlow, which alone takes 10-20 s on the staff machine. Story conflicts can only exist
between stories, and `rasa data validate` only warns about them; so the finder is put in
place as a stand-in that imports the real module when it is first used, which happens only
when the data has stories. Everything else is Rasa's own code, run in the order of
`rasa.cli.utils.validate_files`; a check that fails there fails here.
"""

from __future__ import annotations

import importlib
import re
import sys
import types
import warnings
from pathlib import Path
from typing import Any, Callable, List, Optional, Tuple

from staff.findings import ERROR, WARNING, Finding
from staff.messages import say
from staff.project import Project

STORY_CONFLICT_MODULE = "rasa.core.training.story_conflict"


class _ImportedOnFirstUse(types.ModuleType):
    def __getattr__(self, attribute: str) -> Any:
        if sys.modules.get(self.__name__) is self:
            del sys.modules[self.__name__]
        module = importlib.import_module(self.__name__)
        return getattr(module, attribute)


def _validator_class() -> Any:
    if "rasa.validator" not in sys.modules and STORY_CONFLICT_MODULE not in sys.modules:
        import rasa.core.training as parent

        stand_in = _ImportedOnFirstUse(STORY_CONFLICT_MODULE)
        sys.modules[STORY_CONFLICT_MODULE] = stand_in
        parent.story_conflict = stand_in
    from rasa.validator import Validator

    return Validator


def _captured(step: Callable[[], Any]) -> Tuple[Any, List[str]]:
    """Runs one step, returning its result and the warnings Rasa raised meanwhile."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = step()
    texts = []
    for warning in caught:
        if "/rasa/" in warning.filename.replace("\\", "/") and issubclass(
            warning.category, UserWarning
        ):
            text = str(warning.message).strip()
            if text not in texts:
                texts.append(text)
    return result, texts


def check_with_rasa(project: Project) -> List[Finding]:
    """Rasa's findings: errors where `rasa data validate` would fail, warnings otherwise."""
    from rasa.shared.exceptions import RasaException
    from rasa.shared.importers.importer import TrainingDataImporter

    validator_class = _validator_class()
    locator = _Locator(project)
    findings: List[Finding] = []

    def add(level: str, texts: List[str]) -> None:
        for text in texts:
            file, line = locator.locate(text)
            detail = " ".join(text.replace(f"{project.root}/", "").split())
            findings.append(Finding(level, "rasa", file, line, say("rasa.finding", detail=detail)))

    try:
        importer = TrainingDataImporter.load_from_config(
            str(project.config), str(project.domain), [str(project.data_dir)]
        )
        validator, loading = _captured(lambda: validator_class.from_importer(importer))
    except (RasaException, ValueError, OSError) as error:
        add(ERROR, [str(error)])
        return findings
    add(WARNING, loading)
    steps: List[Callable[[], bool]] = [
        validator.verify_domain_validity,
        validator.verify_actions_in_stories_rules,
        validator.verify_forms_in_stories_rules,
        validator.verify_form_slots,
        validator.verify_slot_mappings,
        lambda: validator.verify_nlu(True),
    ]
    if any(type(story).__name__ != "RuleStep" for story in validator.story_graph.story_steps):
        steps.append(lambda: validator.verify_story_structure(True))
    for step in steps:
        try:
            passed, texts = _captured(step)
        except (RasaException, ValueError) as error:
            passed, texts = False, [str(error)]
        if not passed and not texts:
            texts = [say("rasa.failed_without_reason")]
        add(WARNING if passed else ERROR, texts)
    return findings


class _Locator:
    """Finds the file and line a Rasa message is about: a file it names, or the first place
    where a name it quotes appears."""

    FILE_AND_LINE = re.compile(r"([\w./-]+\.ya?ml)(?:'|\")?(?::|, line )(\d+)")
    FILE = re.compile(r"'([^']+\.ya?ml)'")
    QUOTED = re.compile(r"'([^']+)'")

    def __init__(self, project: Project):
        self.project = project
        self.files = [project.domain] + project.training_files()

    def locate(self, message: str) -> Tuple[str, int]:
        found = self.FILE_AND_LINE.search(message)
        if found:
            return self._relative(found.group(1)), int(found.group(2))
        named = self.FILE.search(message)
        files = [self._path(named.group(1))] if named else self.files
        for term in self._terms(message):
            for path in files:
                line = _line_containing(path, term)
                if line:
                    return self.project.relative(path), line
        return (
            (self.project.relative(files[0]), 0)
            if named
            else (self.project.relative(self.project.domain), 0)
        )

    def _terms(self, message: str) -> List[str]:
        """What to look for, most specific first: the text after the last colon (often the
        offending line itself), then the quoted names."""
        first_line = message.splitlines()[0]
        terms = [first_line.rsplit(": ", 1)[1].strip()] if ": " in first_line else []
        terms += [t for t in self.QUOTED.findall(first_line) if not t.endswith((".yml", ".yaml"))]
        return [t for t in terms if len(t) > 1]

    def _path(self, name: str) -> Path:
        path = Path(name)
        return path if path.is_absolute() else self.project.root / path

    def _relative(self, name: str) -> str:
        return self.project.relative(self._path(name))


def _line_containing(path: Path, term: str) -> Optional[int]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    pattern = re.compile(r"(?<![\w/])" + re.escape(term) + r"(?![\w/])")
    for number, line in enumerate(lines, 1):
        if pattern.search(line):
            return number
    return None
