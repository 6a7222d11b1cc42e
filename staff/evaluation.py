"""Held-out evaluation: the share of the questions in tests/data/heldout.yml that the model
answers under the right topic, per topic and overall, and the questions it got wrong.

    python -m staff eval       (what `make eval` does; fails below REQUIRED_ACCURACY)

A question counts as correct when the bot would answer it with the expected FAQ topic (or,
for `out_of_scope`, with the out-of-scope reply). The questions are not in data/.
"""

from __future__ import annotations

import asyncio
import collections
import dataclasses
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

import yaml

from staff.messages import say
from staff.project import Project

REQUIRED_ACCURACY = 0.90

# Some topics are also answered, correctly, by a knowledge-base look-up: "kuka on
# Keski-Suomen hankepäällikkö" gets Raija Harju-Kivinen from action_find_contact. Such a
# prediction counts only when the entities found point at the topic's own project,
# region or role, i.e. when the look-up answers about the thing that was asked.
LOOKUP_ANSWERS = {
    "kohtaamispaikat": ("ask_meeting_place", "municipality", None),
    "kuka_huomaa_mut": ("ask_contact", "project", "kuka-huomaa-mut"),
    "turvassa": ("ask_contact", "project", "turvassa"),
    "toivo_ryhma": ("ask_contact", "project", "turvassa"),
    "arki_haltuun": ("ask_contact", "project", "arki-haltuun"),
    "nuorten_osallisuus": ("ask_contact", "project", "emc2"),
    "erityislapsiperheet": ("ask_contact", "project", "selviytyjat"),
    "lape_etela_savo": ("ask_contact", "region", "Etelä-Savo"),
    "etela_pohjanmaa": ("ask_contact", "region", "Etelä-Pohjanmaa"),
    "keski_suomi": ("ask_contact", "region", "Keski-Suomi"),
    "pohjois_savo": ("ask_contact", "region", "Pohjois-Savo"),
    "muutosagentti": ("ask_contact", "role", "muutosagentti"),
}


# Topics whose answer also gives the facts of another topic, so that either answers a
# question of the other: the answer for an exhausted parent of a child with special needs
# names the Selviytyjät project of `erityislapsiperheet`; the answer for grandparents and
# other close people gives the child's right to keep them from `lapsen_oikeudet_erossa`.
EQUIVALENT_ANSWERS = {
    "erityislapsiperheet": {"tilanne_erityislapsi_uupumus"},
    "lapsen_oikeudet_erossa": {"laheiset_erossa"},
}


def load_questions(path: Optional[Path] = None) -> List[Dict[str, str]]:
    path = path or Project().heldout
    return yaml.safe_load(path.read_text(encoding="utf-8"))["questions"]


# Intents the NLU's guards make of one FAQ topic: components.guards.PersonRequestGuard turns
# the topic "ihminen" into request_person (answered by action_request_person).
TOPIC_INTENTS = {"request_person": "ihminen"}


def predicted_topic(parse: Dict[str, Any], expected: str) -> str:
    intent = (parse.get("intent") or {}).get("name")
    if intent in TOPIC_INTENTS:
        return TOPIC_INTENTS[intent]
    if intent == "faq":
        selectors = parse["response_selector"]
        # our pipeline names its selector "faq"; Rasa's default pipeline has one "default"
        selector = selectors.get("faq") or selectors["default"]
        topic = selector["response"]["intent_response_key"].split("/", 1)[1]
        return expected if topic in EQUIVALENT_ANSWERS.get(expected, ()) else topic
    lookup = LOOKUP_ANSWERS.get(expected)
    if lookup and intent == lookup[0]:
        _intent, entity, value = lookup
        if any(
            e["entity"] == entity and (value is None or e["value"] == value)
            for e in parse.get("entities", [])
        ):
            return expected
    return intent or "none"


@dataclasses.dataclass(frozen=True)
class Answer:
    text: str
    expected: str
    got: str

    @property
    def correct(self) -> bool:
        return self.expected == self.got


@dataclasses.dataclass
class Result:
    answers: List[Answer]

    @property
    def total(self) -> int:
        return len(self.answers)

    @property
    def correct(self) -> int:
        return sum(a.correct for a in self.answers)

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0

    @property
    def per_topic(self) -> Dict[str, Tuple[int, int]]:
        """topic -> (correct, total)"""
        counts: Dict[str, List[int]] = collections.defaultdict(lambda: [0, 0])
        for answer in self.answers:
            counts[answer.expected][0] += answer.correct
            counts[answer.expected][1] += 1
        return {topic: (ok, n) for topic, (ok, n) in sorted(counts.items())}

    @property
    def mistakes(self) -> List[Tuple[str, str, str]]:
        return [(a.text, a.expected, a.got) for a in self.answers if not a.correct]

    @property
    def passed(self) -> bool:
        return self.accuracy >= REQUIRED_ACCURACY

    def report(self) -> str:
        lines = [say("eval.table_header")]
        for topic, (ok, n) in self.per_topic.items():
            lines.append(f"{topic:28} {ok:3d} / {n:<3d} {percent(ok / n):>8}")
        lines.append(
            f"{say('eval.all'):28} {self.correct:3d} / {self.total:<3d} {percent(self.accuracy):>8}"
        )
        if self.mistakes:
            lines.append(say("eval.wrong_header"))
            lines += [
                say("eval.wrong_line", text=text, expected=exp, got=got)
                for text, exp, got in self.mistakes
            ]
        return "\n".join(lines)


def percent(share: float) -> str:
    """0.932 -> "93,2 %" (Finnish decimal comma)."""
    return f"{share * 100:.1f} %".replace(".", ",")


def evaluate(
    parse: Callable[[str], Dict[str, Any]], questions: Optional[List[Dict[str, str]]] = None
) -> Result:
    questions = questions if questions is not None else load_questions()
    return Result(
        [
            Answer(q["text"], q["topic"], predicted_topic(parse(q["text"]), q["topic"]))
            for q in questions
        ]
    )


def run(project: Project, model: Path, out_dir: Path) -> int:
    """Evaluates `model`, prints the table, writes the HTML report; 1 below the requirement."""
    from rasa.core.agent import load_agent

    from staff.eval_report import write_report

    print(say("eval.loading", model=project.relative(model)), flush=True)
    loop = asyncio.new_event_loop()
    try:
        agent = loop.run_until_complete(load_agent(model_path=str(model)))
        result = evaluate(
            lambda text: loop.run_until_complete(agent.parse_message(text)),
            load_questions(project.heldout),
        )
    finally:
        loop.close()
    print(result.report())
    page = write_report(result, out_dir, project.relative(model))
    print(say("eval.report_written", path=project.relative(page)))
    print(
        say(
            "eval.passed" if result.passed else "eval.failed",
            accuracy=percent(result.accuracy),
            required=percent(REQUIRED_ACCURACY),
        )
    )
    return 0 if result.passed else 1
