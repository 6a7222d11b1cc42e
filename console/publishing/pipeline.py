"""Publishing a draft: check → train → answer-level evaluation → live, each step with a
Finnish message on the run's status page. Any failure before the last step leaves the live
bot as it was; the last step loads the model first and writes the files only when the
running bot has taken it.

The same functions build and train the draft bot (console.publishing.draftbot)."""

from __future__ import annotations

import atexit
import contextlib
import dataclasses
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import uuid
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Set, Tuple

from django.db import close_old_connections
from django.utils import timezone

from bot import model_files
from bot.settings import ROOT, Settings
from console.publishing import draft, history
from console.publishing.models import Baseline, PublishRun
from console.texts import say
from console.workspace import live_project
from staff import answer_eval, connection
from staff.checks import check_all
from staff.findings import errors
from staff.project import Project
from staff.reload import ReloadError, check_knowledge, reload

STEPS = ("check", "train", "evaluate", "live")
TRAIN_TIMEOUT = 1200
MODEL_PREFIX = "luonnos-"
BUILDS = "julkaisut"
KEEP_BUILDS = 3

_ACTIVE: Dict[str, Optional[threading.Thread]] = {"thread": None}
# Servers this process started (evaluation, draft bot): stopped when the console exits.
RUNNING_STACKS: Set[Any] = set()
# A running draft bot's REST address by the fingerprint of its files: the evaluation asks it
# instead of starting the same bot again.
READY_BOTS: Dict[str, str] = {}
_START = threading.Lock()


class StepFailed(Exception):
    """A step cannot go on; the message says in Finnish what to fix."""


class PublishBusy(Exception):
    pass


# -- building and training -----------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Build:
    """The frozen content files of one publication (or draft bot), written into their own
    folder, and the model trained from them."""

    files: Dict[str, bytes]
    fingerprint: str
    root: Path
    model: Path

    @property
    def project(self) -> Project:
        return Project(self.root)


def freeze(live: Project, files: Dict[str, bytes]) -> Build:
    fingerprint = draft.fingerprint(files)
    root = live.var_dir / BUILDS / fingerprint[:16]
    if not (root / "domain.yml").is_file():
        staging = root.with_name(root.name + f".{uuid.uuid4().hex[:6]}")
        for relative, content in files.items():
            target = staging / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
        for part in draft.SUPPORT_PARTS:
            if (live.root / part).is_dir():
                shutil.copytree(live.root / part, staging / part)
        if root.exists():
            shutil.rmtree(staging)
        else:
            staging.rename(root)
    _prune(live.var_dir / BUILDS, keep=root)
    model = live.models_dir / f"{MODEL_PREFIX}{fingerprint[:16]}.tar.gz"
    return Build(files, fingerprint, root, model)


def _prune(folder: Path, keep: Path) -> None:
    builds = sorted(
        (p for p in folder.iterdir() if p.is_dir() and p != keep),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for old in builds[KEEP_BUILDS:]:
        shutil.rmtree(old, ignore_errors=True)


def trained(build: Build) -> bool:
    try:
        model_files.verify(build.model, build.model.parent)
    except model_files.ModelFileError:
        return False
    return True


_TRAINING = threading.Lock()


def train(build: Build) -> Tuple[Path, bool]:
    """Trains a model from the build's files into models/ (what `make train` does, with the
    build's data, domain and config); returns the model and whether it was trained now."""
    with _TRAINING:
        if trained(build):
            return build.model, False
        build.model.parent.mkdir(parents=True, exist_ok=True)
        name = build.model.name[: -len(".tar.gz")]
        env = dict(
            os.environ,
            PYTHONPATH=str(ROOT),
            TF_CPP_MIN_LOG_LEVEL="2",
            RASA_CACHE_DIRECTORY=str(build.root.parent / ".rasa-cache"),
            PERHENEUVO_KNOWLEDGE_DIR=str(build.root / "knowledge"),
        )
        log = build.root / "koulutus.log"
        with open(log, "wb") as output:
            result = subprocess.run(
                [
                    str(Path(sys.executable).parent / "rasa"),
                    "train",
                    "--config",
                    str(build.root / "config.yml"),
                    "--domain",
                    str(build.root / "domain.yml"),
                    "--data",
                    str(build.root / "data"),
                    "--out",
                    str(build.model.parent),
                    "--fixed-model-name",
                    name,
                ],
                cwd=ROOT,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
                timeout=TRAIN_TIMEOUT,
            )
        if result.returncode != 0 or not build.model.is_file():
            tail = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-8:]
            raise StepFailed(say("publish.train_failed", detail="\n".join(tail)))
        model_files.record(build.model)
        return build.model, True


# -- the answer-level evaluation -----------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Score:
    passed: int
    total: int
    failing: List[str]

    @property
    def accuracy(self) -> float:
        return self.passed / self.total if self.total else 0.0


def cases_dir(live: Project) -> Path:
    own = live.root / "tests" / "data" / "answers"
    return own if own.is_dir() else answer_eval.CASES_DIR


def load_cases(live: Project) -> Tuple[List[Dict[str, Any]], str]:
    folder = cases_dir(live)
    paths = sorted(folder.glob("*.yml"))
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in paths)).hexdigest()
    return answer_eval.load_cases(paths), digest


@contextlib.contextmanager
def running_bot(model: Path, knowledge: Path) -> Iterator[Any]:
    """An action server and a Rasa server on free ports with `model` and `knowledge`."""
    with tempfile.TemporaryDirectory(prefix="perheneuvo-publish-") as directory:
        stack = answer_eval.start_stack(Path(directory), model, knowledge_dir=knowledge)
        RUNNING_STACKS.add(stack)
        try:
            yield stack
        finally:
            stack.stop()
            RUNNING_STACKS.discard(stack)


@atexit.register
def _stop_stacks() -> None:
    for stack in list(RUNNING_STACKS):
        stack.stop()


def score(model: Path, project: Project, cases: List[Dict[str, Any]], running: str = "") -> Score:
    """The answer-level score of `model` with the project's knowledge; on the bot at
    `running` when one with exactly these already runs, else on servers of its own."""
    finder = answer_eval.topic_finder(answer_eval.faq_answers(project.root / "data" / "faq"))
    if running:
        summary = answer_eval.evaluate(answer_eval.rest_converse(running), cases, finder)
    else:
        with running_bot(model, project.knowledge_dir) as stack:
            summary = answer_eval.evaluate(answer_eval.rest_converse(stack.rasa_url), cases, finder)
    failing = [r.case["id"] for r in summary.results if not r.passed]
    return Score(summary.passed, summary.total, failing)


def baseline_key(files: Dict[str, bytes], model: Path, cases_digest: str) -> str:
    return f"{draft.fingerprint(files)[:40]}:{model_files.digest(model)[:40]}:{cases_digest[:40]}"


def live_model() -> Path:
    """The model file the running bot starts with (PERHENEUVO_MODEL); publishing replaces it."""
    return Settings.from_env().model


class LiveBaseline:
    """The live bot's score: known from an earlier publication, or measured in a thread of
    its own (while the draft's model trains, or while the draft bot starts: the two share
    the 2 cores well, training is mostly one process). One measurement per live state: a
    publication joins the one the draft bot started."""

    _measuring: Dict[str, "LiveBaseline"] = {}
    _lock = threading.Lock()

    def __init__(self, live: Project):
        self.live = live
        self.cases, self.digest = load_cases(live)
        self.model = live_model()
        self.key = baseline_key(draft.content_files(live), self.model, self.digest)
        self.result: Optional[Score] = None
        self.error: Optional[BaseException] = None
        self.thread: Optional[threading.Thread] = None

    @classmethod
    def of(cls, live: Project) -> "LiveBaseline":
        """The recorded score, or the measurement under way, or a new one started now."""
        fresh = cls(live)
        with cls._lock:
            running = cls._measuring.get(fresh.key)
            if running is not None and running.thread is not None and running.thread.is_alive():
                return running
            known = Baseline.objects.filter(key=fresh.key).first()
            if known:
                fresh.result = Score(known.passed, known.total, list(known.failing))
            elif fresh.cases:
                fresh.thread = threading.Thread(target=fresh._measure, daemon=True)
                cls._measuring[fresh.key] = fresh
                fresh.thread.start()
        return fresh

    def _measure(self) -> None:
        """Also when the run fails meanwhile, the score is kept for the next publication."""
        try:
            self.result = score(self.model, self.live, self.cases)
            remember(self.key, self.result)
        except BaseException as error:  # noqa: BLE001 - given to the run's thread
            self.error = error
        finally:
            close_old_connections()

    def get(self) -> Score:
        if self.thread is not None:
            self.thread.join()
        if self.error is not None:
            raise self.error
        assert self.result is not None
        return self.result


def remember(key: str, measured: Score) -> None:
    Baseline.objects.update_or_create(
        key=key,
        defaults={"passed": measured.passed, "total": measured.total, "failing": measured.failing},
    )


# -- the run -------------------------------------------------------------------------------------


def new_steps() -> List[Dict[str, Any]]:
    return [
        {"key": key, "title": say(f"publish.step_{key}"), "state": "waiting", "message": ""}
        for key in STEPS
    ]


def busy() -> bool:
    thread = _ACTIVE["thread"]
    return thread is not None and thread.is_alive()


def start(
    user: Any, message: str, kind: str = PublishRun.PUBLISH, restore_of: str = ""
) -> PublishRun:
    """Creates the run and starts it in a thread of this process; one run at a time."""
    with _START:
        if busy():
            raise PublishBusy()
        for stale in PublishRun.objects.filter(state=PublishRun.RUNNING):
            _fail_stale(stale)
        run = PublishRun.objects.create(
            user=user,
            username=user.get_username(),
            message=message,
            kind=kind,
            restore_of=restore_of,
            steps=new_steps(),
        )
        thread = threading.Thread(target=_thread, args=(run.pk,), daemon=True)
        _ACTIVE["thread"] = thread
        thread.start()
        return run


def _fail_stale(run: PublishRun) -> None:
    for step in run.steps:
        if step["state"] == "running":
            step["state"], step["message"] = "failed", say("publish.interrupted")
    run.state, run.finished = PublishRun.FAILED, timezone.now()
    run.save()


def _thread(run_id: int) -> None:
    close_old_connections()
    try:
        execute(run_id)
    finally:
        close_old_connections()


class _Progress:
    def __init__(self, run: PublishRun):
        self.run = run

    def begin(self, key: str, message: str = "") -> float:
        self.set(key, "running", message or say("publish.running"))
        return time.monotonic()

    def set(self, key: str, state: str, message: str, started: Optional[float] = None) -> None:
        step = self.run.step(key)
        step["state"], step["message"] = state, message
        if started is not None:
            step["seconds"] = round(time.monotonic() - started, 1)
        self.run.save(update_fields=["steps"])


def execute(run_id: int, live: Optional[Project] = None) -> PublishRun:
    """Runs the steps of a created run, synchronously; returns the finished run."""
    from console.audit.models import PUBLISH_FAILED, PUBLISHED, RESTORED, record

    run = PublishRun.objects.get(pk=run_id)
    live = live or live_project()
    progress = _Progress(run)
    current = ""
    try:
        current = "check"
        started = progress.begin("check")
        build, file_changes = _check(live, run)
        baseline = LiveBaseline.of(live)
        if not baseline.cases:
            raise StepFailed(say("publish.no_cases", folder=cases_dir(live)))
        progress.set("check", "done", say("publish.check_done", files=len(file_changes)), started)

        current = "train"
        started = progress.begin("train", say("publish.training"))
        model, fresh = train(build)
        run.model_file = live.relative(model)
        run.save(update_fields=["model_file"])
        progress.set(
            "train", "done", say("publish.trained" if fresh else "publish.trained_before"), started
        )

        current = "evaluate"
        started = progress.begin("evaluate", say("publish.evaluating"))
        new_score, old_score, key, excused = _evaluate(baseline, build, model)
        run.accuracy, run.baseline_accuracy = new_score.accuracy, old_score.accuracy
        run.save(update_fields=["accuracy", "baseline_accuracy"])
        progress.set(
            "evaluate",
            "done",
            say(
                "publish.evaluated_outdated" if excused else "publish.evaluated",
                new=_percent(new_score),
                old=_percent(old_score),
                cases=", ".join(excused[:15]),
            ),
            started,
        )

        current = "live"
        started = progress.begin("live", say("publish.going_live"))
        commit, knowledge = go_live(live, build, model, file_changes, run)
        remember(key, new_score)
        run.commit = commit
        progress.set(
            "live", "done", say("publish.live", version=commit[:8], knowledge=knowledge), started
        )
        run.state = PublishRun.DONE
    except StepFailed as failure:
        progress.set(current, "failed", str(failure))
        run.state = PublishRun.FAILED
    except Exception as error:  # noqa: BLE001 - the page must say something in any case
        traceback.print_exc()
        progress.set(
            current, "failed", say("publish.unexpected", detail=f"{type(error).__name__}: {error}")
        )
        run.state = PublishRun.FAILED
    for step in run.steps:
        if step["state"] == "waiting" and run.state == PublishRun.FAILED:
            step["state"] = "skipped"
    run.finished = timezone.now()
    run.save()
    action = RESTORED if run.kind == PublishRun.RESTORE else PUBLISHED
    record(
        run.user or run.username,
        action if run.state == PublishRun.DONE else PUBLISH_FAILED,
        run.commit or "luonnos",
        {
            "message": run.message,
            "restore_of": run.restore_of,
            "model": run.model_file,
            "accuracy": run.accuracy,
            "baseline_accuracy": run.baseline_accuracy,
            "failure": run.failure,
        },
    )
    return run


def _percent(measured: Score) -> str:
    return f"{measured.passed}/{measured.total} ({100 * measured.accuracy:.1f} %)".replace(".", ",")


def _check(live: Project, run: PublishRun) -> Tuple[Build, List[draft.FileChange]]:
    changed_both = draft.conflicts(live)
    if changed_both:
        raise StepFailed(say("publish.changed_outside", files=", ".join(changed_both)))
    editing = draft.ensure(live)
    files = draft.content_files(editing)
    file_changes = draft.compare(draft.content_files(live), files)
    if not file_changes and run.kind == PublishRun.PUBLISH:
        raise StepFailed(say("publish.nothing"))
    findings = errors(check_all(editing))
    if findings:
        listed = "\n".join(str(f) for f in findings[:20])
        raise StepFailed(say("publish.check_failed", count=len(findings), findings=listed))
    return freeze(live, files), file_changes


def outdated_cases(
    cases: List[Dict[str, Any]], before: Dict[str, bytes], after: Dict[str, bytes]
) -> List[str]:
    """The cases expecting a text (all/any/first) that is in the live knowledge base but not
    in the draft's: the draft changed that fact on purpose (a contact's new phone number),
    so the case expects what is no longer true, and failing it is no regression."""

    def knowledge(files: Dict[str, bytes]) -> str:
        return answer_eval.normalise(
            "\n".join(
                content.decode("utf-8", "replace")
                for path, content in sorted(files.items())
                if path.startswith("knowledge/")
            )
        )

    old, new = knowledge(before), knowledge(after)
    if old == new:
        return []
    outdated = []
    for case in cases:
        expected = [
            answer_eval.normalise(text)
            for turn in case.get("turns", [])
            for key in ("all", "any", "first")
            for text in (turn.get("expect") or {}).get(key, [])
        ]
        if any(
            answer_eval.contains(old, text) and not answer_eval.contains(new, text)
            for text in expected
        ):
            outdated.append(case["id"])
    return outdated


def _evaluate(
    baseline: LiveBaseline, build: Build, model: Path
) -> Tuple[Score, Score, str, List[str]]:
    """The draft's and the live bot's scores, the key of the draft's, and the cases that
    failed only because they expect a fact the draft changed (not counted as fallen)."""
    old = baseline.get()
    running = READY_BOTS.get(build.fingerprint, "")
    new = score(model, build.project, baseline.cases, running)
    outdated = set(outdated_cases(baseline.cases, draft.content_files(baseline.live), build.files))
    excused = [case for case in new.failing if case in outdated and case not in old.failing]
    if new.passed + len(excused) < old.passed:
        fallen = [case for case in new.failing if case not in old.failing and case not in outdated]
        raise StepFailed(
            say(
                "publish.evaluation_fell",
                new=_percent(new),
                old=_percent(old),
                cases=", ".join(fallen[:15]) or "–",
            )
        )
    return new, old, baseline_key(build.files, model, baseline.digest), excused


def go_live(
    live: Project, build: Build, model: Path, file_changes: List[draft.FileChange], run: PublishRun
) -> Tuple[str, str]:
    """Loads the model into the running bot, then writes the files, records the version and
    makes the model the one the bot starts with. Returns (version id, knowledge version)."""
    urls, token, actions = connection.rasa_urls(), connection.api_token(), connection.actions_url()
    url = urls[0]
    loaded: List[str] = []

    def back_to_live_model() -> None:
        for done in loaded:
            with contextlib.suppress(ReloadError):
                reload(live, live_model(), done, token)

    try:
        for server in urls:  # every Rasa server, or none keeps the new model
            reload(live, model, server, token)
            loaded.append(server)
    except ReloadError as error:
        back_to_live_model()
        raise StepFailed(say("publish.reload_failed", reason=error)) from None
    try:
        commit = write_live(live, build, file_changes, run.username, run.message)
    except OSError as error:
        back_to_live_model()
        raise StepFailed(say("publish.write_failed", detail=error)) from None
    draft.rebase(live)
    _install_model(model, live_model())
    for old in live.models_dir.glob(f"{MODEL_PREFIX}*.tar.gz"):
        if old.resolve() != model.resolve():
            old.unlink(missing_ok=True)
            model_files.hash_file(old).unlink(missing_ok=True)
    try:
        knowledge = check_knowledge(live, url, actions)
    except ReloadError as error:
        knowledge = str(error)
    return commit, knowledge


def write_live(
    live: Project, build: Build, file_changes: List[draft.FileChange], author: str, message: str
) -> str:
    """Writes the changed files into the live project (each in one step) and records the
    version; the first time, the content before it is recorded first. On a failed write the
    files written so far are put back and OSError is raised."""
    history.ensure_initial(live)
    previous = draft.compare(build.files, draft.content_files(live))  # the way back
    try:
        draft.apply(live, file_changes)
    except OSError:
        draft.apply(live, previous)
        raise
    return history.record(live, draft.content_files(live), author, message)


def _install_model(model: Path, target: Path) -> None:
    """`target` becomes a copy of `model` in one step, with its hash: the bot starts with it."""
    temporary = target.with_name(f".{target.name}.{uuid.uuid4().hex[:6]}.tmp")
    shutil.copyfile(model, temporary)
    os.replace(temporary, target)
    model_files.record(target)
