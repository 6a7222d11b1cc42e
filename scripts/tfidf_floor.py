"""The floor for the answer-level evaluation: answer every turn with the response of the
nearest training example by TF-IDF, and score it with the same checker as the bot.

    python scripts/tfidf_floor.py          (what `make floor` does)

Fit on every example of data/ (FAQ topics, contact, safety and out-of-scope intents), folded
to lowercase with ä→a, ö→o, å→a; features: char_wb 2–4 n-grams + words. A turn's reply is the
nearest example's response: for faq/<topic> the topic's answer text from data/faq/<topic>.yml,
for any other intent the text of the utter_ response data/rules/ give that intent (an action
gives an empty reply). Each turn is answered alone, without the earlier turns.
Writes results/answers/floor.json and floor.md. Always exits 0: it is a reference, not a test.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from knowledge_base.finnish import fold  # noqa: E402
from staff import answer_eval  # noqa: E402  (the one checker)
from staff.sources import read_training_file  # noqa: E402


def training_examples(data_dir: Path = ROOT / "data") -> List[Tuple[str, str]]:
    """(text, label) for every example; label is faq/<topic> or the intent."""
    return [
        (example.text, block.intent)
        for path in sorted(data_dir.rglob("*.yml"))
        for block in read_training_file(path).blocks
        for example in block.examples
    ]


def responses(data_dir: Path = ROOT / "data", domain: Path = ROOT / "domain.yml") -> Dict[str, str]:
    """label -> reply text: FAQ answers, and the utter_ response each rule gives its intent."""
    texts = {
        name: variants[0].get("text", "")
        for name, variants in (
            yaml.safe_load(domain.read_text(encoding="utf-8"))["responses"]
        ).items()
    }
    out = {
        f"faq/{topic}": text for topic, text in answer_eval.faq_answers(data_dir / "faq").items()
    }
    for path in sorted((data_dir / "rules").glob("*.yml")):
        for rule in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("rules", []):
            steps = rule.get("steps", [])
            intents = [s["intent"] for s in steps if "intent" in s]
            actions = [s["action"] for s in steps if "action" in s]
            if len(intents) == 1 and actions and intents[0] != "faq":
                action = actions[0]
                out[intents[0]] = texts.get(action, "") if action.startswith("utter_") else ""
    return out


class Floor:
    def __init__(self) -> None:
        from scipy.sparse import hstack
        from sklearn.feature_extraction.text import TfidfVectorizer

        self._hstack = hstack
        rows = training_examples()
        self.labels = [label for _, label in rows]
        texts = [fold(text) for text, _ in rows]
        self.chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True)
        self.words = TfidfVectorizer(
            analyzer="word", token_pattern=r"(?u)\b\w+\b", sublinear_tf=True
        )
        self.matrix = self._features(texts, fit=True)
        self.replies = responses()

    def _features(self, texts: Sequence[str], fit: bool = False):
        from sklearn.preprocessing import normalize

        if fit:
            both = self._hstack([self.chars.fit_transform(texts), self.words.fit_transform(texts)])
        else:
            both = self._hstack([self.chars.transform(texts), self.words.transform(texts)])
        return normalize(both.tocsr())

    def label(self, text: str) -> str:
        scores = (self.matrix @ self._features([fold(text)]).T).toarray().ravel()
        return self.labels[int(scores.argmax())]

    def reply(self, text: str) -> List[str]:
        answer = self.replies.get(self.label(text), "")
        return [answer] if answer else []

    def converse(self, case_id: str, turns: Sequence[str]) -> List[List[str]]:
        return [self.reply(text) for text in turns]


def main() -> int:
    cases = answer_eval.load_cases()
    floor = Floor()
    label = "TF-IDF-lattia (lähin opetusesimerkki, char_wb 2–4 + sanat)"
    summary = answer_eval.evaluate(floor.converse, cases)
    print("\n".join(answer_eval.report_lines(summary, label)[:60]))
    for path in answer_eval.write_reports(summary, label, answer_eval.OUT_DIR, name="floor"):
        print(f"Raportti: {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
