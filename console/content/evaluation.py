"""Which topics were weak in the latest evaluations, for the topic list: the held-out
evaluation of `make eval` (results/eval/report.json, or the table of results/eval/index.html
that older runs wrote) and the answer-level evaluation of `make eval-answers`
(results/answers/report.json). Both are of the trained model, so they are read from the live
project, not from the one the editors change. Nothing here runs an evaluation.

The third source is the families themselves: the answers rated *Auttoi* / *Ei auttanut* in the
last RATINGS_DAYS days (bot/feedback.py, in the conversation store). A topic with at least
RATINGS_MIN ratings is weak when fewer than RATINGS_REQUIRED of them said it helped."""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import json
import re
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import sqlalchemy as sa

from bot import feedback
from staff import connection
from staff.evaluation import REQUIRED_ACCURACY as HELD_OUT_REQUIRED
from staff.evaluation import percent
from staff.inbox import store_url
from staff.project import Project

EVAL_DIR = Path("results") / "eval"
ANSWERS_REPORT = Path("results") / "answers" / "report.json"
ANSWERS_REQUIRED = 0.95  # staff.answer_eval.REQUIRED_ACCURACY (that module starts Rasa)
RATINGS_DAYS = 30
RATINGS_MIN = 3  # fewer ratings say little of an answer
RATINGS_REQUIRED = 2 / 3

# A row of the per-topic table staff.eval_report.render writes, and when the page was made.
_HTML_ROW = re.compile(r'<tr class="[^"]*"><td>([^<]+)</td><td class="num">(\d+) / (\d+)</td>')
_HTML_MADE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4}) (\d{1,2}):(\d{2})")


@dataclasses.dataclass(frozen=True)
class Measurement:
    """One evaluation: when it ran, and per topic (right, asked)."""

    when: dt.datetime
    required: float
    per_topic: Dict[str, Tuple[int, int]]
    counted: str = "oikein"  # what `ok` counts, as the figure says it

    def weak(self, topic: str) -> Optional[str]:
        """'oikein 4 / 6 (66,7 %)' when the topic was below the requirement, else None."""
        ok, n = self.per_topic.get(topic, (0, 0))
        if not n or ok / n >= self.required:
            return None
        return f"{self.counted} {ok} / {n} ({percent(ok / n)})"

    @property
    def weak_count(self) -> int:
        return sum(1 for topic in self.per_topic if self.weak(topic))


@dataclasses.dataclass(frozen=True)
class Evaluations:
    held_out: Optional[Measurement]  # make eval: is the question given the right topic
    answers: Optional[Measurement]  # make eval-answers: does the reply hold the facts
    ratings: Optional[Measurement] = None  # families: did the answer help (RATINGS_MIN or more)

    @property
    def any(self) -> bool:
        return any(m is not None for m in (self.held_out, self.answers, self.ratings))

    def for_topic(self, topic: str) -> List[Tuple[str, str]]:
        """(which evaluation, figure) for each evaluation in which the topic was weak."""
        found = []
        if self.held_out and (figure := self.held_out.weak(topic)):
            found.append(("make eval", figure))
        if self.answers and (figure := self.answers.weak(topic)):
            found.append(("make eval-answers", figure))
        if self.ratings and (figure := self.ratings.weak(topic)):
            found.append(("perheiden arviot", figure))
        return found


def latest(project: Project) -> Evaluations:
    return Evaluations(_held_out(project.root), _answers(project.root), _ratings())


def _ratings(now: Optional[float] = None) -> Optional[Measurement]:
    """The families' ratings of the last RATINGS_DAYS days per topic; None when the
    conversation store cannot be read (a SQLite file that does not exist is not made)."""
    db = connection.tracker_db()
    if "://" not in db and not Path(db).is_file():
        return None
    now = dt.datetime.now().timestamp() if now is None else now
    engine = sa.create_engine(store_url(db))
    try:
        with engine.connect() as store:
            counts = feedback.topic_ratings(store, now - RATINGS_DAYS * 24 * 3600)
    except sa.exc.SQLAlchemyError:
        return None
    finally:
        engine.dispose()
    return Measurement(
        dt.datetime.fromtimestamp(now),
        RATINGS_REQUIRED,
        {topic: (ok, n) for topic, (ok, n) in counts.items() if n >= RATINGS_MIN},
        counted="auttoi",
    )


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
