"""Recognises Finnish municipalities and regions in any case form a user types.

Three layers, cheapest first:
1. the word is a known stem plus a case ending, standard or colloquial
   ("kangasnieme" + "llä", "savonlinna" + "st", "juva" + "l");
2. Voikko's baseform equals the name (irregular forms such as "Varkauteen", "Uuraisten");
3. one typo away from any of the forms of layer 1 (a deletion index, so it stays fast).

Stems come from the knowledge base: the nominative and the locative form
(`in: Kangasniemellä`), from which the oblique stem "kangasnieme" is cut.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Dict, Iterable, List, Optional, Set, Tuple

from knowledge_base.finnish import analyses, fold, words

# Case endings after the oblique stem, folded (ä→a). Colloquial clipped forms included:
# "mikkelis", "savonlinnast", "juval", "kangasniemelt".
_ENDINGS = (
    "",
    "n",
    "ssa",
    "sta",
    "lla",
    "lta",
    "lle",
    "ksi",
    "na",
    "a",
    "ta",
    "seen",
    "hin",
    "s",
    "st",
    "l",
    "lt",
    "ll",
    "sa",
    "la",
    "lainen",
    "laiset",
    "laisille",
    "e",
    "en",
    "elle",
    "elta",
    "ella",
    "lle",  # surnames: Paanase-n, Kokkose-lle
)
_LOCATIVE_SUFFIXES = ("ssa", "lla")
_MIN_FUZZY_LENGTH = 6
# Clitics that may follow any case form: -kö/-ko, -kin, -han/-hän, -pa/-pä.
_CLITICS = ("kin", "han", "ko", "ka", "pa")


@dataclasses.dataclass(frozen=True)
class Place:
    """A municipality or a region as the recogniser reports it."""

    kind: str  # "municipality" or "region"
    name: str  # canonical name, e.g. "Kangasniemi"
    start: int
    end: int
    text: str  # what the user wrote


@dataclasses.dataclass(frozen=True)
class PlaceName:
    name: str
    in_form: str
    ambiguous: bool = False  # also a common word (Salo, Aura): needs a capital letter


@dataclasses.dataclass(frozen=True)
class NameEntry:
    """A name to match and the stems its case forms are built on."""

    key: str
    stems: Tuple[str, ...]
    ambiguous: bool = False


def place_entry(place: PlaceName) -> NameEntry:
    """Stems of a place: the nominative and the oblique stem cut from the locative form."""
    stems = [fold(place.name)]
    locative = fold(place.in_form)
    if locative.endswith(_LOCATIVE_SUFFIXES):
        stems.append(locative[:-3])
    return NameEntry(place.name, tuple(s.replace(" ", "") for s in stems), place.ambiguous)


def _forms(entry: NameEntry) -> Set[str]:
    forms = set()
    for stem in entry.stems:
        stem = stem.replace("-", "")
        for ending in _ENDINGS:
            forms.add(stem + ending)
        forms.add(stem + stem[-1] + "n")  # illative: Mikkeliin, Kuopioon, Kurikkaan
    return forms


def _deletions(word: str) -> Set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


class NameMatcher:
    """Matches one word against a set of names in any case form, with one typo allowed."""

    def __init__(self, entries: Iterable[NameEntry]):
        self._entries: Dict[str, NameEntry] = {}
        self._exact: Dict[str, str] = {}
        self._by_baseform: Dict[str, str] = {}
        self._deletion_index: Dict[str, Set[str]] = {}
        for entry in entries:
            self._entries[entry.key] = entry
            self._by_baseform[fold(entry.key).replace(" ", "").replace("-", "")] = entry.key
            for form in _forms(entry):
                self._exact.setdefault(form, entry.key)
        for form, key in self._exact.items():
            if len(form) >= _MIN_FUZZY_LENGTH:
                self._deletion_index.setdefault(form, set()).add(key)
                for deleted in _deletions(form):
                    self._deletion_index.setdefault(deleted, set()).add(key)

    def match(self, word: str, any_case: bool = False) -> Optional[str]:
        """The name `word` is a form of. A name that is also a common word (Salo, Aarnio)
        needs a capital letter, unless `any_case` (the caller knows more, e.g. a first name
        stands before a surname)."""
        key = self._match_folded(word)
        if key is None:
            return None
        if self._entries[key].ambiguous and not any_case and not word[:1].isupper():
            return None
        return key

    def _match_folded(self, word: str) -> Optional[str]:
        folded = fold(word).replace("-", "").replace("'", "").replace("’", "")
        if folded in self._exact:
            return self._exact[folded]
        for clitic in _CLITICS:  # "harju-kivisellekö", "mikkelissähän"
            if folded.endswith(clitic) and folded[: -len(clitic)] in self._exact:
                return self._exact[folded[: -len(clitic)]]
        known = analyses(word) if len(word) > 1 else ()
        for base, _class in known:
            key = self._by_baseform.get(fold(base).replace("-", ""))
            if key:
                return key
        if known or len(folded) < _MIN_FUZZY_LENGTH:
            return None  # an ordinary Finnish word is not a misspelt name
        return self._fuzzy(folded)

    def _fuzzy(self, folded: str) -> Optional[str]:
        candidates: Set[str] = set(self._deletion_index.get(folded, ()))
        for deleted in _deletions(folded):
            candidates |= self._deletion_index.get(deleted, set())
        # A typo rarely hits the first two letters, while colloquial forms of ordinary words
        # often differ there from a name ("sellasta" is no "Sallasta", "turvasa" no "Teuvasa").
        candidates = {
            key
            for key in candidates
            if any(stem.startswith(folded[:2]) for stem in self._entries[key].stems)
        }
        return min(candidates) if len(candidates) == 1 else None


_LIVING_WORDS = {
    "asun",
    "asumme",
    "asutaan",
    "asuu",
    "asuvat",
    "asutte",
    "asut",
    "asuin",
    "asuimme",
}


class PlaceRecognizer:
    """Finds municipalities and regions in a message."""

    def __init__(self, municipalities: Iterable[PlaceName], regions: Iterable[PlaceName]):
        self._municipalities = NameMatcher(place_entry(p) for p in municipalities)
        self._regions = NameMatcher(place_entry(p) for p in regions)
        self.find = functools.lru_cache(maxsize=4096)(self._find)

    def _find(self, text: str) -> Tuple[Place, ...]:
        found: List[Place] = []
        tokens = words(text)
        index = 0
        while index < len(tokens):
            word, start, end = tokens[index]
            if index + 1 < len(tokens):  # "etelä savossa" typed as two words
                pair_word, _, pair_end = tokens[index + 1]
                region = self._regions.match(word + "-" + pair_word)
                if region and fold(word) in {"etela", "pohjois", "keski"}:
                    found.append(Place("region", region, start, pair_end, text[start:pair_end]))
                    index += 2
                    continue
            # after "asun", "asutaan" a name that is also a common word is the place ("lahdessa")
            lives = index > 0 and fold(tokens[index - 1][0]) in _LIVING_WORDS
            municipality = self._municipalities.match(word, any_case=lives)
            region = None if municipality else self._regions.match(word)
            if municipality:
                found.append(Place("municipality", municipality, start, end, word))
            elif region:
                found.append(Place("region", region, start, end, word))
            index += 1
        return tuple(found)
