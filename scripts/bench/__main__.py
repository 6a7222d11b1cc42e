"""`python -m scripts.bench [--quick]` (what `make bench` does): the trainings, then each bot's
servers one at a time, then the report. See scripts/bench/__init__.py."""

from __future__ import annotations

import argparse
import datetime
import importlib.metadata
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, Optional, Sequence

from bot import quiet_warnings
from bot.settings import ROOT
from scripts.bench.common import (
    FULL,
    MODEL,
    QUICK,
    RASA,
    REQUEST_TIMEOUT_S,
    BenchError,
    child_env,
    log,
    run_timed,
)
from scripts.bench.perheneuvo import bench_perheneuvo
from scripts.bench.production import bench_production, print_production
from scripts.bench.publish import bench_publish, print_publish
from scripts.bench.report import evaluate_targets, print_table, print_targets
from scripts.bench.yardstick import bench_yardstick, make_yardstick


def _git_commit() -> Optional[str]:
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            timeout=10,
            capture_output=True,
            text=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            timeout=10,
            capture_output=True,
            text=True,
        ).stdout.strip()
        return (commit + ("-dirty" if dirty else "")) or None
    except (OSError, subprocess.SubprocessError):
        return None


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.bench", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke run: 50 single-user messages, 20 x 10 concurrent, no training timings",
    )
    parser.add_argument(
        "--model",
        type=Path,
        default=MODEL,
        help=f"Perheneuvo's trained model (default {MODEL.relative_to(ROOT)})",
    )
    parser.add_argument(
        "--ready-timeout",
        type=float,
        default=300.0,
        help="seconds to wait for a server to answer (default 300)",
    )
    parser.add_argument(
        "--train-timeout",
        type=float,
        default=1800.0,
        help="seconds a training (or rasa init) may take (default 1800)",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the temporary directory (logs, yardstick project)"
    )
    return parser.parse_args(argv)


def _on_signal(signum, _frame):
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: Optional[Sequence[str]] = None) -> int:
    quiet_warnings.install()
    args = parse_args(argv)
    model = args.model.resolve()
    if not RASA.exists():
        print(
            f"error: {RASA} not found: run this with the project's .venv/bin/python (make bench)",
            file=sys.stderr,
        )
        return 2
    if not model.exists():
        print(
            f"error: no trained model at {model}: run 'make train' (make bench does it)",
            file=sys.stderr,
        )
        return 2
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGHUP, _on_signal)
    # No usage reports to Rasa from any process of the run (network noise); Stack passes the
    # environment on to our bot's servers.
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")

    counts = QUICK if args.quick else FULL
    mode = "quick" if args.quick else "full"
    results: Dict[str, Any] = {
        "mode": mode,
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "rasa": importlib.metadata.version("rasa"),
        "git": _git_commit(),
        "perheneuvo": {"training_s": None},
        "yardstick": {"training_s": None},
    }
    work = Path(tempfile.mkdtemp(prefix="perheneuvo-bench-"))
    started = time.monotonic()
    log(f"{mode} run; temporary directory {work}")
    try:
        # Trainings first, so that nothing else competes for the CPU.
        if not args.quick:
            out = work / "models-perheneuvo"
            logs = work / "logs-perheneuvo"
            logs.mkdir()
            results["perheneuvo"]["training_s"] = round(
                run_timed(
                    "perheneuvo: rasa train",
                    [
                        str(RASA),
                        "train",
                        "--out",
                        str(out),
                        "--fixed-model-name",
                        "bench",
                        "--force",
                    ],
                    ROOT,
                    child_env(work / "cache-perheneuvo"),
                    logs / "train.log",
                    args.train_timeout,
                ),
                1,
            )
        yardstick = make_yardstick(work, train=not args.quick, train_timeout=args.train_timeout)
        results["yardstick"].update(
            training_s=yardstick["training_s"], init_with_training_s=yardstick["init_s"]
        )

        # Then the servers, one bot at a time.
        results["perheneuvo"].update(bench_perheneuvo(model, work, counts, args.ready_timeout))
        results["yardstick"].update(
            bench_yardstick(
                yardstick["project"], yardstick["model"], work, counts, args.ready_timeout
            )
        )
        results["production"] = bench_production(counts, args.ready_timeout)
        results["publish"] = bench_publish(work, args.train_timeout)
    except BenchError as error:
        print(f"\nerror: {error}", file=sys.stderr)
        results["error"] = str(error).splitlines()[0]
    except KeyboardInterrupt as error:
        print(f"\ninterrupted ({error or 'Ctrl-C'}); stopping", file=sys.stderr)
        return 130
    finally:
        if args.keep:
            log(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    results["total_s"] = round(time.monotonic() - started, 1)

    print(
        f"\nPerheneuvo benchmark ({mode} run, {results['date']}): {results['cpus']} CPUs, "
        f"Python {results['python']}, Rasa {results['rasa']}, commit {results['git']}"
    )
    print(
        f"Yardstick: `rasa init` bot (English). Requests: POST /webhooks/rest/webhook on "
        f"127.0.0.1, timeout {REQUEST_TIMEOUT_S:.0f} s. Latencies cover answered requests."
    )
    print_table(results, counts)
    if results["yardstick"].get("init_with_training_s") is not None:
        print(
            f"(rasa init with its initial training took "
            f"{results['yardstick']['init_with_training_s']:.1f} s)"
        )
    results["targets"] = evaluate_targets(results)
    print_targets(results["targets"])
    if results.get("production"):
        print_production(results["production"])
    print_publish(results.get("publish"))
    print(f"\nWhole run: {results['total_s']:.0f} s")
    print("BENCH_JSON " + json.dumps(results, ensure_ascii=False, sort_keys=True))
    return 1 if "error" in results else 0


if __name__ == "__main__":
    sys.exit(main())
