"""The yardstick: a bot made with `rasa init`, trained and run the same way, under the same load."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from typing import Any, Dict, Optional

from bot.launcher import stop_process
from bot.probes import free_ports, responds
from scripts.bench.common import (
    RASA,
    YARDSTICK_MESSAGES,
    BenchError,
    child_env,
    log,
    run_timed,
    tail,
)
from scripts.bench.load import measure_load
from scripts.bench.processes import Descendants, memory_mb


def make_yardstick(work: Path, train: bool, train_timeout: float) -> Dict[str, Any]:
    """`rasa init --no-prompt` (which trains an initial model), then a timed full training."""
    project = work / "yardstick"
    project.mkdir()
    logs = work / "logs-yardstick"
    logs.mkdir()
    init_s = run_timed(
        "yardstick: rasa init",
        [str(RASA), "init", "--no-prompt", "--init-dir", str(project)],
        project,
        child_env(work / "cache-yardstick-init"),
        logs / "init.log",
        train_timeout,
    )
    made: Dict[str, Any] = {"project": project, "init_s": round(init_s, 1), "training_s": None}
    if train:
        out = work / "models-yardstick"
        made["training_s"] = round(
            run_timed(
                "yardstick: rasa train",
                [str(RASA), "train", "--out", str(out), "--fixed-model-name", "bench", "--force"],
                project,
                child_env(work / "cache-yardstick"),
                logs / "train.log",
                train_timeout,
            ),
            1,
        )
        made["model"] = out / "bench.tar.gz"
    else:
        models = sorted((project / "models").glob("*.tar.gz"))
        if not models:
            raise BenchError(
                f"rasa init made no model in {project / 'models'}:\n{tail(logs / 'init.log')}"
            )
        made["model"] = models[-1]
    return made


def bench_yardstick(
    project: Path, model: Path, work: Path, counts: Dict[str, int], ready_timeout: float
) -> Dict[str, Any]:
    (port,) = free_ports(1)
    log_file = work / "logs-yardstick" / "rasa.log"
    url = f"http://127.0.0.1:{port}"
    process: Optional[subprocess.Popen] = None
    descendants = Descendants()
    try:
        log(f"yardstick: starting rasa on {port}")
        with open(log_file, "ab") as out:
            start = time.monotonic()
            process = subprocess.Popen(
                [
                    str(RASA),
                    "run",
                    "--model",
                    str(model),
                    "--port",
                    str(port),
                    "--interface",
                    "127.0.0.1",
                    "--credentials",
                    "credentials.yml",
                    "--endpoints",
                    "endpoints.yml",
                ],
                cwd=project,
                env=child_env(),
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = start + ready_timeout
        while not responds(url + "/"):
            if process.poll() is not None:
                raise BenchError(
                    f"the yardstick's rasa exited with {process.returncode}; "
                    f"log {log_file}:\n{tail(log_file)}"
                )
            if time.monotonic() > deadline:
                raise BenchError(
                    f"the yardstick's rasa did not answer at {url}/ within "
                    f"{ready_timeout:.0f} s; log {log_file}:\n{tail(log_file)}"
                )
            time.sleep(0.25)
        startup = time.monotonic() - start
        log(f"yardstick: up in {startup:.1f} s")
        descendants.note(process.pid)
        figures = measure_load(url, YARDSTICK_MESSAGES, counts, "yardstick")
        memory = memory_mb(process.pid)
        descendants.note(process.pid)
        return {
            "startup_s": round(startup, 2),
            **figures,
            "rasa_rss_mb": memory["rss_mb"],
            "rasa_peak_rss_mb": memory["peak_rss_mb"],
            "rasa_processes": memory["processes"],
        }
    finally:
        if process:
            log("yardstick: stopping")
            descendants.note(process.pid)
            stop_process(process)
            descendants.end_stragglers()
