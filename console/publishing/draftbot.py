"""The draft bot: the draft's model and knowledge in an action server and a Rasa server of
their own on free loopback ports, so that a julkaisija can ask it questions before
publishing and see its answers next to the live bot's. One at a time; it stops itself after
CONSOLE_DRAFT_BOT_IDLE_MINUTES without questions, and with the console."""

from __future__ import annotations

import dataclasses
import tempfile
import threading
import time
import traceback
import uuid
from pathlib import Path
from typing import Any, Dict, List, Optional

import requests
from django.conf import settings
from django.db import close_old_connections

from bot.launcher import Stack
from bot.probes import free_port
from bot.settings import Settings
from console.publishing import draft, pipeline
from console.texts import say
from console.workspace import live_project
from staff import connection
from staff.checks import check_all
from staff.findings import errors

ASK_TIMEOUT = 60


@dataclasses.dataclass
class _State:
    state: str = "stopped"  # stopped, starting, ready, failed
    message: str = ""
    fingerprint: str = ""
    stack: Optional[Stack] = None
    folder: Optional[tempfile.TemporaryDirectory] = None
    last_used: float = 0.0


_STATE = _State()
_LOCK = threading.RLock()


def status() -> Dict[str, Any]:
    with _LOCK:
        current = ""
        if _STATE.state == "ready":
            current = draft.fingerprint(draft.content_files(draft.ensure(live_project())))
        return {
            "state": _STATE.state,
            "message": _STATE.message,
            "outdated": bool(current and current != _STATE.fingerprint),
        }


def start() -> None:
    """Starts (or restarts with the latest draft) the draft bot in a thread."""
    with _LOCK:
        if _STATE.state == "starting":
            return
        _stop_locked()
        _STATE.state, _STATE.message = "starting", say("draftbot.starting")
    threading.Thread(target=_start, daemon=True).start()


def _start() -> None:
    try:
        live = live_project()
        editing = draft.ensure(live)
        found = errors(check_all(editing))
        if found:
            raise pipeline.StepFailed(
                say(
                    "publish.check_failed",
                    count=len(found),
                    findings="\n".join(str(f) for f in found[:20]),
                )
            )
        build = pipeline.freeze(live, draft.content_files(editing))
        # The live bot's score, which publishing compares with, is measured meanwhile.
        pipeline.LiveBaseline.of(live)
        model, _fresh = pipeline.train(build)
        folder = tempfile.TemporaryDirectory(prefix="perheneuvo-draftbot-")
        values = Settings(
            rasa_port=free_port(),
            actions_port=free_port(),
            model=model,
            tracker_db=Path(folder.name) / "conversations.db",
            api_token=uuid.uuid4().hex,
            web_port=free_port(),
            cors_origins="",
            knowledge_dir=build.root / "knowledge",
        )
        stack = Stack(values, Path(folder.name))
        try:
            stack.start(timeout=300, web=False, telegram=False)
        except BaseException:
            stack.stop()
            folder.cleanup()
            raise
        with _LOCK:
            _STATE.stack, _STATE.folder, _STATE.fingerprint = stack, folder, build.fingerprint
            _STATE.state, _STATE.last_used = "ready", time.monotonic()
            _STATE.message = say("draftbot.ready", minutes=settings.CONSOLE_DRAFT_BOT_IDLE_MINUTES)
        pipeline.RUNNING_STACKS.add(stack)
        pipeline.READY_BOTS[build.fingerprint] = stack.rasa_url
        threading.Thread(target=_watch_idle, args=(stack,), daemon=True).start()
    except Exception as error:  # noqa: BLE001 - the page says what happened
        traceback.print_exc()
        with _LOCK:
            _STATE.state, _STATE.message = "failed", say("draftbot.failed", detail=error)
    finally:
        close_old_connections()


def _watch_idle(stack: Stack) -> None:
    limit = settings.CONSOLE_DRAFT_BOT_IDLE_MINUTES * 60
    while True:
        time.sleep(min(10.0, max(limit / 4, 0.5)))
        with _LOCK:
            if _STATE.stack is not stack:
                return
            if pipeline.busy():  # a publication may be evaluating on it
                _STATE.last_used = time.monotonic()
            if time.monotonic() - _STATE.last_used > limit:
                _stop_locked()
                _STATE.message = say("draftbot.stopped")
                return


def stop() -> None:
    with _LOCK:
        _stop_locked()
        _STATE.message = say("draftbot.stopped")


def _stop_locked() -> None:
    if _STATE.stack is not None:
        pipeline.READY_BOTS.pop(_STATE.fingerprint, None)
        _STATE.stack.stop()
        pipeline.RUNNING_STACKS.discard(_STATE.stack)
    if _STATE.folder is not None:
        _STATE.folder.cleanup()
    _STATE.stack, _STATE.folder, _STATE.state, _STATE.fingerprint = None, None, "stopped", ""


def ask(question: str, sender: str) -> Dict[str, List[str]]:
    """The draft bot's and the live bot's replies to `question` (texts of each message)."""
    with _LOCK:
        stack = _STATE.stack
        _STATE.last_used = time.monotonic()
    answers = {"live": _ask(connection.rasa_url(), question, sender)}
    answers["draft"] = (
        _ask(stack.rasa_url, question, sender) if stack else [say("draftbot.stopped")]
    )
    return answers


def _ask(url: str, question: str, sender: str) -> List[str]:
    try:
        reply = requests.post(
            f"{url}/webhooks/rest/webhook",
            json={"sender": sender, "message": question},
            timeout=ASK_TIMEOUT,
        )
        reply.raise_for_status()
        return [m.get("text", "") for m in reply.json() if m.get("text")]
    except (requests.RequestException, ValueError) as error:
        return [say("draftbot.no_answer", detail=type(error).__name__)]
