"""Checks that no user text of tests/data/answers/*.yml copies or paraphrases a training
example (data/) or a held-out question (tests/data/heldout.yml, tests/data/safety_phrasings.yml).

    python scripts/check_answer_leakage.py

A turn is flagged when, after folding (lowercase, ä→a, ö→o, punctuation and extra spaces
removed), it is within MAX_EDITS character edits (Levenshtein) of an example, or its TF-IDF
cosine (char_wb 2–4 + words) with an example is at least MAX_COSINE. Exits 1 when any turn
is flagged and prints the pairs.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import List, Tuple

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.tfidf_floor import fold, training_examples  # noqa: E402
from staff.answer_eval import load_cases  # noqa: E402

MAX_COSINE = 0.8
CANDIDATES = 25


def max_edits(text: str) -> int:
    """'A small edit distance': 2 edits, 3 for texts over 20 characters, 15 % over 40."""
    return 2 if len(text) <= 20 else (3 if len(text) <= 40 else int(len(text) * 0.15))


def clean(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s=]", " ", fold(text)).split())


def levenshtein(a: str, b: str) -> int:
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def reference_texts() -> List[Tuple[str, str]]:
    rows = [(text, f"data: {label}") for text, label in training_examples()]
    held = yaml.safe_load((ROOT / "tests/data/heldout.yml").read_text(encoding="utf-8"))
    rows += [(q["text"], "heldout.yml") for q in held["questions"]]
    safety = yaml.safe_load((ROOT / "tests/data/safety_phrasings.yml").read_text(encoding="utf-8"))
    rows += [(q["text"], "safety_phrasings.yml") for q in safety.get("crisis", []) if "text" in q]
    return rows


def main() -> int:
    from scipy.sparse import hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.preprocessing import normalize

    references = reference_texts()
    ref_clean = [clean(t) for t, _ in references]
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True)
    words = TfidfVectorizer(analyzer="word", token_pattern=r"(?u)\b\w+\b", sublinear_tf=True)
    matrix = normalize(
        hstack([chars.fit_transform(ref_clean), words.fit_transform(ref_clean)]).tocsr()
    )
    turns = [(case["id"], turn["user"]) for case in load_cases() for turn in case["turns"]]
    queries = normalize(
        hstack(
            [
                chars.transform([clean(t) for _, t in turns]),
                words.transform([clean(t) for _, t in turns]),
            ]
        ).tocsr()
    )
    scores = (queries @ matrix.T).toarray()
    flagged = []
    worst_cos, worst_edit = 0.0, 1.0
    for row, (case_id, text) in enumerate(turns):
        mine = clean(text)
        best = scores[row].argsort()[::-1][:CANDIDATES]
        cosine = float(scores[row][best[0]])
        worst_cos = max(worst_cos, cosine)
        edits = min((levenshtein(mine, ref_clean[i]), i) for i in best)
        worst_edit = min(worst_edit, edits[0] / max(len(mine), 1))
        if cosine >= MAX_COSINE:
            flagged.append(
                (
                    case_id,
                    text,
                    references[best[0]][0],
                    references[best[0]][1],
                    f"kosini {cosine:.2f}",
                )
            )
        elif edits[0] <= max_edits(mine):
            flagged.append(
                (
                    case_id,
                    text,
                    references[edits[1]][0],
                    references[edits[1]][1],
                    f"{edits[0]} muutosta",
                )
            )
    print(
        f"Tarkistettu {len(turns)} käyttäjän vuoroa "
        f"{len(references)} opetus- ja testiesimerkkiä vasten."
    )
    print(
        f"Suurin TF-IDF-kosini {worst_cos:.3f} (raja {MAX_COSINE}); "
        f"pienin suhteellinen muokkausetäisyys {worst_edit:.2f}."
    )
    for case_id, text, ref, source, why in flagged:
        print(f"- {case_id}: {text!r} ~ {ref!r} ({source}; {why})")
    print("Ei vuotoa." if not flagged else f"{len(flagged)} vuoroa liian lähellä.")
    return 1 if flagged else 0


if __name__ == "__main__":
    sys.exit(main())
