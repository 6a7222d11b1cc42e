"""A tokenizer that gives every Finnish word its Voikko lemma.

"Mikkelissä", "Mikkelistä" and "mikkeliin" all become the lemma "mikkeli", so the
word-level featurizer sees one feature where the whitespace tokenizer saw three.
Lemmas are folded (ä→a, ö→o) because phone users often leave the dots out; words
Voikko does not know (colloquial "mist", typos) keep their folded surface form and
are left to the character n-gram featurizer.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.nlu.training_data.message import Message

from knowledge_base.finnish import fold, lemma, words


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class VoikkoTokenizer(Tokenizer):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "intent_tokenization_flag": False,
            "intent_split_symbol": "_",
            "token_pattern": None,
            "prefix_separator_symbol": None,
        }

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "VoikkoTokenizer":
        return cls(config)

    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        text = message.get(attribute) or ""
        tokens = [
            Token(word, start, end, lemma=fold(lemma(word) or word))
            for word, start, end in words(text)
        ]
        if not tokens:
            tokens = [Token(text, 0, len(text), lemma=text)]
        return self._apply_token_pattern(tokens)
