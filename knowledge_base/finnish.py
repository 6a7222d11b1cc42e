"""Finnish text helpers shared by the NLU components and the actions.

Users type on phones: lowercase, without ä/ö, with colloquial endings. Everything
that compares words therefore works on a *folded* form (lowercase, ä→a, ö→o, å→a)
and, where a word is known to Voikko, on its lemma.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import List, Optional, Tuple

WORD_RE = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*", re.UNICODE)
_FOLD_TABLE = str.maketrans({"ä": "a", "ö": "o", "å": "a", "é": "e", "ü": "u"})


def fold(text: str) -> str:
    """Lowercase and strip the Finnish diacritics that phone users often omit."""
    return unicodedata.normalize("NFC", text).lower().translate(_FOLD_TABLE)


def words(text: str) -> List[Tuple[str, int, int]]:
    """Words of ``text`` with their character offsets (hyphenated compounds kept whole)."""
    return [(m.group(0), m.start(), m.end()) for m in WORD_RE.finditer(text)]


@functools.lru_cache(maxsize=1)
def _voikko():
    """The Voikko analyser, or None where libvoikko or its Finnish dictionary is missing."""
    try:
        import libvoikko

        return libvoikko.Voikko("fi")
    except (ImportError, OSError) as error:  # pragma: no cover - depends on the machine
        raise RuntimeError(
            "Voikko is not available: install the Debian packages libvoikko1 and voikko-fi "
            "(`make setup` does this)."
        ) from error


@functools.lru_cache(maxsize=50_000)
def analyses(word: str) -> Tuple[Tuple[str, str], ...]:
    """Voikko's (baseform, class) pairs for one word; empty for unknown words."""
    result = []
    for analysis in _voikko().analyze(word):
        base = analysis.get("BASEFORM")
        if base:
            result.append((base, analysis.get("CLASS", "")))
    return tuple(result)


def lemma(word: str) -> Optional[str]:
    """The first Voikko baseform of ``word`` in lowercase, or None when Voikko does not know it."""
    found = analyses(word)
    return found[0][0].lower() if found else None


# Words that point back to what was just talked about: "mikä laki se on?", "kauanko se kesti".
REFERRING_WORDS = frozenset(
    fold(w)
    for w in (
        *("se", "sen", "sitä", "siitä", "siinä", "sillä", "siihen", "ne", "niitä", "niistä"),
        *("niiden", "niihin", "niille", "hänen", "hänelle", "häneen", "hänet", "heidän", "heiän"),
        *("heille", "heihin"),
    )
)


def refers_back(text: str) -> bool:
    """Whether the text points back to something said before with a pronoun."""
    return any(fold(word) in REFERRING_WORDS for word, _start, _end in words(text))
