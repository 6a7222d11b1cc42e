"""Guards that run after the classifiers and may overrule them.

SafetyGuard: a message about violence, a child in danger or suicidal thoughts must
get the safety answer whatever the classifiers thought, so patterns kept by staff in
`knowledge/safety.yml` (and a crisis intent ranked high enough) set the intent to a
crisis intent; a change of the patterns reaches the next message (knowledge_base.live).
Every matching category is added as a `crisis_category` entity so the answer can name each
fitting helpline.

EntityRequirementGate: "inform_municipality" without a municipality is not an answer.

FollowUpGate: a short question that only points back ("kauanko se kesti?") and that the topic
classifier is not sure of becomes `nlu_fallback`; the fallback action then answers from the
previous topic instead of a confident-looking unrelated answer.

ContactQuestionGuard: a message that names a known person, or a role or a field of
responsibility together with a place, asks about people, whatever FAQ topic its words
resemble ("kuka on Pohjois-Savon muutosagentti" is not the general muutosagentti answer);
an unclear or out-of-scope message that asks who can help, or names only an organisation, too.

TopicOverOutOfScope: an out-of-scope guess gives way to an FAQ topic the topic classifier is
nearly sure of (a parent's situation written in everyday words).

OutsideAreaGuard: a question that names a municipality outside the four regions gets the
honest answer for that municipality (action_find_contact names it back, with the national
lines), not an FAQ answer about another region's services.

ResponseConfidenceGate: the intent classifier may be sure a message is an FAQ while
the response selector cannot tell which one; below a threshold the message becomes
`nlu_fallback`, so the user is asked to rephrase instead of getting a wrong answer.

PersonRequestGuard: the FAQ topic "ihminen" ("haluan puhua ihmisen kanssa") becomes the
intent `request_person`, answered by action_request_person (a staff member in the region's
opening hours, else the honest answer with contacts). It runs before SafetyGuard, so a request
that mentions danger still gets the safety answer with 112 first.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import (
    ENTITIES,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from bot.constants import FALLBACK_INTENT
from components.base import ConfigComponent, KnowledgeComponent
from knowledge_base.finnish import fold, refers_back, words
from knowledge_base.safety import crisis_categories

CRISIS_PREFIX = "crisis_"


def _set_intent(message: Message, name: str, confidence: float) -> None:
    ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get(INTENT_NAME_KEY) != name]
    top = {INTENT_NAME_KEY: name, PREDICTED_CONFIDENCE_KEY: confidence}
    message.set(INTENT, top, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [top] + ranking, add_to_output=True)


def _selected(message: Message, retrieval_intent: str) -> Dict[Text, Any]:
    """The response selector's choice for the retrieval intent: its topic and confidence."""
    selector = (message.get("response_selector") or {}).get(retrieval_intent) or {}
    return selector.get("response") or {}


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class SafetyGuard(KnowledgeComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        # crisis_intent_threshold: with a pattern match, further crisis intents ranked this
        # high add their categories. ml_min_confidence: without one, what a crisis intent needs.
        # knowledge_dir: where safety.yml is (default: PERHENEUVO_KNOWLEDGE_DIR or knowledge/).
        return {"knowledge_dir": None, "crisis_intent_threshold": 0.45, "ml_min_confidence": 0.8}

    def __init__(self, config: Dict[Text, Any]) -> None:
        super().__init__(config)
        self._threshold = config["crisis_intent_threshold"]
        self._ml_min_confidence = config["ml_min_confidence"]

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            if text.startswith("/"):
                continue
            categories = crisis_categories(text, self._knowledge.current().safety)
            # Patterns found a crisis: crisis intents ranked >= threshold add their categories.
            # No pattern: a crisis intent must be confident on its own.
            needed = self._threshold if categories else self._ml_min_confidence
            for ranked in message.get(INTENT_RANKING_KEY) or []:
                name = ranked[INTENT_NAME_KEY]
                if name.startswith(CRISIS_PREFIX) and ranked[PREDICTED_CONFIDENCE_KEY] >= needed:
                    if name[len(CRISIS_PREFIX) :] not in categories:
                        categories.append(name[len(CRISIS_PREFIX) :])
            top = message.get(INTENT) or {}
            if not categories:
                if top.get(INTENT_NAME_KEY, "").startswith(CRISIS_PREFIX):
                    # an unconfirmed crisis guess is asked again; that reply names 112
                    _set_intent(message, FALLBACK_INTENT, top.get(PREDICTED_CONFIDENCE_KEY, 0.0))
                continue
            _set_intent(message, CRISIS_PREFIX + categories[0], 1.0)
            entities = message.get(ENTITIES, [])[:] + [
                {
                    "entity": "crisis_category",
                    "value": c,
                    "start": 0,
                    "end": 0,
                    "confidence_entity": 1.0,
                    "extractor": self.__class__.__name__,
                }
                for c in categories
            ]
            message.set(ENTITIES, entities, add_to_output=True)
        return messages


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class TopicOverOutOfScope(ConfigComponent):
    """The intent classifier learnt everyday parenting questions as out of scope ("lapsi ei
    halua mennä mummolaan"); a parent's separation situation resembles them in words. When the
    topic classifier, trained on the FAQ examples alone, is nearly sure of one topic, the FAQ
    answer is given instead."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"retrieval_intent": "faq", "intents": ["out_of_scope"], "threshold": 0.9}

    def __init__(self, config: Dict[Text, Any]) -> None:
        super().__init__(config)
        self._intent = config["retrieval_intent"]
        self._intents = set(config["intents"])
        self._threshold = config["threshold"]

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            intent = message.get(INTENT) or {}
            if intent.get(INTENT_NAME_KEY) not in self._intents:
                continue
            confidence = _selected(message, self._intent).get(PREDICTED_CONFIDENCE_KEY, 0.0)
            if confidence >= self._threshold:
                _set_intent(message, self._intent, confidence)
        return messages


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class ResponseConfidenceGate(ConfigComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"retrieval_intent": "faq", "threshold": 0.4}

    def __init__(self, config: Dict[Text, Any]) -> None:
        super().__init__(config)
        self._intent = config["retrieval_intent"]
        self._threshold = config["threshold"]

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            intent = message.get(INTENT) or {}
            if intent.get(INTENT_NAME_KEY) != self._intent:
                continue
            confidence = _selected(message, self._intent).get(PREDICTED_CONFIDENCE_KEY, 0.0)
            if confidence < self._threshold:
                _set_intent(message, FALLBACK_INTENT, intent.get(PREDICTED_CONFIDENCE_KEY, 0.0))
        return messages


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class EntityRequirementGate(ConfigComponent):
    """An intent that only means something with its entity ("asun X" without a place)
    becomes `nlu_fallback` when the entity is missing, so gibberish is not taken as an answer."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        # intent -> the entities of which one must be present
        return {"requirements": {"inform_municipality": ["municipality", "region"]}}

    def __init__(self, config: Dict[Text, Any]) -> None:
        super().__init__(config)
        self._requirements = config["requirements"]

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            intent = message.get(INTENT) or {}
            needed = self._requirements.get(intent.get(INTENT_NAME_KEY))
            if needed and not any(e.get("entity") in needed for e in message.get(ENTITIES) or []):
                _set_intent(message, FALLBACK_INTENT, intent.get(PREDICTED_CONFIDENCE_KEY, 0.0))
        return messages


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class OutsideAreaGuard(KnowledgeComponent):
    """An FAQ question (or an unclear one) that names only municipalities outside the regions
    the bot covers becomes `ask_contact`, whose answer names the municipality back."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"intents": ["faq", FALLBACK_INTENT], "target": "ask_contact", "knowledge_dir": None}

    def __init__(self, config: Dict[Text, Any]) -> None:
        super().__init__(config)
        self._intents = set(config["intents"])
        self._target = config["target"]

    def process(self, messages: List[Message]) -> List[Message]:
        kb = self._knowledge.current()
        for message in messages:
            intent = message.get(INTENT) or {}
            if intent.get(INTENT_NAME_KEY) not in self._intents:
                continue
            named = [
                e.get("value")
                for e in message.get(ENTITIES) or []
                if e.get("entity") == "municipality" and e.get("value") in kb.municipalities
            ]
            if named and not any(kb.region_of(m).covered for m in named):
                _set_intent(message, self._target, intent.get(PREDICTED_CONFIDENCE_KEY, 0.0))
        return messages


# Question words that ask for a person ("kuka vastasi", "kenelle soitan", "keneen otan yhteyttä").
_WHO = ("kuka", "kenen", "kehen", "keneen", "kenelle", "keneltä", "ketä", "keitä", "kenel")


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class ContactQuestionGuard(KnowledgeComponent):
    """An FAQ, unclear or out-of-scope guess becomes `ask_contact` when the message names a
    person of the knowledge base, a role title with a region or municipality, or asks who was
    responsible for a field ("kuka vastasi Keski-Suomessa varhaiskasvatuksesta")."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "intents": ["faq", FALLBACK_INTENT, "out_of_scope"],
            "target": "ask_contact",
            "knowledge_dir": None,
        }

    def __init__(self, config: Dict[Text, Any]) -> None:
        super().__init__(config)
        self._intents = set(config["intents"])
        self._target = config["target"]

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            intent = message.get(INTENT) or {}
            name = intent.get(INTENT_NAME_KEY) or ""
            # a crisis guess too: SafetyGuard, last, still answers any crisis it confirms
            if (name in self._intents or name.startswith(CRISIS_PREFIX)) and self._asks_for_people(
                message
            ):
                _set_intent(message, self._target, intent.get(PREDICTED_CONFIDENCE_KEY, 0.0))
        return messages

    def _asks_for_people(self, message: Message) -> bool:
        kinds = {e.get("entity") for e in message.get(ENTITIES) or []}
        if "person" in kinds:
            return True
        place = kinds & {"region", "municipality"}
        if "role" in kinds and place:
            return True
        text = message.get(TEXT) or ""
        kb = self._knowledge.current()
        intent = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
        if intent != "faq" and kb.find_organisations(text) and not kb.find_projects(text):
            return True  # "mikä järjestö se viola on": what the bot knows of it is its projects
        folded = [fold(word) for word, _s, _e in words(text)]
        asks_who = any(word in _WHO_FOLDED for word in folded)
        asks_help = any(word.startswith(_HELP_STEMS) for word in folded)
        if asks_help and ((intent != "faq" and (asks_who or place)) or "municipality" in kinds):
            # "kuka voi auttaa meitä?", "onko Mikkelissä joku, joka auttaa", and "mist saa
            # apuu eroon? asun juval": a parent naming a municipality wants its contacts first
            return True
        if not asks_who:
            return False
        if kb.find_organisations(text):  # "kuka Essotessa hoiti perhekeskustoimintaa"
            return True
        if not place:
            return False
        region_ids = {r.id for r in kb.regions.values() if r.name in _values(message, "region")}
        region_ids |= {
            kb.region_of(m).id for m in _values(message, "municipality") if m in kb.municipalities
        }
        return any(kb.contacts_by_field(text, region_id) for region_id in region_ids)


_WHO_FOLDED = {fold(word) for word in _WHO}
# "auttaa", "apua", "yhteyttä", "puhua", "soittaa": a who-question that asks for help
_HELP_STEMS = ("autta", "autat", "autet", "apu", "avu", "yhteyt", "puhu", "soit")


def _values(message: Message, entity: str) -> List[str]:
    return [e.get("value") for e in message.get(ENTITIES) or [] if e.get("entity") == entity]


# Entities that give a message a subject of its own ("onko se Mikkelissä?" is no follow-up).
_SUBJECT_ENTITIES = {"municipality", "region", "person", "project", "role"}


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class FollowUpGate(ConfigComponent):
    """An FAQ guess for a short message that names nothing and only points back, below a topic
    confidence, becomes `nlu_fallback` (action_ask_rephrase answers from the previous topic)."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"retrieval_intent": "faq", "threshold": 0.65, "max_words": 6}

    def __init__(self, config: Dict[Text, Any]) -> None:
        super().__init__(config)
        self._intent = config["retrieval_intent"]
        self._threshold = config["threshold"]
        self._max_words = config["max_words"]

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            intent = message.get(INTENT) or {}
            text = message.get(TEXT) or ""
            if intent.get(INTENT_NAME_KEY) != self._intent or len(words(text)) > self._max_words:
                continue
            if any(e.get("entity") in _SUBJECT_ENTITIES for e in message.get(ENTITIES) or []):
                continue
            confidence = _selected(message, self._intent).get(PREDICTED_CONFIDENCE_KEY, 0.0)
            if confidence < self._threshold and refers_back(text):
                _set_intent(message, FALLBACK_INTENT, intent.get(PREDICTED_CONFIDENCE_KEY, 0.0))
        return messages


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class PersonRequestGuard(ConfigComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"retrieval_intent": "faq", "topic": "faq/ihminen", "target": "request_person"}

    def __init__(self, config: Dict[Text, Any]) -> None:
        super().__init__(config)
        self._intent = config["retrieval_intent"]
        self._topic = config["topic"]
        self._target = config["target"]

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            intent = message.get(INTENT) or {}
            if intent.get(INTENT_NAME_KEY) != self._intent:
                continue
            if _selected(message, self._intent).get("intent_response_key") == self._topic:
                _set_intent(message, self._target, intent.get(PREDICTED_CONFIDENCE_KEY, 0.0))
        return messages
