"""Entities from the knowledge base: municipality, region, person, project and role.

Recognition is deterministic (knowledge_base.names and knowledge_base.base): the same
code serves the actions, so NLU and the answers agree on what a word means. The knowledge is
the one in force (knowledge_base.live): a fact staff change reaches the next message.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from components.base import KnowledgeComponent


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class KnowledgeBaseEntityExtractor(KnowledgeComponent, EntityExtractorMixin):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"knowledge_dir": None}

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            if not text or text.startswith("/"):
                continue
            entities = message.get(ENTITIES, [])[:] + self.entities_in(text)
            message.set(ENTITIES, entities, add_to_output=True)
        return messages

    def entities_in(self, text: str) -> List[Dict[str, Any]]:
        kb = self._knowledge.current()
        found = [
            self._entity(place.kind, place.name, place.start, place.end, place.text)
            for place in kb.find_places(text)
        ]
        found += [self._entity("person", c.id, 0, 0, c.name) for c in kb.find_people(text)]
        found += [self._entity("project", p.id, 0, 0, p.name) for p in kb.find_projects(text)]
        found += [self._entity("role", role, 0, 0, role) for role in kb.find_roles(text)]
        return found

    def _entity(self, name: str, value: str, start: int, end: int, text: str) -> Dict[str, Any]:
        return {
            "entity": name,
            "value": value,
            "start": start,
            "end": end,
            "confidence_entity": 1.0,
            "extractor": self.__class__.__name__,
        }
