"""Masks personal data in what families wrote, before any of it is shown or kept by the staff
tools: henkilötunnus, e-mail addresses, phone numbers, street addresses and names.

The conversation store masks the first three already (bot/tracker_store.py); this is a second,
independent layer, and the only one for addresses and names. Names are found with Voikko
(its CLASS "etunimi"/"sukunimi"), helped by capitals; words the knowledge base uses for places,
projects and organisations are never masked. When in doubt a word is masked: a masked word
costs staff a little context, a missed name costs a family its privacy.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterable, List, Set, Tuple

import yaml

from bot import privacy
from knowledge_base.finnish import analyses, fold, words
from staff.messages import text

POSTCODE_AND_TOWN = re.compile(r"(?<!\w)\d{5}\s+[A-ZÅÄÖ][a-zåäö-]+")
HOUSE_NUMBER = re.compile(
    r"\s*\d{1,4}(?:\s?[a-zA-Z](?![a-zåäö]))?(?:\s?[a-zA-Z]?\s?\d{1,3})?(?::\w+)?"
)
# A street name is a compound ending in one of these, written with a capital or followed by a
# house number ("Kauppakadulla", "koivupolku 3"), so that "palvelupolku" stays readable.
STREET_ENDINGS = (
    "katu",
    "tie",
    "kuja",
    "polku",
    "raitti",
    "väylä",
    "kaari",
    "rinne",
    "aukio",
    "bulevardi",
    "puistikko",
    "tori",
)
STREET_FORMS = re.compile(
    r"^\w{3,}(?:katu|kadu\w*|katu\w*|tie|tien|tiel\w*|tiet\w*|kuja\w*|"
    r"polku\w*|polu\w*|raitti\w*|raiti\w*|vayla\w*|kaari|kaare\w*)$"
)
NAME_CLASSES = {"etunimi", "sukunimi"}
MAX_CASE_ENDING = 5  # letters after a public name's base form: "Essote" + "lta"
PLACE_CLASS = "paikannimi"
SENTENCE_END = re.compile(r"[.!?]\s*$")


def labels() -> dict:
    """Label per kind: identity codes, e-mail and phone numbers as the conversation store
    masks them (bot/privacy.yml), addresses and names from messages.yml."""
    return {**{kind: label for kind, _pattern, label in privacy.masks()}, **text("mask")}


def placeholder_pattern() -> re.Pattern:
    """Finds any mask label (this tool's or the conversation store's) in a text."""
    return re.compile("|".join(re.escape(label) for label in labels().values()))


def public_words(knowledge_dir: Path) -> Set[str]:
    """Folded words the knowledge base uses for places, projects and organisations."""

    def load(name: str) -> dict:
        path = knowledge_dir / name
        return (yaml.safe_load(path.read_text(encoding="utf-8")) or {}) if path.exists() else {}

    phrases: List[str] = []
    for region in load("municipalities.yml").get("regions", []):
        phrases += [region.get("name", ""), region.get("in", "")]
        for item in region.get("municipalities", []):
            phrases += [item.get("name", ""), item.get("in", ""), item.get("sv", "")]
    for project in load("projects.yml").get("projects", []):
        phrases += [project.get("name", ""), project.get("organisation", "")] + project.get(
            "aliases", []
        )
    phrases += [c.get("organisation", "") for c in load("contacts.yml").get("contacts", [])]
    return {fold(word) for phrase in phrases for word, _s, _e in words(str(phrase))}


class Masker:
    def __init__(self, public: Iterable[str] = ()):
        self.public = set(public)
        self.labels = labels()

    def mask(self, message: str) -> str:
        spans = self._pattern_spans(message)
        spans += self._word_spans(message, spans)
        for start, end, kind in sorted(spans, reverse=True):
            message = message[:start] + self.labels[kind] + message[end:]
        return message

    def has_personal_data(self, message: str) -> bool:
        return self.mask(message) != message or bool(placeholder_pattern().search(message))

    # -- patterns ---------------------------------------------------------------------

    @staticmethod
    def _pattern_spans(message: str) -> List[Tuple[int, int, str]]:
        spans: List[Tuple[int, int, str]] = []
        kinds = [(pattern, kind) for kind, pattern, _label in privacy.masks()]
        for pattern, kind in kinds + [(POSTCODE_AND_TOWN, "address")]:
            for match in pattern.finditer(message):
                if not _overlaps(match.start(), match.end(), spans):
                    spans.append((match.start(), match.end(), kind))
        return spans

    # -- words: street names and people's names -----------------------------------------

    def _word_spans(
        self, message: str, taken: List[Tuple[int, int, str]]
    ) -> List[Tuple[int, int, str]]:
        tokens = [t for t in words(message) if not _overlaps(t[1], t[2], taken)]
        spans: List[Tuple[int, int, str]] = []
        names = [False] * len(tokens)
        for index, (word, start, end) in enumerate(tokens):
            number = HOUSE_NUMBER.match(message, end)
            if self._is_street(word) and (word[:1].isupper() or number):
                spans.append((start, number.end() if number else end, "address"))
            else:
                names[index] = self._is_name(word, sentence_start=_starts_sentence(message, start))
        # a first name or surname next to a name found above is a name too ("matti virtanen")
        for index, (word, _start, _end) in enumerate(tokens):
            neighbours = names[index - 1 : index] + names[index + 1 : index + 2]
            if not names[index] and any(neighbours) and self._could_be_name(word):
                names[index] = True
        spans += [
            (start, end, "name")
            for (word, start, end), is_name in zip(tokens, names, strict=True)
            if is_name and not _overlaps(start, end, spans)
        ]
        return spans

    def _is_street(self, word: str) -> bool:
        if fold(word) in self.public:
            return False
        bases = [fold(base) for base, cls in analyses(word) if cls != PLACE_CLASS]
        if bases:
            return any(
                base.endswith(fold(e)) and len(base) > len(e) + 2
                for base in bases
                for e in STREET_ENDINGS
            )
        return bool(STREET_FORMS.match(fold(word)))

    def _is_name(self, word: str, sentence_start: bool) -> bool:
        if self._public(word) or word.isupper() or any(c.isdigit() for c in word):
            return False
        found = analyses(word)
        classes = {cls for _base, cls in found}
        capitalised = word[:1].isupper()
        if not found:  # unknown to Voikko: a capitalised word inside a sentence is taken as a name
            return capitalised and not sentence_start
        if not classes & NAME_CLASSES:
            return False
        if classes <= NAME_CLASSES:
            return True
        return capitalised and not sentence_start and PLACE_CLASS not in classes

    def _could_be_name(self, word: str) -> bool:
        if self._public(word):
            return False
        found = analyses(word)
        return any(cls in NAME_CLASSES for _b, cls in found) or (not found and word[:1].isupper())

    def _public(self, word: str) -> bool:
        folded = fold(word)
        found = analyses(word)
        if found:
            return folded in self.public or any(fold(base) in self.public for base, _c in found)
        # unknown to Voikko: a public name with a case ending ("Essotelta")
        return (
            any(
                folded.startswith(p) and len(folded) - len(p) <= MAX_CASE_ENDING
                for p in self.public
                if len(p) >= 4
            )
            or folded in self.public
        )


def _overlaps(start: int, end: int, spans: Iterable[Tuple[int, int, str]]) -> bool:
    return any(start < other_end and other_start < end for other_start, other_end, _k in spans)


def _starts_sentence(message: str, position: int) -> bool:
    before = message[:position]
    return not before.strip() or bool(SENTENCE_END.search(before))
