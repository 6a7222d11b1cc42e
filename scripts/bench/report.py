"""The results as a table and the targets met or not."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from scripts.bench.common import (
    CONCURRENT_CONVERSATIONS,
    OTHER_CPU_WARNING_PCT,
    TARGET_P95_SINGLE_MS,
    TARGET_RSS_MB,
    TARGET_THROUGHPUT_FACTOR,
    TARGET_TRAINING_S,
)


def _get(figures: Dict[str, Any], *keys: str) -> Any:
    value: Any = figures
    for key in keys:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def _cell(value: Any, digits: int) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def print_table(results: Dict[str, Any], counts: Dict[str, int]) -> None:
    ours, theirs = results["perheneuvo"], results["yardstick"]
    each = counts["messages_each"]
    rows = [
        ("Full training (s)", ("training_s",), 1),
        ("Start-up until answering (s)", ("startup_s",), 1),
        (f"Single user, {counts['single']} msgs: p50 (ms)", ("single", "p50_ms"), 1),
        ("  p95 (ms)", ("single", "p95_ms"), 1),
        ("  mean (ms)", ("single", "mean_ms"), 1),
        ("  max (ms)", ("single", "max_ms"), 1),
        ("  p50 first quarter of msgs (ms)", ("single", "p50_first_quarter_ms"), 1),
        ("  p50 last quarter of msgs (ms)", ("single", "p50_last_quarter_ms"), 1),
        ("  other processes' CPU (%)", ("single", "other_cpu_pct"), 1),
        ("  errors / answers without text", "single", 0),
        (
            f"{CONCURRENT_CONVERSATIONS} concurrent x {each} msgs: p50 (ms)",
            ("concurrent", "p50_ms"),
            1,
        ),
        ("  p95 (ms)", ("concurrent", "p95_ms"), 1),
        ("  wall time (s)", ("concurrent", "wall_s"), 2),
        ("  throughput (msg/s)", ("concurrent", "msgs_per_s"), 1),
        ("  other processes' CPU (%)", ("concurrent", "other_cpu_pct"), 1),
        ("  errors / answers without text", "concurrent", 0),
        ("Rasa server RSS after load (MB)", ("rasa_rss_mb",), 1),
        ("  peak RSS (MB)", ("rasa_peak_rss_mb",), 1),
        ("  processes", ("rasa_processes",), 0),
        ("Action server RSS after load (MB)", ("actions_rss_mb",), 1),
    ]
    width = max(len(r[0]) for r in rows) + 2
    print()
    print(f"{'':<{width}}{'Perheneuvo':>14}{'rasa init':>14}")
    print("-" * (width + 28))
    for label, keys, digits in rows:
        if isinstance(keys, str):  # a load part: its two error counts
            cells = [
                f"{_get(b, keys, 'errors')} / {_get(b, keys, 'no_text')}" if _get(b, keys) else "-"
                for b in (ours, theirs)
            ]
        else:
            cells = [_cell(_get(b, *keys), digits) for b in (ours, theirs)]
        print(f"{label:<{width}}{cells[0]:>14}{cells[1]:>14}")
    print("-" * (width + 28))
    for name, figures in (("Perheneuvo", ours), ("rasa init", theirs)):
        for part in ("single", "concurrent"):
            if _get(figures, part, "first_error"):
                print(f"{name}, {part}: first error: {figures[part]['first_error']}")
            if (_get(figures, part, "other_cpu_pct") or 0) > OTHER_CPU_WARNING_PCT:
                print(
                    f"WARNING: {name}, {part}: other processes used "
                    f"{figures[part]['other_cpu_pct']:.0f} % of the CPU meanwhile: "
                    f"these figures are skewed; run again on an idle machine"
                )
    if results.get("error"):
        print(f"Stopped early (figures marked - are missing): {results['error']}")


def evaluate_targets(results: Dict[str, Any]) -> List[Dict[str, Any]]:
    ours, theirs = results["perheneuvo"], results["yardstick"]
    targets = []

    def add(
        name: str,
        value: Optional[float],
        limit: Optional[float],
        at_most: bool,
        unit: str,
        missing: str,
    ) -> None:
        met = (
            None
            if value is None or limit is None
            else (value <= limit if at_most else value >= limit)
        )
        targets.append(
            {
                "target": name,
                "value": value,
                "limit": limit,
                "met": met,
                "unit": unit,
                "why_not_measured": None if met is not None else missing,
            }
        )

    add(
        f"p95 latency, single user <= {TARGET_P95_SINGLE_MS:.0f} ms",
        _get(ours, "single", "p95_ms"),
        TARGET_P95_SINGLE_MS,
        True,
        "ms",
        "no latencies",
    )
    theirs_tp = _get(theirs, "concurrent", "msgs_per_s")
    add(
        f"throughput at {CONCURRENT_CONVERSATIONS} concurrent >= "
        f"{TARGET_THROUGHPUT_FACTOR:g} x the yardstick's",
        _get(ours, "concurrent", "msgs_per_s"),
        round(theirs_tp * TARGET_THROUGHPUT_FACTOR, 1) if theirs_tp else None,
        False,
        "msg/s",
        "a throughput is missing",
    )
    add(
        f"Rasa server RSS <= {TARGET_RSS_MB:.0f} MB",
        ours.get("rasa_rss_mb"),
        TARGET_RSS_MB,
        True,
        "MB",
        "not measured",
    )
    add(
        f"full training <= {TARGET_TRAINING_S:.0f} s",
        ours.get("training_s"),
        TARGET_TRAINING_S,
        True,
        "s",
        "skipped (--quick)" if results["mode"] == "quick" else "not measured",
    )
    return targets


def print_targets(targets: List[Dict[str, Any]]) -> None:
    print("\nTargets (Perheneuvo):")
    for t in targets:
        if t["met"] is None:
            verdict, detail = "NOT MEASURED", t["why_not_measured"]
        else:
            verdict = "MET" if t["met"] else "NOT MET"
            detail = f"{t['value']:g} {t['unit']} (limit {t['limit']:g} {t['unit']})"
        print(f"  {t['target']}: {verdict}: {detail}")
