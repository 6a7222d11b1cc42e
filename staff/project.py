"""Where a project's files are: the real checkout, or a copy that tests and staged edits use."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import List

from knowledge_base import knowledge_dir

ROOT = Path(__file__).resolve().parent.parent


@dataclasses.dataclass(frozen=True)
class Project:
    root: Path = ROOT

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def domain(self) -> Path:
        return self.root / "domain.yml"

    @property
    def config(self) -> Path:
        return self.root / "config.yml"

    @property
    def knowledge_dir(self) -> Path:
        """knowledge/; for the real checkout, the directory the servers read
        (PERHENEUVO_KNOWLEDGE_DIR) when that is set."""
        if self.root == ROOT:
            return knowledge_dir()
        return self.root / "knowledge"

    @property
    def models_dir(self) -> Path:
        return self.root / "models"

    @property
    def heldout(self) -> Path:
        return self.root / "tests" / "data" / "heldout.yml"

    @property
    def var_dir(self) -> Path:
        return self.root / "var"

    def training_files(self) -> List[Path]:
        """The training data files (data/**/*.yml) in a stable order."""
        return sorted(self.data_dir.rglob("*.yml"))

    def relative(self, path: Path) -> str:
        """`path` as staff see it: relative to the project, with forward slashes."""
        try:
            return Path(path).resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return str(path)
