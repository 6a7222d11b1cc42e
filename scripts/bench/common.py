"""What every part of the benchmark shares: paths, the messages sent, the targets, progress
logging and timed runs of commands."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, Optional, Sequence

from bot.launcher import stop_process
from bot.settings import ROOT, VENV_BIN

RASA = VENV_BIN / "rasa"
MODEL = ROOT / "models" / "perheneuvo.tar.gz"
PERHENEUVO_MESSAGES = [
    "Mikä on perhekeskus?",
    "mitä on eroauttaminen",
    "keneen otan yhteyttä mikkelissä",
    "onko kangasniemellä kohtaamispaikkaa",
    "kuka on keski-suomen muutosagentti",
    "mikä on turvassa hanke",
    "hei",
    "kiitos",
    "mitä sä osaat",
    "mikä on lapset puheeksi",
]
YARDSTICK_MESSAGES = ["hello", "I am sad", "yes", "bye", "are you a bot?"]
# Targets for Perheneuvo.
TARGET_P95_SINGLE_MS = 60.0
TARGET_THROUGHPUT_FACTOR = 2.0
TARGET_RSS_MB = 1200.0
TARGET_TRAINING_S = 180.0
REQUEST_TIMEOUT_S = 30.0
OTHER_CPU_WARNING_PCT = 10.0
WARMUP_MESSAGES = 20
CONCURRENT_CONVERSATIONS = 20
FULL = {"single": 200, "messages_each": 25}
QUICK = {"single": 50, "messages_each": 10}


def log(text: str) -> None:
    """Progress goes to stderr, so that stdout holds only the results."""
    stamp = time.strftime("%H:%M:%S")
    print(f"[bench {stamp}] {text}", file=sys.stderr, flush=True)


class BenchError(Exception):
    """A measurement could not be made; the message says why."""


def tail(path: Path, chars: int = 3000) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return f"(no log at {path})"
    return text[-chars:]


def child_env(cache_dir: Optional[Path] = None) -> Dict[str, str]:
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", PYTHONDONTWRITEBYTECODE="1")
    if cache_dir:
        env["RASA_CACHE_DIRECTORY"] = str(cache_dir)
    return env


def run_timed(
    name: str,
    command: Sequence[str],
    cwd: Path,
    env: Dict[str, str],
    log_file: Path,
    timeout: float,
) -> float:
    """Runs a command to the end with its output in `log_file`; returns the seconds it took."""
    log(f"{name}: {' '.join(str(c) for c in command)}  (cwd {cwd})")
    with open(log_file, "ab") as out:
        start = time.monotonic()
        process = subprocess.Popen(
            [str(c) for c in command], cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT
        )
        try:
            code = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            stop_process(process)
            raise BenchError(
                f"{name} did not finish in {timeout:.0f} s; log {log_file}:\n{tail(log_file)}"
            ) from None
        except BaseException:
            stop_process(process)
            raise
        elapsed = time.monotonic() - start
    if code != 0:
        raise BenchError(f"{name} failed (exit {code}); log {log_file}:\n{tail(log_file)}")
    log(f"{name}: {elapsed:.1f} s")
    return elapsed
