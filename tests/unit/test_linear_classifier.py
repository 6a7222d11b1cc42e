"""components.linear_classifier: intents and FAQ topics on a small data set, without the bot."""

import numpy as np
import pytest
import scipy.sparse
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from components.linear_classifier import LinearIntentClassifier, features

EXAMPLES = {
    "faq/kahvila": [
        "mikä on erokahvila",
        "missä erokahvila on",
        "erokahvila kertokaa",
        "milloin erokahvila kokoontuu",
    ],
    "faq/seminaari": [
        "mikä on eroseminaari",
        "eroseminaari milloin",
        "kerro eroseminaarista",
        "eroseminaari kenelle",
    ],
    "ask_contact": [
        "kenelle soitan",
        "yhteystiedot kiitos",
        "puhelinnumero kenelle soitan",
        "anna yhteystiedot",
    ],
}
RESPONSES = {
    "utter_faq/kahvila": [{"text": "Erokahvila on vertaisryhmä."}],
    "utter_faq/seminaari": [{"text": "Eroseminaari on luentotilaisuus."}],
}


def _message(text, label=None):
    data = {"text": text}
    if label and "/" in label:
        data.update(intent=label.split("/")[0], intent_response_key=label)
    elif label:
        data["intent"] = label
    return Message(data=data)


@pytest.fixture
def storage(tmp_path):
    return LocalModelStorage(tmp_path)


@pytest.fixture
def pipeline(storage):
    context = ExecutionContext(GraphSchema({}), "test")
    tokenizer = WhitespaceTokenizer(WhitespaceTokenizer.get_default_config())
    words = CountVectorsFeaturizer.create(
        {**CountVectorsFeaturizer.get_default_config()}, storage, Resource("words"), context
    )
    chars = CountVectorsFeaturizer.create(
        {
            **CountVectorsFeaturizer.get_default_config(),
            "analyzer": "char_wb",
            "min_ngram": 2,
            "max_ngram": 4,
        },
        storage,
        Resource("chars"),
        context,
    )
    data = TrainingData(
        [_message(text, label) for label, texts in EXAMPLES.items() for text in texts],
        responses=RESPONSES,
    )
    for step in (tokenizer, words, chars):
        if hasattr(step, "train"):
            step.train(data)
        step.process_training_data(data)

    def featurise(texts):
        messages = [_message(text) for text in texts]
        tokenizer.process(messages)
        words.process(messages)
        chars.process(messages)
        return messages

    return data, featurise


def _train(storage, data, **config):
    context = ExecutionContext(GraphSchema({}), "test")
    classifier = LinearIntentClassifier.create(
        {**LinearIntentClassifier.get_default_config(), **config},
        storage,
        Resource("linear"),
        context,
    )
    classifier.train(data)
    return classifier


def test_features_join_the_sentence_features_of_every_featurizer_in_order():
    message = Message(data={"text": "x"})
    message.add_features(Features(scipy.sparse.coo_matrix([[1, 0]]), "sentence", "text", "a"))
    message.add_features(Features(scipy.sparse.coo_matrix([[5, 5, 5]]), "sequence", "text", "a"))
    message.add_features(Features(np.array([[0.5, 2.0]]), "sentence", "text", "b"))
    message.add_features(Features(scipy.sparse.coo_matrix([[7]]), "sentence", "intent", "c"))
    assert features([message]).toarray().tolist() == [[1, 0, 0.5, 2.0]]


def test_features_without_a_featurizer_is_a_clear_error():
    with pytest.raises(ValueError, match="featurizer"):
        features([Message(data={"text": "x"})])


def test_features_give_a_message_without_features_a_zero_row_of_the_trained_width():
    message = Message(data={"text": "x"})
    message.add_features(Features(scipy.sparse.coo_matrix([[2, 0, 1]]), "sentence", "text", "a"))
    rows = features([Message(data={"text": "?"}), message], binary=True, width=3)
    assert rows.toarray().tolist() == [[0, 0, 0], [1, 0, 1]]


def test_intent_and_topic_of_new_questions(storage, pipeline):
    data, featurise = pipeline
    classifier = _train(storage, data)
    cafe, seminar, contact = classifier.process(
        featurise(["erokahvila missä", "eroseminaarista kertokaa", "yhteystiedot kenelle soitan"])
    )

    assert cafe.get("intent")["name"] == "faq"
    selected = cafe.get("response_selector")["faq"]
    assert selected["response"]["intent_response_key"] == "faq/kahvila"
    assert selected["response"]["utter_action"] == "utter_faq/kahvila"
    assert selected["response"]["responses"] == RESPONSES["utter_faq/kahvila"]
    assert cafe.get("response_selector")["all_retrieval_intents"] == ["faq"]
    assert (
        seminar.get("response_selector")["faq"]["response"]["intent_response_key"]
        == "faq/seminaari"
    )
    assert contact.get("intent")["name"] == "ask_contact"


def test_rankings_are_probabilities_best_first(storage, pipeline):
    data, featurise = pipeline
    (message,) = _train(storage, data).process(featurise(["erokahvila"]))
    intents = message.get("intent_ranking")
    assert [r["name"] for r in intents][0] == message.get("intent")["name"]
    assert sum(r["confidence"] for r in intents) == pytest.approx(1.0)
    topics = message.get("response_selector")["faq"]["ranking"]
    confidences = [r["confidence"] for r in topics]
    assert confidences == sorted(confidences, reverse=True)
    assert {r["intent_response_key"] for r in topics} == {"faq/kahvila", "faq/seminaari"}
    assert message.get("response_selector")["faq"]["response"]["confidence"] == confidences[0]


def test_ranking_length_limits_the_intent_ranking(storage, pipeline):
    data, featurise = pipeline
    (message,) = _train(storage, data, ranking_length=1).process(featurise(["erokahvila"]))
    assert len(message.get("intent_ranking")) == 1
    assert len(message.get("response_selector")["faq"]["ranking"]) == 1
    (message,) = _train(storage, data, ranking_length=0).process(featurise(["erokahvila"]))
    assert len(message.get("intent_ranking")) == 2  # the whole ranking: faq and ask_contact


def test_a_loaded_model_predicts_what_the_trained_one_did(storage, pipeline):
    data, featurise = pipeline
    trained = _train(storage, data)
    context = ExecutionContext(GraphSchema({}), "test")
    loaded = LinearIntentClassifier.load(
        LinearIntentClassifier.get_default_config(), storage, Resource("linear"), context
    )
    texts = ["eroseminaari", "erokahvila milloin", "soitan kenelle"]
    first, second = trained.process(featurise(texts)), loaded.process(featurise(texts))
    for a, b in zip(first, second, strict=True):
        assert a.get("intent") == b.get("intent")
        assert a.get("response_selector") == b.get("response_selector")


def test_an_untrained_component_leaves_messages_alone(storage, pipeline):
    _, featurise = pipeline
    context = ExecutionContext(GraphSchema({}), "test")
    empty = LinearIntentClassifier.load(
        LinearIntentClassifier.get_default_config(), storage, Resource("never-trained"), context
    )
    (message,) = empty.process(featurise(["erokahvila"]))
    assert message.get("intent") is None and message.get("response_selector") is None


def test_a_retrieval_intent_with_one_topic_is_refused(storage, pipeline):
    _, featurise = pipeline
    data = TrainingData(
        [_message(t, "faq/kahvila") for t in EXAMPLES["faq/kahvila"]]
        + [_message(t, "ask_contact") for t in EXAMPLES["ask_contact"]],
        responses=RESPONSES,
    )
    for message in data.training_examples:
        message.features = featurise([message.get("text")])[0].features
    with pytest.raises(ValueError, match="two topics"):
        _train(storage, data)
