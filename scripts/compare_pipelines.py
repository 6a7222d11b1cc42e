"""Trains the NLU part of several pipelines on data/ and scores them on the held-out set.

    python scripts/compare_pipelines.py            (what `make compare-pipelines` does)
    python scripts/compare_pipelines.py default    (only pipelines whose name has "default")

Prints, per pipeline: held-out topic accuracy, NLU training time and mean parse time.
The figures go into docs/nlu-pipeline.md.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests import heldout_eval  # noqa: E402

PIPELINES = {
    "perheneuvo (config.yml)": ROOT / "config.yml",
    "perheneuvo with ResponseSelector": ROOT
    / "scripts"
    / "pipelines"
    / "ours-with-response-selector.yml",
    "perheneuvo without Voikko": ROOT / "scripts" / "pipelines" / "ours-without-voikko.yml",
    "Rasa default pipeline": ROOT / "scripts" / "pipelines" / "rasa-default.yml",
}


def train(config: Path, out: Path) -> float:
    started = time.perf_counter()
    subprocess.run(
        [
            str(Path(sys.executable).parent / "rasa"),
            "train",
            "nlu",
            "--config",
            str(config),
            "--nlu",
            "data",
            "--domain",
            "domain.yml",
            "--out",
            str(out),
            "--fixed-model-name",
            "nlu",
        ],
        cwd=ROOT,
        check=True,
        # No training cache: every pipeline trains from scratch, so the times compare.
        env={**os.environ, "RASA_MAX_CACHE_SIZE": "0"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def main() -> int:
    from rasa.core.agent import load_agent

    rows = []
    loop = asyncio.new_event_loop()
    chosen = {
        n: c
        for n, c in PIPELINES.items()
        if not sys.argv[1:] or any(word.lower() in n.lower() for word in sys.argv[1:])
    }
    for name, config in chosen.items():
        with tempfile.TemporaryDirectory() as out:
            seconds = train(config, Path(out))
            agent = loop.run_until_complete(load_agent(model_path=str(Path(out) / "nlu.tar.gz")))
            parse = lambda text, agent=agent: loop.run_until_complete(agent.parse_message(text))  # noqa: E731
            parse("lämmittely")
            started = time.perf_counter()
            result = heldout_eval.evaluate(parse)
            per_message = (time.perf_counter() - started) / result.total * 1000
            rows.append((name, result.accuracy, result.correct, result.total, seconds, per_message))
            print(f"{name}: {result.accuracy:.1%}", flush=True)
    print(f"\n{'pipeline':30} {'held-out':>9} {'correct':>9} {'train s':>8} {'parse ms':>9}")
    for name, accuracy, correct, total, seconds, ms in rows:
        print(f"{name:30} {accuracy:9.1%} {correct:4d}/{total:<4d} {seconds:8.0f} {ms:9.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
