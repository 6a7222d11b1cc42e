"""Which topics were weak in the latest evaluations, for the topic list: the held-out
evaluation of `make eval` (results/eval/report.json, or the table of results/eval/index.html
that older runs wrote) and the answer-level evaluation of `make eval-answers`
(results/answers/report.json). Both are of the trained model, so they are read from the live
project, not from the one the editors change. Nothing here runs an evaluation."""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import json
import re
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from staff.evaluation import REQUIRED_ACCURACY as HELD_OUT_REQUIRED
from staff.evaluation import percent
from staff.project import Project

EVAL_DIR = Path("results") / "eval"
ANSWERS_REPORT = Path("results") / "answers" / "report.json"
ANSWERS_REQUIRED = 0.95  # staff.answer_eval.REQUIRED_ACCURACY (that module starts Rasa)

# A row of the per-topic table staff.eval_report.render writes, and when the page was made.
_HTML_ROW = re.compile(r'<tr class="[^"]*"><td>([^<]+)</td><td class="num">(\d+) / (\d+)</td>')
_HTML_MADE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4}) (\d{1,2}):(\d{2})")


@dataclasses.dataclass(frozen=True)
class Measurement:
    """One evaluation: when it ran, and per topic (right, asked)."""

    when: dt.datetime
    required: float
    per_topic: Dict[str, Tuple[int, int]]

    def weak(self, topic: str) -> Optional[str]:
        """'4 / 6 (66,7 %)' when the topic was below the requirement, else None."""
        ok, n = self.per_topic.get(topic, (0, 0))
        if not n or ok / n >= self.required:
            return None
        return f"{ok} / {n} ({percent(ok / n)})"

    @property
    def weak_count(self) -> int:
        return sum(1 for topic in self.per_topic if self.weak(topic))


@dataclasses.dataclass(frozen=True)
class Evaluations:
    held_out: Optional[Measurement]  # make eval: is the question given the right topic
    answers: Optional[Measurement]  # make eval-answers: does the reply hold the facts

    @property
    def any(self) -> bool:
        return self.held_out is not None or self.answers is not None

    def for_topic(self, topic: str) -> List[Tuple[str, str]]:
        """(which evaluation, figure) for each evaluation in which the topic was weak."""
        found = []
        if self.held_out and (figure := self.held_out.weak(topic)):
            found.append(("make eval", figure))
        if self.answers and (figure := self.answers.weak(topic)):
            found.append(("make eval-answers", figure))
        return found


def latest(project: Project) -> Evaluations:
    return Evaluations(_held_out(project.root), _answers(project.root))


def _held_out(root: Path) -> Optional[Measurement]:
    report, page = root / EVAL_DIR / "report.json", root / EVAL_DIR / "index.html"
    try:
        data = json.loads(report.read_text(encoding="utf-8"))
        return Measurement(
            dt.datetime.fromisoformat(data["aika"]),
            float(data.get("vaadittu", HELD_OUT_REQUIRED)),
            {
                str(topic): (int(f["oikein"]), int(f["kysymyksia"]))
                for topic, f in data["aiheittain"].items()
            },
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        pass
    try:
        text = page.read_text(encoding="utf-8")
    except OSError:
        return None
    rows = {html.unescape(t): (int(ok), int(n)) for t, ok, n in _HTML_ROW.findall(text)}
    if not rows:
        return None
    made = _HTML_MADE.search(text)
    when = (
        dt.datetime(int(made[3]), int(made[2]), int(made[1]), int(made[4]), int(made[5]))
        if made
        else dt.datetime.fromtimestamp(page.stat().st_mtime)
    )
    return Measurement(when, HELD_OUT_REQUIRED, rows)


def _answers(root: Path) -> Optional[Measurement]:
    """Per topic: the turns that expected the topic, and how many of them passed."""
    try:
        data = json.loads((root / ANSWERS_REPORT).read_text(encoding="utf-8"))
        counts: Dict[str, List[int]] = {}
        for case in data["tapaukset"]:
            for turn in case["vuorot"]:
                topic = (turn.get("odotettu") or {}).get("topic")
                if topic:
                    count = counts.setdefault(str(topic), [0, 0])
                    count[0] += not turn.get("ongelmat")
                    count[1] += 1
        return Measurement(
            dt.datetime.fromisoformat(data["aika"]),
            float(data.get("vaadittu", ANSWERS_REQUIRED)),
            {topic: (ok, n) for topic, (ok, n) in counts.items()},
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def rows(evaluations: Evaluations, topics: List[Any]) -> List[Tuple[Any, List[Tuple[str, str]]]]:
    """(topic, its weak figures) for the topic list."""
    return [(topic, evaluations.for_topic(topic.name)) for topic in topics]
