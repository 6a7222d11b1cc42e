"""Intent and FAQ topic from two logistic regressions on the same sparse features.

This replaces Rasa's LogisticRegressionClassifier + ResponseSelector pair. The intent half
is Rasa's classifier (same estimator and settings, on presence features); the topic half
takes the place of the TensorFlow ResponseSelector and writes the same `response_selector`
output, so `utter_faq`, the guards and the actions read it unchanged. docs/nlu-pipeline.md gives the
measured accuracy and parse time of both designs.

The features of a message are built once per message and shared by both classifiers:
Rasa's own feature combination (scipy block matrices) cost more than the predictions.
"""

from __future__ import annotations

import logging
import warnings
from typing import Any, Dict, List, Optional, Text

import numpy as np
import rasa.shared.utils.io
import scipy.sparse
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.constants import (
    RESPONSE_SELECTOR_PREDICTION_KEY,
    RESPONSE_SELECTOR_PROPERTY_NAME,
    RESPONSE_SELECTOR_RANKING_KEY,
    RESPONSE_SELECTOR_RESPONSES_KEY,
    RESPONSE_SELECTOR_RETRIEVAL_INTENTS,
    RESPONSE_SELECTOR_UTTER_ACTION_KEY,
)
from rasa.nlu.featurizers.featurizer import Featurizer
from rasa.shared.nlu.constants import (
    FEATURE_TYPE_SENTENCE,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    INTENT_RESPONSE_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.linear_model import LogisticRegression

logger = logging.getLogger(__name__)

# Rasa's default recipe validator warns when response examples exist without its own
# ResponseSelector class; this component is the response selector here.
warnings.filterwarnings(
    "ignore",
    message="You have defined training data with examples for training a response selector",
)


def features(
    messages: List[Message], binary: bool = False, width: Optional[int] = None
) -> scipy.sparse.csr_matrix:
    """One row per message: its sentence-level text features, in pipeline order.

    A message without features (no token the featurizers could use) gets a row of zeros
    when `width` is given, so the classifiers' intercepts decide and the answer is a
    low-confidence guess that the fallback catches; without `width` it is an error.

    `binary` turns the counts of sparse features into presence (0/1). Messages are short,
    and with counts a repeated word outweighs the rest: the farewells "hei hei vaan" and
    "moi moi sitten" made a bare "hei" or "moi" look like a goodbye. With presence, the many
    greetings that contain "hei" decide (cross-validated accuracy is unchanged, see
    docs/nlu-pipeline.md).
    """
    rows = []
    for message in messages:
        blocks = [
            (f.features.sign() if binary else f.features)
            if f.is_sparse()
            else scipy.sparse.csr_matrix(f.features)
            for f in message.features
            if f.attribute == TEXT and f.type == FEATURE_TYPE_SENTENCE
        ]
        if blocks:
            rows.append(scipy.sparse.hstack(blocks, format="csr"))
        elif width is not None:
            rows.append(scipy.sparse.csr_matrix((1, width)))
        else:
            raise ValueError(
                f"No text features for {message.get(TEXT)!r}: LinearIntentClassifier "
                "needs a featurizer before it in the pipeline"
            )
    return scipy.sparse.vstack(rows, format="csr")


def _ranking(
    classifier: LogisticRegression, probabilities: np.ndarray, length: int, key: str
) -> List[Dict[str, Any]]:
    order = np.argsort(-probabilities, kind="stable")
    if length > 0:  # 0 means the whole ranking, as in Rasa's classifiers
        order = order[:length]
    return [
        {key: str(classifier.classes_[i]), PREDICTED_CONFIDENCE_KEY: float(probabilities[i])}
        for i in order
    ]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class LinearIntentClassifier(IntentClassifier, GraphComponent):
    """Sets `intent`, `intent_ranking` and, for the retrieval intent, `response_selector`."""

    @classmethod
    def required_components(cls) -> List[type]:
        return [Featurizer]

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "retrieval_intent": "faq",
            "binary": True,
            "max_iter": 300,
            "C": 1.0,
            "ranking_length": 10,
            "random_state": 42,
        }

    def __init__(
        self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource
    ) -> None:
        self.config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self.intents: Optional[LogisticRegression] = None
        self.topics: Optional[LogisticRegression] = None
        self.responses: Dict[Text, List[Dict[Text, Any]]] = {}
        self.retrieval_intents: List[Text] = []

    def _estimator(self) -> LogisticRegression:
        # The settings of Rasa's LogisticRegressionClassifier, written out so that a
        # scikit-learn upgrade cannot change them.
        return LogisticRegression(
            solver="lbfgs",
            C=self.config["C"],
            max_iter=self.config["max_iter"],
            tol=1e-4,
            class_weight="balanced",
            random_state=self.config["random_state"],
            fit_intercept=True,
        )

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "LinearIntentClassifier":
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        examples = [e for e in training_data.intent_examples if e.get(INTENT) and e.get(TEXT)]
        if not examples:
            logger.debug("No intent examples: LinearIntentClassifier is not trained.")
            return self._resource
        matrix = features(examples, self.config["binary"])
        self.intents = self._estimator().fit(matrix, [e.get(INTENT) for e in examples])

        retrieval = self.config["retrieval_intent"]
        rows = [
            i
            for i, e in enumerate(examples)
            if e.get(INTENT) == retrieval and e.get(INTENT_RESPONSE_KEY)
        ]
        topics = {examples[i].get(INTENT_RESPONSE_KEY) for i in rows}
        if len(topics) >= 2:
            self.topics = self._estimator().fit(
                matrix[rows], [examples[i].get(INTENT_RESPONSE_KEY) for i in rows]
            )
        elif rows:
            raise ValueError(f"The retrieval intent '{retrieval}' needs at least two topics.")
        self.responses = {
            key: value
            for key, value in training_data.responses.items()
            if key.startswith(f"utter_{retrieval}/")
        }
        self.retrieval_intents = sorted(training_data.retrieval_intents)
        self.persist()
        return self._resource

    def process(self, messages: List[Message]) -> List[Message]:
        if self.intents is None or not messages:
            return messages
        matrix = features(messages, self.config["binary"], self.intents.n_features_in_)
        intent_probabilities = self.intents.predict_proba(matrix)
        topic_probabilities = self.topics.predict_proba(matrix) if self.topics else None
        length = self.config["ranking_length"]
        for row, message in enumerate(messages):
            ranking = _ranking(self.intents, intent_probabilities[row], length, INTENT_NAME_KEY)
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
            if topic_probabilities is not None:
                self._select_response(message, topic_probabilities[row])
        return messages

    def _select_response(self, message: Message, probabilities: np.ndarray) -> None:
        ranking = _ranking(
            self.topics, probabilities, self.config["ranking_length"], INTENT_RESPONSE_KEY
        )
        best = ranking[0]
        utter_action = f"utter_{best[INTENT_RESPONSE_KEY]}"
        selector = message.get(RESPONSE_SELECTOR_PROPERTY_NAME) or {}
        selector[RESPONSE_SELECTOR_RETRIEVAL_INTENTS] = self.retrieval_intents
        selector[self.config["retrieval_intent"]] = {
            RESPONSE_SELECTOR_PREDICTION_KEY: {
                RESPONSE_SELECTOR_RESPONSES_KEY: self.responses.get(utter_action, []),
                PREDICTED_CONFIDENCE_KEY: best[PREDICTED_CONFIDENCE_KEY],
                INTENT_RESPONSE_KEY: best[INTENT_RESPONSE_KEY],
                RESPONSE_SELECTOR_UTTER_ACTION_KEY: utter_action,
            },
            RESPONSE_SELECTOR_RANKING_KEY: ranking,
        }
        message.set(RESPONSE_SELECTOR_PROPERTY_NAME, selector, add_to_output=True)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self.process(training_data.training_examples)
        return training_data

    def persist(self) -> None:
        import skops.io as sio

        with self._model_storage.write_to(self._resource) as directory:
            sio.dump(self.intents, directory / "intents.skops")
            if self.topics is not None:
                sio.dump(self.topics, directory / "topics.skops")
            rasa.shared.utils.io.dump_obj_as_json_to_file(
                directory / "responses.json",
                {"responses": self.responses, "retrieval_intents": self.retrieval_intents},
            )

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "LinearIntentClassifier":
        import skops.io as sio

        component = cls(config, model_storage, resource)
        try:
            with model_storage.read_from(resource) as directory:
                # skops refuses any type it does not trust; a LogisticRegression holds only
                # numpy arrays, so an untrusted type means the file is not ours.
                for name in ("intents", "topics"):
                    path = directory / f"{name}.skops"
                    if path.exists():
                        setattr(component, name, sio.load(path, trusted=[]))
                stored = rasa.shared.utils.io.read_json_file(directory / "responses.json")
        except ValueError:
            logger.debug("LinearIntentClassifier has no trained model in %s.", resource.name)
            return component
        component.responses = stored["responses"]
        component.retrieval_intents = stored["retrieval_intents"]
        return component
