"""Publish → answer: how long from pressing *Julkaise* in the staff console until the running
bot answers with the new text. Runs the console's publishing (console.publishing.pipeline:
check, training, answer-level evaluation, reload) on a copy of the project against a stack of
its own, twice: the first publication also evaluates the live bot (nothing is recorded yet),
the second finds that score recorded by the first, as every later publication does.

    python -m scripts.bench.publish [--work DIR]     (make bench runs it; prints PUBLISH_JSON)

A process of its own, because it sets up Django for the console."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any, Dict, List, Optional

import requests

from bot import model_files
from bot.launcher import Stack
from bot.probes import free_ports
from bot.settings import ROOT, Settings
from staff.safe_write import STAGED_PARTS

MODEL = ROOT / "models" / "perheneuvo.tar.gz"
TOPIC_FILE = Path("data") / "faq" / "erokahvila.yml"
ANSWER_START = "Erokahvila on vertaistuellista toimintaa"
QUESTION = "Mikä on erokahvila?"
ANSWER_TIMEOUT_S = 120.0
TARGET_S = 120.0


def _copy_project(root: Path) -> None:
    for part in STAGED_PARTS:
        source = ROOT / part
        if source.is_dir():
            shutil.copytree(source, root / part)
        else:
            (root / part).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, root / part)
    (root / "models").symlink_to(ROOT / "models")  # the server loads models only from there


def _answer(url: str) -> str:
    reply = requests.post(
        f"{url}/webhooks/rest/webhook",
        json={"sender": f"bench-{uuid.uuid4().hex[:8]}", "message": QUESTION},
        timeout=30,
    )
    return "\n".join(m.get("text", "") for m in reply.json())


def measure(work: Path, ready_timeout: float = 300.0) -> Dict[str, Any]:
    root = work / "project"
    _copy_project(root)
    before = set((ROOT / "models").glob("*.tar.gz"))
    live_model = ROOT / "models" / f"bench-live-{uuid.uuid4().hex[:8]}.tar.gz"
    shutil.copyfile(MODEL, live_model)
    model_files.record(live_model)
    rasa_port, actions_port = free_ports(2)
    stack = Stack(
        Settings(
            rasa_port=rasa_port,
            actions_port=actions_port,
            model=live_model,
            tracker_db=work / "conversations.db",
            api_token=uuid.uuid4().hex,
            knowledge_dir=root / "knowledge",
        ),
        log_dir=work / "logs",
    )
    os.environ.update(
        DJANGO_SETTINGS_MODULE="console.settings",
        PERHENEUVO_CONSOLE_PROJECT=str(root),
        PERHENEUVO_CONSOLE_VAR_DIR=str(work / "console-var"),
        PERHENEUVO_RASA_URL=stack.rasa_url,
        PERHENEUVO_API_TOKEN=stack.settings.api_token,
        PERHENEUVO_ACTIONS_URL=f"{stack.actions_url}/webhook",
        PERHENEUVO_MODEL=str(live_model),
    )
    import django

    django.setup()
    from django.core.management import call_command

    from console.accounts.roles import JULKAISIJA, create_account
    from console.publishing import pipeline
    from console.publishing.models import PublishRun
    from console.workspace import editing_project

    (work / "console-var").mkdir(parents=True, exist_ok=True)
    call_command("migrate", interactive=False, verbosity=0)
    user = create_account("bench", uuid.uuid4().hex, JULKAISIJA, [])
    runs: List[Dict[str, Any]] = []
    try:
        stack.start(timeout=ready_timeout, web=False, telegram=False)
        for number in (1, 2):
            marker = f"(bench {uuid.uuid4().hex[:6]})"
            path = editing_project().root / TOPIC_FILE
            source = path.read_text(encoding="utf-8")
            start = source.index(ANSWER_START)
            path.write_text(source[:start] + f"{marker} " + source[start:], encoding="utf-8")
            pressed = time.monotonic()
            run = PublishRun.objects.create(
                user=user, username="bench", message=f"bench {number}", steps=pipeline.new_steps()
            )
            run = pipeline.execute(run.pk)
            if run.state != PublishRun.DONE:
                raise RuntimeError(f"publication {number} failed: {run.failure}")
            deadline = time.monotonic() + ANSWER_TIMEOUT_S
            while marker not in _answer(stack.rasa_url):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"publication {number}: the new text was not served")
                time.sleep(0.2)
            runs.append(
                {
                    "publish_to_answer_s": round(time.monotonic() - pressed, 1),
                    "steps_s": {s["key"]: s.get("seconds") for s in run.steps},
                    "live_bot_evaluated": number == 1,
                    "accuracy": run.accuracy,
                }
            )
    finally:
        stack.stop()
        for made in set((ROOT / "models").glob("*.tar.gz")) - before:
            made.unlink(missing_ok=True)
            model_files.hash_file(made).unlink(missing_ok=True)
    return {"first": runs[0], "later": runs[1], "console": console_memory(root, work)}


# Pages a staff member opens in a working session; the console's memory is read after them.
CONSOLE_PAGES = (
    "/",
    "/aiheet/",
    "/aiheet/erokahvila/muokkaa/",
    "/yhteystiedot/",
    "/tehtavat/",
    "/saapuneet/",
    "/julkaisu/",
    "/julkaisu/versiot/",
    "/tilastot/",
)


def console_memory(root: Path, work: Path) -> Dict[str, Any]:
    """The staff console as `make run` starts it (`python -m console`, waitress), its resident
    memory after the first pääkäyttäjä has logged in and opened the main pages."""
    import subprocess

    from bot.launcher import stop_process
    from bot.probes import free_port, responds
    from scripts.bench.processes import memory_mb

    var = work / "console-memory"
    var.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = dict(
        os.environ,
        PERHENEUVO_CONSOLE_PROJECT=str(root),
        PERHENEUVO_CONSOLE_VAR_DIR=str(var),
        PERHENEUVO_CONSOLE_PORT=str(port),
        PERHENEUVO_CONSOLE_DB=str(var / "console.sqlite3"),
    )
    with open(work / "console-memory.log", "ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "console"], cwd=ROOT, env=env, stdout=log, stderr=log
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while not responds(f"{url}/healthz"):
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("the console did not start")
            time.sleep(0.5)
        session = requests.Session()
        session.get(f"{url}/kirjaudu/", timeout=30)
        password = (var / "console-admin-password").read_text(encoding="utf-8").strip()
        session.post(
            f"{url}/kirjaudu/",
            data={
                "username": "paakayttaja",
                "password": password,
                "csrfmiddlewaretoken": session.cookies.get("perheneuvo_console_csrftoken", ""),
            },
            headers={"Referer": f"{url}/kirjaudu/"},
            timeout=30,
        )
        for page in CONSOLE_PAGES:
            reply = session.get(url + page, timeout=60)
            if reply.status_code != 200 or "/kirjaudu/" in reply.url:
                raise RuntimeError(f"console page {page}: HTTP {reply.status_code} ({reply.url})")
        return memory_mb(process.pid)
    finally:
        stop_process(process)


def bench_publish(work: Path, timeout: float) -> Dict[str, Any]:
    """Runs this module in a process of its own (Django); its figures, or the error."""
    import subprocess

    from scripts.bench.common import log

    log("publish: two publications from the console's pipeline on a copy of the project")
    try:
        result = subprocess.run(
            [sys.executable, "-m", "scripts.bench.publish", "--work", str(work / "publish")],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return {"error": f"did not finish in {timeout:.0f} s"}
    for line in result.stdout.splitlines():
        if line.startswith("PUBLISH_JSON "):
            return json.loads(line[len("PUBLISH_JSON ") :])
    return {"error": (result.stderr or result.stdout)[-500:]}


def print_publish(figures: Optional[Dict[str, Any]]) -> None:
    if not figures:
        return
    print(f"\nPublish → the bot answers with the new text (target < {TARGET_S:.0f} s):")
    if "error" in figures:
        print(f"  NOT MEASURED: {figures['error']}")
        return
    for name, label in (
        ("first", "first publication (the live bot is evaluated too)"),
        ("later", "later publication (the live bot's score recorded)"),
    ):
        run = figures[name]
        verdict = "MET" if run["publish_to_answer_s"] < TARGET_S else "NOT MET"
        steps = ", ".join(f"{k} {v} s" for k, v in run["steps_s"].items())
        print(f"  {label}: {run['publish_to_answer_s']} s, {verdict} ({steps})")
    console = figures.get("console") or {}
    if console:
        print(
            f"Staff console (python -m console, after log-in and {len(CONSOLE_PAGES)} pages): "
            f"RSS {console['rss_mb']} MB, peak {console['peak_rss_mb']} MB, "
            f"{console['processes']} process(es)"
        )


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.bench.publish")
    parser.add_argument("--work", type=Path, help="working folder (default: a temporary one)")
    args = parser.parse_args(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="perheneuvo-bench-publish-"))
    try:
        work.mkdir(parents=True, exist_ok=True)
        figures = measure(work)
    except Exception as error:  # noqa: BLE001 - the bench reports it as a missing figure
        print(f"error: {error}", file=sys.stderr)
        figures = {"error": str(error)}
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    print("PUBLISH_JSON " + json.dumps(figures, ensure_ascii=False))
    return 1 if "error" in figures else 0


if __name__ == "__main__":
    sys.exit(main())
