"""Answer-level evaluation: whole conversations through the REST channel, scored on the facts
in the bot's replies (issue 12).

    python -m staff.answer_eval                     starts the action and Rasa servers on free ports
    python -m staff.answer_eval --osoite URL        uses a bot that is already running
    python -m staff.answer_eval --tiedostot tests/data/answers/safety.yml

The cases are in tests/data/answers/*.yml. Each case is one conversation (a fresh sender);
every turn's reply is checked against its `expect`:

    all:   every string must appear in the reply
    any:   at least one must appear
    none:  none may appear
    first: every string must appear in the FIRST message of the reply (safety: 112 first)
    topic: the FAQ topic the turn should be answered with (for the topic-accuracy figure)

Matching is case-insensitive, Unicode-normalised (NFC, so a decomposed "ä" equals "ä") and
whitespace-normalised; spaces and hyphens between digits are ignored ("014 2660992" equals
"014 266 0992"), and a string that starts or ends with a digit must not be part of a longer
number ("112" does not match "1120"). Only message texts are checked, never button titles.

A case passes only when every turn passes. Writes results/answers/report.json and report.md;
exits with 1 below REQUIRED_ACCURACY.
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import datetime
import json
import re
import sys
import tempfile
import time
import unicodedata
import uuid
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple

import yaml

from staff.evaluation import percent

ROOT = Path(__file__).resolve().parent.parent
CASES_DIR = ROOT / "tests" / "data" / "answers"
FAQ_DIR = ROOT / "data" / "faq"
MODEL = ROOT / "models" / "perheneuvo.tar.gz"
OUT_DIR = ROOT / "results" / "answers"
REQUIRED_ACCURACY = 0.95
EXPECT_KEYS = ("all", "any", "none", "first", "topic")

# A reply is the list of message texts of one turn, in the order the bot sent them.
Reply = List[str]
# Sends one conversation (the user turns) and returns one reply per turn.
Converse = Callable[[str, Sequence[str]], List[Reply]]


# -- normalisation and the checker ---------------------------------------------------------------

_DIGIT_GAP = re.compile(r"(?<=\d)[\s\u00a0\u2009\u202f-]+(?=\d)")
_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Case-folded, NFC, one space between words, no spaces or hyphens inside numbers."""
    text = unicodedata.normalize("NFC", text or "").casefold()
    text = _SPACE.sub(" ", text).strip()
    return _DIGIT_GAP.sub("", text)


def contains(haystack: str, needle: str) -> bool:
    """`needle` in `haystack`, both already normalised; numbers only as whole numbers."""
    if not needle:
        return True
    start = r"(?<!\d)" if needle[0].isdigit() else ""
    end = r"(?!\d)" if needle[-1].isdigit() else ""
    return re.search(start + re.escape(needle) + end, haystack) is not None


@dataclasses.dataclass
class TurnCheck:
    user: str
    expect: Dict[str, Any]
    reply: Reply
    problems: List[str]
    topic_expected: Optional[str] = None
    topic_got: Optional[str] = None

    @property
    def passed(self) -> bool:
        return not self.problems


def check_turn(
    reply: Reply,
    expect: Dict[str, Any],
    answer_topic: Optional[Callable[[str], Optional[str]]] = None,
    user: str = "",
) -> TurnCheck:
    """Checks one reply against one `expect`. Problems are short Finnish sentences."""
    texts = [t for t in reply if t]
    whole = normalise("\n".join(texts))
    first = normalise(texts[0]) if texts else ""
    problems: List[str] = []
    missing = [s for s in expect.get("all", []) if not contains(whole, normalise(s))]
    if missing:
        problems.append("puuttui: " + ", ".join(missing))
    options = expect.get("any", [])
    if options and not any(contains(whole, normalise(s)) for s in options):
        problems.append("ei yhtäkään näistä: " + " | ".join(options))
    present = [s for s in expect.get("none", []) if contains(whole, normalise(s))]
    if present:
        problems.append("ei saisi olla: " + ", ".join(present))
    not_first = [s for s in expect.get("first", []) if not contains(first, normalise(s))]
    if not_first:
        problems.append("ei ensimmäisessä viestissä: " + ", ".join(not_first))
    if not texts and not problems:
        problems.append("ei vastausta")
    topic = expect.get("topic")
    got = answer_topic("\n".join(texts)) if (topic and answer_topic) else None
    return TurnCheck(user, expect, list(reply), problems, topic, got)


@dataclasses.dataclass
class CaseResult:
    case: Dict[str, Any]
    turns: List[TurnCheck]

    @property
    def passed(self) -> bool:
        return all(t.passed for t in self.turns)


def check_case(
    case: Dict[str, Any],
    replies: Sequence[Reply],
    answer_topic: Optional[Callable[[str], Optional[str]]] = None,
) -> CaseResult:
    """Checks every turn of a case; a missing reply counts as an empty one."""
    turns = case["turns"]
    checks = [
        check_turn(
            replies[i] if i < len(replies) else [],
            turn.get("expect") or {},
            answer_topic,
            turn["user"],
        )
        for i, turn in enumerate(turns)
    ]
    return CaseResult(case, checks)


# -- the cases -----------------------------------------------------------------------------------


class CaseError(ValueError):
    pass


def load_cases(paths: Optional[Iterable[Path]] = None) -> List[Dict[str, Any]]:
    """Every case of tests/data/answers/*.yml (or of `paths`), validated."""
    files = sorted(paths) if paths else sorted(CASES_DIR.glob("*.yml"))
    cases: List[Dict[str, Any]] = []
    seen = set()
    for path in files:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        for case in data.get("cases", []):
            where = f"{Path(path).name}: {case.get('id')}"
            for key in ("id", "category", "voice", "turns"):
                if not case.get(key):
                    raise CaseError(f"{where}: puuttuu {key}")
            if case["id"] in seen:
                raise CaseError(f"{where}: sama tunniste kahdesti")
            seen.add(case["id"])
            for turn in case["turns"]:
                if not isinstance(turn, dict) or not isinstance(turn.get("user"), str):
                    raise CaseError(f"{where}: vuorosta puuttuu user")
                expect = turn.get("expect") or {}
                unknown = set(expect) - set(EXPECT_KEYS)
                if unknown:
                    raise CaseError(f"{where}: tuntematon odotus {sorted(unknown)}")
                for key in ("all", "any", "none", "first"):
                    if not isinstance(expect.get(key, []), list):
                        raise CaseError(f"{where}: {key} ei ole lista")
            case["file"] = Path(path).name
            cases.append(case)
    return cases


def faq_answers(faq_dir: Path = FAQ_DIR) -> Dict[str, str]:
    """topic -> its answer text, from data/faq/<topic>.yml."""
    answers = {}
    for path in sorted(faq_dir.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for name, variants in (data.get("responses") or {}).items():
            if name.startswith("utter_faq/") and variants:
                answers[name.split("/", 1)[1]] = variants[0].get("text", "")
    return answers


def topic_finder(answers: Optional[Dict[str, str]] = None) -> Callable[[str], Optional[str]]:
    """The FAQ topic whose answer text the reply contains (None: no FAQ answer). Works on the
    reply alone, so it scores the REST channel and the TF-IDF floor the same way."""
    folded = {topic: normalise(text) for topic, text in (answers or faq_answers()).items()}

    def find(reply_text: str) -> Optional[str]:
        reply = normalise(reply_text)
        for topic, text in folded.items():
            if text and text in reply:
                return topic
        return None

    return find


# -- scoring -------------------------------------------------------------------------------------


@dataclasses.dataclass
class Summary:
    results: List[CaseResult]

    @property
    def total(self) -> int:
        return len(self.results)

    @property
    def passed(self) -> int:
        return sum(r.passed for r in self.results)

    @property
    def accuracy(self) -> float:
        return self.passed / self.total if self.total else 0.0

    def per(self, key: str) -> Dict[str, Tuple[int, int]]:
        counts: Dict[str, List[int]] = collections.defaultdict(lambda: [0, 0])
        for result in self.results:
            counts[result.case[key]][0] += result.passed
            counts[result.case[key]][1] += 1
        return {k: (ok, n) for k, (ok, n) in sorted(counts.items())}

    @property
    def topic_turns(self) -> List[TurnCheck]:
        return [t for r in self.results for t in r.turns if t.topic_expected]

    @property
    def topic_correct(self) -> int:
        return sum(t.topic_got == t.topic_expected for t in self.topic_turns)

    def to_json(self, label: str) -> Dict[str, Any]:
        return {
            "arvioitu": label,
            "aika": datetime.datetime.now().isoformat(timespec="seconds"),
            "tapauksia": self.total,
            "oikein": self.passed,
            "osuus": round(self.accuracy, 4),
            "vaadittu": REQUIRED_ACCURACY,
            "aiheen_osuvuus": {"oikein": self.topic_correct, "vuoroja": len(self.topic_turns)},
            "luokittain": {
                k: {"oikein": ok, "tapauksia": n} for k, (ok, n) in self.per("category").items()
            },
            "tyyleittain": {
                k: {"oikein": ok, "tapauksia": n} for k, (ok, n) in self.per("voice").items()
            },
            "tapaukset": [
                {
                    "id": r.case["id"],
                    "tiedosto": r.case.get("file"),
                    "luokka": r.case["category"],
                    "tyyli": r.case["voice"],
                    "oikein": r.passed,
                    "vuorot": [
                        {
                            "kysymys": t.user,
                            "odotettu": t.expect,
                            "vastaus": t.reply,
                            "ongelmat": t.problems,
                            "aihe": t.topic_got,
                        }
                        for t in r.turns
                    ],
                }
                for r in self.results
            ],
        }


def shorten(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def report_lines(summary: Summary, label: str) -> List[str]:
    lines = [
        f"Vastaustason arviointi: {label}",
        "",
        f"{'luokka':28} {'oikein':>7} {'':3} {'osuus':>8}",
    ]
    for category, (ok, n) in summary.per("category").items():
        lines.append(f"{category:28} {ok:4d} / {n:<4d} {percent(ok / n):>8}")
    lines.append(
        f"{'KAIKKI':28} {summary.passed:4d} / {summary.total:<4d} {percent(summary.accuracy):>8}"
    )
    lines += ["", f"{'tyyli':28} {'oikein':>7}"]
    for voice, (ok, n) in summary.per("voice").items():
        lines.append(f"{voice:28} {ok:4d} / {n:<4d} {percent(ok / n):>8}")
    turns = summary.topic_turns
    if turns:
        lines += [
            "",
            f"Aiheen osuvuus (vuorot, joille on nimetty FAQ-aihe): {summary.topic_correct} / "
            f"{len(turns)} = {percent(summary.topic_correct / len(turns))}",
        ]
    failed = [r for r in summary.results if not r.passed]
    if failed:
        lines += ["", f"Hylätyt tapaukset ({len(failed)}):"]
        for result in failed:
            lines.append(
                f"- {result.case['id']} ({result.case['category']}, {result.case['voice']})"
            )
            for number, turn in enumerate(result.turns, 1):
                if turn.passed:
                    continue
                lines.append(f"    vuoro {number}: {shorten(turn.user, 120)!r}")
                lines.append(f"      odotettiin: {'; '.join(turn.problems)}")
                lines.append(
                    f"      botti sanoi: {shorten(' / '.join(turn.reply)) or '(ei mitään)'}"
                )
    return lines


def markdown(summary: Summary, label: str) -> str:
    out = [
        f"# Vastaustason arviointi: {label}",
        "",
        f"Oikein {summary.passed} / {summary.total} = **{percent(summary.accuracy)}** "
        f"(vaaditaan {percent(REQUIRED_ACCURACY)}).",
        "",
    ]
    if summary.topic_turns:
        out += [
            f"Aiheen osuvuus: {summary.topic_correct} / {len(summary.topic_turns)} = "
            f"{percent(summary.topic_correct / len(summary.topic_turns))}.",
            "",
        ]
    for key, title in (("category", "luokka"), ("voice", "tyyli")):
        out += [f"| {title} | oikein | osuus |", "| --- | ---: | ---: |"]
        out += [
            f"| {k} | {ok} / {n} | {percent(ok / n)} |" for k, (ok, n) in summary.per(key).items()
        ]
        out.append("")
    failed = [r for r in summary.results if not r.passed]
    if failed:
        out += ["## Hylätyt tapaukset", ""]
        for result in failed:
            out.append(
                f"### {result.case['id']} ({result.case['category']}, {result.case['voice']})"
            )
            for number, turn in enumerate(result.turns, 1):
                mark = "ok" if turn.passed else "**hylätty**"
                out.append(f"- vuoro {number} ({mark}): {shorten(turn.user, 200)}")
                if not turn.passed:
                    out.append(f"  - odotettiin: {'; '.join(turn.problems)}")
                    out.append(
                        f"  - botti sanoi: {shorten(' / '.join(turn.reply), 300) or '(ei mitään)'}"
                    )
            out.append("")
    return "\n".join(out)


def evaluate(
    converse: Converse,
    cases: List[Dict[str, Any]],
    answer_topic: Optional[Callable[[str], Optional[str]]] = None,
    progress: bool = False,
) -> Summary:
    finder = answer_topic or topic_finder()
    results = []
    for number, case in enumerate(cases, 1):
        replies = converse(case["id"], [t["user"] for t in case["turns"]])
        results.append(check_case(case, replies, finder))
        if progress and number % 25 == 0:
            print(f"  {number} / {len(cases)}", flush=True)
    return Summary(results)


def write_reports(summary: Summary, label: str, out_dir: Path, name: str = "report") -> List[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path = out_dir / f"{name}.json"
    json_path.write_text(
        json.dumps(summary.to_json(label), ensure_ascii=False, indent=1), encoding="utf-8"
    )
    md_path = out_dir / f"{name}.md"
    md_path.write_text(markdown(summary, label) + "\n", encoding="utf-8")
    return [json_path, md_path]


# -- talking to the bot --------------------------------------------------------------------------


def rest_converse(base_url: str, timeout: float = 60) -> Converse:
    """One conversation per case over the REST channel: a fresh sender, a message_id per message."""
    import requests

    url = base_url.rstrip("/") + "/webhooks/rest/webhook"
    session = requests.Session()

    def converse(case_id: str, turns: Sequence[str]) -> List[Reply]:
        sender = f"arvio-{uuid.uuid4().hex[:12]}"
        replies = []
        for number, text in enumerate(turns, 1):
            body = {
                "sender": sender,
                "message": text,
                "message_id": f"{case_id}-{number}-{uuid.uuid4().hex[:8]}",
            }
            reply = []
            for attempt in range(3):
                try:
                    response = session.post(url, json=body, timeout=timeout)
                    if response.status_code == 200:
                        reply = [m.get("text") or "" for m in response.json() if m.get("text")]
                    else:
                        reply = [f"[HTTP {response.status_code}]"]
                    break
                except requests.RequestException as error:
                    reply = [f"[yhteysvirhe: {error.__class__.__name__}]"]
                    time.sleep(2 * (attempt + 1))
            replies.append(reply)
        return replies

    return converse


def start_stack(log_dir: Path, model: Path, knowledge_dir: Optional[Path] = None) -> Any:
    """The action server and the Rasa server on free ports, as the tests' `bot` fixture starts
    them (no web page, no Telegram); with `knowledge_dir`, both read that knowledge base."""
    from bot.launcher import Stack
    from bot.probes import free_port
    from bot.settings import Settings

    settings = Settings(
        rasa_port=free_port(),
        actions_port=free_port(),
        model=model,
        tracker_db=log_dir / "conversations.db",
        api_token=uuid.uuid4().hex,
        web_port=free_port(),
        cors_origins="",
    )
    if knowledge_dir is not None:
        settings.knowledge_dir = knowledge_dir
    stack = Stack(settings, log_dir)
    try:
        stack.start(timeout=300, web=False, telegram=False)
    except BaseException:
        stack.stop()
        for log in log_dir.glob("*.log"):
            print(log.read_text(errors="replace")[-3000:], file=sys.stderr)
        raise
    return stack


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m staff.answer_eval",
        description="Vastaustason arviointi: koko keskustelut REST-kanavan "
        "kautta, vastaukset tarkistetaan tosiasioista.",
    )
    parser.add_argument(
        "--osoite",
        help="käynnissä olevan Rasa-palvelimen osoite, esim. http://127.0.0.1:5005 "
        "(ilman tätä palvelimet käynnistetään vapaisiin portteihin)",
    )
    parser.add_argument(
        "--malli", type=Path, default=MODEL, help="malli, kun palvelimet käynnistetään itse"
    )
    parser.add_argument("--tiedostot", type=Path, nargs="*", help="vain nämä tapaustiedostot")
    parser.add_argument("--tulokset", type=Path, default=OUT_DIR, help="raporttien kansio")
    parser.add_argument(
        "--vaadittu", type=float, default=REQUIRED_ACCURACY, help="vaadittu osuus (0–1)"
    )
    args = parser.parse_args(argv)

    try:
        cases = load_cases(args.tiedostot)
    except CaseError as error:
        print(f"virhe tapaustiedostoissa: {error}", file=sys.stderr)
        return 2
    print(
        f"Tapauksia {len(cases)}, niistä monivuoroisia {sum(len(c['turns']) > 1 for c in cases)}.",
        flush=True,
    )
    stack = None
    temp = None
    try:
        if args.osoite:
            url, label = args.osoite, f"botti osoitteessa {args.osoite}"
        else:
            temp = tempfile.TemporaryDirectory(prefix="answer-eval-")
            print("Käynnistetään toimintopalvelin ja Rasa-palvelin…", flush=True)
            stack = start_stack(
                Path(temp.name), args.malli if args.malli.is_absolute() else ROOT / args.malli
            )
            url, label = stack.rasa_url, f"botti ({args.malli.name})"
        summary = evaluate(rest_converse(url), cases, progress=True)
    finally:
        if stack:
            stack.stop()
        if temp:
            temp.cleanup()
    print("\n".join(report_lines(summary, label)))
    for path in write_reports(summary, label, args.tulokset):
        print(f"Raportti: {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    ok = summary.accuracy >= args.vaadittu
    print(
        ("HYVÄKSYTTY" if ok else "HYLÄTTY") + f": {percent(summary.accuracy)} "
        f"(vaaditaan {percent(args.vaadittu)})"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
