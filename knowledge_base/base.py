"""The knowledge base in memory: regions, municipalities, contacts, projects, places and the
safety patterns, with the look-ups and the recognition of names in free text that the NLU
components and the actions share. `loading` builds it from the files staff edit."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from typing import Dict, Iterable, List, Optional, Tuple

from knowledge_base.finnish import analyses, fold, words
from knowledge_base.names import NameEntry, NameMatcher, Place, PlaceName, PlaceRecognizer
from knowledge_base.safety import SafetyPatterns

# Role titles a question may name. Generic words ("yhteyshenkilö", "yhteystiedot", "joku")
# are not roles: "kuka siellä on yhteyshenkilö" asks for the contacts of a place.
ROLE_WORDS = (
    "muutosagentti",
    "koordinaattori",
    "hankepäällikkö",
    "projektityöntekijä",
    "hanketyöntekijä",
    "puheenjohtaja",
    "johtaja",
)
# Trailing words of project names that users inflect: "Turvassa-hankkeeseen", "Toivo-ryhmään".
_GENERIC_TAILS = {"hanke": "hank", "ryhma": "ryhm"}
_MIN_FIELD_PREFIX = 6
# Words of a field that say nothing on their own: "lasten kanssa" is no field of anyone's.
_FIELD_STOP_WORDS = {"lapsi", "nuori", "perhe", "palvelu", "taso", "muutos", "oikeus", "tuki"}
ROLE_ALIASES = {"pj": "puheenjohtaja", "koordinaattoori": "koordinaattori"}


@dataclasses.dataclass(frozen=True)
class Period:
    start: dt.date
    until: dt.date

    @property
    def years(self) -> str:
        """ "2019" or "2019–2021", the way the answers name a period."""
        if self.start.year == self.until.year:
            return str(self.start.year)
        return f"{self.start.year}–{self.until.year}"

    def ended(self, today: Optional[dt.date] = None) -> bool:
        return self.until < (today or dt.date.today())


@dataclasses.dataclass(frozen=True)
class Region:
    id: str
    name: str
    in_form: str
    covered: bool
    municipalities: Tuple[str, ...]
    often_meant: Optional[str] = None  # a covered region people may mean by this name


@dataclasses.dataclass(frozen=True)
class Municipality:
    name: str
    in_form: str
    region: str
    ambiguous: bool = False


@dataclasses.dataclass(frozen=True)
class Project:
    id: str
    name: str
    aliases: Tuple[str, ...]
    organisation: str
    region: str
    period: Period
    source: str
    organisation_aliases: Tuple[str, ...] = ()  # how users name the organisation: "Viola"
    checked: Optional[dt.date] = None  # when someone last checked it; None: never


@dataclasses.dataclass(frozen=True)
class Contact:
    id: str
    name: str
    role: str
    organisation: str
    region: str
    project: str
    phones: Tuple[str, ...]
    email: Optional[str]
    primary: bool
    source: str
    valid: Period
    checked: Optional[dt.date]  # when someone last checked it; None: never
    fields: Tuple[str, ...] = ()  # fields of responsibility: "varhaiskasvatus", "koulu"


@dataclasses.dataclass(frozen=True)
class LocalPlace:
    id: str
    name: str
    kind: str
    municipality: str
    note: Optional[str]
    source: str
    valid: Period
    checked: Optional[dt.date]  # when someone last checked it; None: never


def _squash(text: str) -> str:
    """Folded text without spaces, hyphens or punctuation, for matching multi-word names."""
    return re.sub(r"[\W_]+", "", fold(text))


_MIN_FUZZY_NAME = 8


def _word_starts(text: str) -> List[str]:
    """The squashed text from each word on, three words at most: where a name may begin."""
    tokens = [_squash(word) for word, _start, _end in words(text)]
    return ["".join(tokens[i : i + 3]) for i in range(len(tokens))]


def _near_prefix(start: str, pattern: str) -> bool:
    """Whether `start` begins with `pattern` but for one typo (the first two letters right)."""
    if start[:2] != pattern[:2]:
        return False
    return any(
        _one_edit(start[:n], pattern) for n in (len(pattern) - 1, len(pattern), len(pattern) + 1)
    )


def _one_edit(a: str, b: str) -> bool:
    if a == b:
        return True
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    if abs(len(a) - len(b)) != 1:
        return False
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


def _name_pattern(name: str) -> str:
    """A project's or organisation's name as matched in squashed text, its generic tail cut to
    the stem so that every case form matches: "turvassahank" for "Turvassa-hanke"."""
    squashed = _squash(name)
    for tail, stem in _GENERIC_TAILS.items():
        if squashed.endswith(tail) and len(squashed) > len(tail):
            return squashed[: -len(tail)] + stem
    return squashed


def _lemmas(text: str) -> List[str]:
    """Each word's Voikko baseforms (folded), or the folded word when Voikko does not know it."""
    found = []
    for word, _start, _end in words(text):
        bases = [fold(base) for base, _class in analyses(word)]
        found += bases or [fold(word)]
    return found


def _same_field(asked: str, field: str) -> bool:
    """A word of the question names a field: the same lemma, or one a compound of the other
    ("perhekeskus" and "perhekeskustoimintamalli")."""
    if asked == field:
        return True
    shorter, longer = sorted((asked, field), key=len)
    return len(shorter) >= _MIN_FIELD_PREFIX and longer.startswith(shorter)


def _surname_stems(surname: str) -> Tuple[str, ...]:
    folded = fold(surname)
    if folded.endswith("nen"):
        return (folded, folded[:-3] + "se", folded[:-3] + "s")
    return (folded,)


class KnowledgeBase:
    def __init__(
        self,
        regions: List[Region],
        municipalities: Dict[str, Municipality],
        contacts: List[Contact],
        projects: Dict[str, Project],
        places: List[LocalPlace],
        safety: Optional[SafetyPatterns] = None,
        local_help: Optional[Dict[str, str]] = None,
        version: str = "",
    ):
        self.version = version  # changes with any byte of the files it was loaded from
        self.safety = safety or SafetyPatterns([], [])
        self.local_help = dict(local_help or {})  # crisis category -> project id
        self.regions = {region.id: region for region in regions}
        self.municipalities = municipalities
        self.contacts = contacts
        self.projects = projects
        self.places = places
        self._region_by_name = {region.name: region for region in regions}
        self.places_recognizer = PlaceRecognizer(
            [PlaceName(m.name, m.in_form, m.ambiguous) for m in municipalities.values()],
            [PlaceName(r.name, r.in_form) for r in regions],
        )
        surnames: Dict[str, List[str]] = {}
        for contact in contacts:
            surnames.setdefault(contact.name.split()[-1], []).append(contact.id)
        self._surnames = surnames
        self._surname_matcher = NameMatcher(
            NameEntry(surname, _surname_stems(surname), self._is_common_word(surname))
            for surname in surnames
        )
        self._project_patterns = {
            p.id: {_name_pattern(name) for name in p.aliases + (p.name,)} for p in projects.values()
        }
        self._organisation_patterns = {
            p.id: {_name_pattern(name) for name in p.organisation_aliases}
            for p in projects.values()
        }
        self._field_lemmas = {
            c.id: [
                lemma
                for field in c.fields
                for lemma in _lemmas(field)
                if lemma not in _FIELD_STOP_WORDS
            ]
            for c in contacts
        }

    # -- look-ups ---------------------------------------------------------------------

    def region_of(self, municipality: str) -> Region:
        return self.regions[self.municipalities[municipality].region]

    def region_named(self, name: str) -> Optional[Region]:
        return self._region_by_name.get(name)

    def primary_contacts(self, region_id: str) -> List[Contact]:
        return [c for c in self.contacts if c.region == region_id and c.primary]

    def project_contacts(self, project_id: str) -> List[Contact]:
        return [c for c in self.contacts if c.project == project_id]

    def places_in(self, municipality: str, kinds: Iterable[str] = ()) -> List[LocalPlace]:
        kinds = tuple(kinds)
        return [
            p
            for p in self.places
            if p.municipality == municipality and (not kinds or p.kind in kinds)
        ]

    # -- recognition in free text -------------------------------------------------------

    def find_places(self, text: str) -> Tuple[Place, ...]:
        return self.places_recognizer.find(text)

    def find_people(self, text: str) -> List[Contact]:
        """Contacts named in the text by surname (any case form) or full name."""
        tokens = words(text)
        found: List[str] = []
        for index, (word, _start, _end) in enumerate(tokens):
            previous = fold(tokens[index - 1][0]) if index else ""
            surname = self._surname_matcher.match(word)
            if not surname:
                # a surname that is also a common word ("noora aarnion") counts after a first name
                surname = self._surname_matcher.match(word, any_case=True)
                first_names = {
                    fold(self.contact(i).name.split()[0])
                    for i in self._surnames.get(surname or "", ())
                }
                if not surname or previous not in first_names:
                    continue
            ids = self._surnames[surname]
            with_first_name = [
                i
                for i in ids
                if fold(self.contact(i).name.split()[0]) == previous
                or fold(self.contact(i).name.split()[0]).startswith(previous + "-")
            ]
            if with_first_name:
                ids = with_first_name
            for contact_id in ids:
                if contact_id not in found:
                    found.append(contact_id)
        return [self.contact(i) for i in found]

    def find_projects(self, text: str) -> List[Project]:
        """Projects named in the text by name or alias, in any case form; with one typo
        ("turvasa hankeen") when no name is found as written."""
        squashed = _squash(text)
        found = [
            self.projects[i]
            for i, patterns in self._project_patterns.items()
            if any(pattern in squashed for pattern in patterns)
        ]
        if found:
            return found
        starts = _word_starts(text)
        return [
            self.projects[i]
            for i, patterns in self._project_patterns.items()
            if any(
                _near_prefix(start, pattern)
                for pattern in patterns
                if len(pattern) >= _MIN_FUZZY_NAME
                for start in starts
            )
        ]

    def find_organisations(self, text: str) -> List[Project]:
        """Projects whose organisation the text names ("Viola ry:hyn", "essotelta")."""
        squashed = _squash(text)
        return [
            self.projects[i]
            for i, patterns in self._organisation_patterns.items()
            if any(pattern in squashed for pattern in patterns)
        ]

    def contacts_by_field(self, text: str, region_id: Optional[str] = None) -> List[Contact]:
        """People whose field of responsibility the text names ("varhaiskasvatuksen asiat"),
        in the region when one is given. Without a region, only when they are all of one
        region: a field alone does not say whose region is meant."""
        asked = set(_lemmas(text))
        found = [
            c
            for c in self.contacts
            if (region_id is None or c.region == region_id)
            and any(_same_field(a, f) for a in asked for f in self._field_lemmas[c.id])
        ]
        if region_id is None and len({c.region for c in found}) > 1:
            return []
        return found

    def find_roles(self, text: str) -> List[str]:
        """Role words in the text in base form, the most specific first
        ("perhekeskuskoordinaattori")."""
        roles = []
        for word, _start, _end in words(text):
            candidates = [fold(b) for b, _c in analyses(word)] + [fold(word)]
            for candidate in candidates:
                candidate = ROLE_ALIASES.get(candidate, candidate)
                if any(candidate.endswith(fold(r)) for r in ROLE_WORDS):
                    roles.append(candidate)
                    break
        return roles

    def contacts_with_role(self, role: str, region_id: Optional[str] = None) -> List[Contact]:
        role = fold(role)
        pool = [c for c in self.contacts if region_id is None or c.region == region_id]
        exact = [c for c in pool if role in fold(c.role)]
        if exact:
            return exact
        generic = [fold(r) for r in ROLE_WORDS if role.endswith(fold(r))]
        return [c for c in pool if any(g in fold(c.role) for g in generic)]

    def contact(self, contact_id: str) -> Contact:
        return next(c for c in self.contacts if c.id == contact_id)

    def known_contacts(self, contact_ids: Iterable[str]) -> List[Contact]:
        """The contacts with these ids, in that order; ids this version no longer has are
        left out (the NLU may have recognised a person just before a staff change)."""
        by_id = {c.id: c for c in self.contacts}
        return [by_id[i] for i in contact_ids if i in by_id]

    @staticmethod
    def _is_common_word(name: str) -> bool:
        return any(cls in ("nimisana", "laatusana", "teonsana") for _b, cls in analyses(name))
