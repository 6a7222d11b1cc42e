"""The safety patterns staff keep in knowledge/safety.yml: which messages must get 112 and the
fitting national line before anything else.

Patterns are matched against the folded message (lowercase, ä→a, ö→o); harmless phrases
listed under `ignore` are removed first. A category matches when one of its rules does: any
pattern of `any`, and, if the rule has `with`, also any pattern of `with`.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any, Dict, List, Pattern, Tuple

from knowledge_base.finnish import fold

Rule = Tuple[List[Pattern], List[Pattern]]


@dataclasses.dataclass(frozen=True)
class SafetyPatterns:
    ignore: List[Pattern]
    categories: List[Tuple[str, List[Rule]]]
    child_voice: List[Pattern] = dataclasses.field(default_factory=list)


def compile_patterns(data: Dict[str, Any]) -> SafetyPatterns:
    """The patterns of a validated safety.yml, compiled."""
    return SafetyPatterns(
        ignore=[re.compile(p) for p in data.get("ignore") or []],
        categories=[
            (
                name,
                [
                    (
                        [re.compile(p) for p in rule["any"]],
                        [re.compile(p) for p in rule.get("with") or []],
                    )
                    for rule in rules
                ],
            )
            for name, rules in data["categories"].items()
        ],
        child_voice=[re.compile(p) for p in data.get("child_voice") or []],
    )


def _folded(text: str, patterns: SafetyPatterns) -> str:
    folded = fold(text)
    for phrase in patterns.ignore:
        folded = phrase.sub(" ", folded)
    return folded


def written_by_child(text: str, patterns: SafetyPatterns) -> bool:
    """Whether the message reads as a child's or a teenager's (child_voice in safety.yml)."""
    folded = _folded(text, patterns)
    return any(p.search(folded) for p in patterns.child_voice)


def crisis_categories(text: str, patterns: SafetyPatterns) -> List[str]:
    """The categories whose rules match `text`, in the order safety.yml lists them."""
    folded = _folded(text, patterns)
    return [
        name
        for name, rules in patterns.categories
        if any(
            any(p.search(folded) for p in anyof)
            and (not withof or any(p.search(folded) for p in withof))
            for anyof, withof in rules
        )
    ]
