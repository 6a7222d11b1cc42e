"""What the project's untrained NLU components share: they are built from their config alone,
and those that read the knowledge base read the knowledge in force (knowledge_base.live)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage

import knowledge_base


class ConfigComponent(GraphComponent):
    """A component with nothing to train or persist: `__init__(config)` is all it needs."""

    def __init__(self, config: Dict[Text, Any]) -> None:
        self._config = config

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "ConfigComponent":
        return cls(config)


class KnowledgeComponent(ConfigComponent):
    """A component that looks things up in the knowledge base. Config `knowledge_dir`: where
    knowledge/ is (default: PERHENEUVO_KNOWLEDGE_DIR or the project's knowledge/)."""

    def __init__(self, config: Dict[Text, Any]) -> None:
        super().__init__(config)
        directory = config.get("knowledge_dir")
        self._knowledge = knowledge_base.live(Path(directory) if directory else None)
