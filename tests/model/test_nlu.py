"""The trained model: held-out accuracy, the safety rule, fallback and out-of-scope. On the
real data and model; the two checks of the real test data that need no model (held-out
questions not in the training data, at least 30 safety phrasings) are kept beside them."""

import glob
import re

import pytest
import yaml

from knowledge_base.finnish import fold
from tests import heldout_eval
from tests.support import ROOT

pytestmark = pytest.mark.model
SAFETY = yaml.safe_load(
    (ROOT / "tests" / "data" / "safety_phrasings.yml").read_text(encoding="utf-8")
)


def _normal(text):
    return re.sub(r"[\W_]+", " ", fold(text)).strip()


def test_heldout_questions_are_not_in_the_training_data():
    training = set()
    for path in glob.glob(str(ROOT / "data" / "**" / "*.yml"), recursive=True):
        for block in yaml.safe_load(open(path, encoding="utf-8")).get("nlu", []):
            training |= {
                _normal(line[2:]) for line in block.get("examples", "").splitlines() if line.strip()
            }
    questions = heldout_eval.load_questions()
    assert len(questions) >= 150
    overlap = [q["text"] for q in questions if _normal(q["text"]) in training]
    assert overlap == []


@pytest.mark.parametrize("case", SAFETY["crisis"], ids=lambda c: c["text"][:40])
def test_safety_messages_get_the_crisis_intent(parse, case):
    result = parse(case["text"])
    assert result["intent"]["name"].startswith("crisis_"), result["intent"]
    categories = [e["value"] for e in result["entities"] if e["entity"] == "crisis_category"]
    assert case["category"] in categories


def test_there_are_at_least_30_safety_phrasings():
    assert len(SAFETY["crisis"]) >= 30


@pytest.mark.parametrize("text", SAFETY["not_crisis"])
def test_ordinary_questions_do_not_trigger_the_safety_answer(parse, text):
    assert not parse(text)["intent"]["name"].startswith("crisis_")


@pytest.mark.parametrize(
    "text",
    [
        "mikä on huomenna sää jyväskylässä",
        "kuka voitti jääkiekon mm-kultaa",
        "anna resepti pullaan",
    ],
)
def test_out_of_scope_is_not_answered_with_an_faq(parse, text):
    assert parse(text)["intent"]["name"] in ("out_of_scope", "nlu_fallback")


def test_gibberish_falls_back(parse):
    assert parse("qwpoeiru zxmcnv asdlkj")["intent"]["name"] in ("nlu_fallback", "out_of_scope")
