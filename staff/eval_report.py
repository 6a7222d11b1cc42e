"""The held-out evaluation as a page staff can look at: results/eval/index.html with a
confusion-matrix picture, the per-topic table (weakest first) and the wrongly answered
questions; and the per-topic figures as results/eval/report.json for the staff console."""

from __future__ import annotations

import datetime as dt
import html
import io
import json
from pathlib import Path
from typing import List, Optional, Tuple

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402

from staff.evaluation import REQUIRED_ACCURACY, Result, percent  # noqa: E402
from staff.messages import say  # noqa: E402
from staff.safe_write import atomic_write, atomic_write_bytes  # noqa: E402

PICTURE = "confusion.png"


def confusion(result: Result) -> Tuple[List[str], List[str], np.ndarray]:
    """Rows: the right topics; columns: the same topics, then other answers the model gave."""
    rows = sorted({a.expected for a in result.answers})
    columns = rows + sorted({a.got for a in result.answers} - set(rows))
    matrix = np.zeros((len(rows), len(columns)), dtype=int)
    for answer in result.answers:
        matrix[rows.index(answer.expected), columns.index(answer.got)] += 1
    return rows, columns, matrix


def draw_confusion(result: Result, path: Path) -> None:
    rows, columns, matrix = confusion(result)
    shares = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    figure, axes = plt.subplots(figsize=(3 + 0.34 * len(columns), 2.5 + 0.34 * len(rows)))
    axes.imshow(shares, cmap="Blues", vmin=0, vmax=1, aspect="auto")
    for i, j in zip(*np.nonzero(matrix), strict=True):
        wrong = i != j
        if wrong:  # wrong answers stand out in red whatever their share
            axes.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, color="#f4b6b6"))
        axes.text(
            j,
            i,
            str(matrix[i, j]),
            ha="center",
            va="center",
            fontsize=8,
            color="#8b0000" if wrong else ("white" if shares[i, j] > 0.5 else "black"),
            fontweight="bold" if wrong else "normal",
        )
    axes.set_xticks(range(len(columns)), columns, rotation=90, fontsize=8)
    axes.set_yticks(range(len(rows)), rows, fontsize=8)
    axes.set_xlabel(say("eval_report.axis_got"))
    axes.set_ylabel(say("eval_report.axis_expected"))
    axes.set_title(say("eval_report.picture_title"))
    figure.tight_layout()
    buffer = io.BytesIO()
    try:
        figure.savefig(buffer, format="png", dpi=100)
    finally:
        plt.close(figure)
    atomic_write_bytes(path, buffer.getvalue())


def write_report(
    result: Result, out_dir: Path, model: str, now: Optional[dt.datetime] = None
) -> Path:
    """Writes the picture and the page; returns the page's path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    draw_confusion(result, out_dir / PICTURE)
    page = out_dir / "index.html"
    now = now or dt.datetime.now()
    atomic_write(page, render(result, model, now))
    atomic_write(out_dir / "report.json", figures(result, model, now))
    return page


def figures(result: Result, model: str, now: dt.datetime) -> str:
    """The per-topic figures as JSON, with the keys in Finnish as in results/answers."""
    return json.dumps(
        {
            "malli": model,
            "aika": now.isoformat(timespec="seconds"),
            "kysymyksia": result.total,
            "oikein": result.correct,
            "vaadittu": REQUIRED_ACCURACY,
            "aiheittain": {
                topic: {"oikein": ok, "kysymyksia": n}
                for topic, (ok, n) in result.per_topic.items()
            },
        },
        ensure_ascii=False,
        indent=1,
    )


def render(result: Result, model: str, now: dt.datetime) -> str:
    e = html.escape
    verdict = "eval_report.passed" if result.passed else "eval_report.failed"
    topics = sorted(result.per_topic.items(), key=lambda item: (item[1][0] / item[1][1], item[0]))
    topic_rows = "\n".join(
        f'<tr class="{"weak" if ok / n < REQUIRED_ACCURACY else ""}"><td>{e(topic)}</td>'
        f'<td class="num">{ok} / {n}</td><td class="num">{e(percent(ok / n))}</td>'
        f'<td><span class="bar" style="width:{round(100 * ok / n)}px"></span></td></tr>'
        for topic, (ok, n) in topics
    )
    wrong_rows = (
        "\n".join(
            f"<tr><td>{e(text)}</td><td>{e(expected)}</td><td>{e(got)}</td></tr>"
            for text, expected, got in result.mistakes
        )
        or f'<tr><td colspan="3">{e(say("eval_report.no_mistakes"))}</td></tr>'
    )
    verdict_text = say(
        verdict,
        correct=result.correct,
        total=result.total,
        accuracy=percent(result.accuracy),
        required=percent(REQUIRED_ACCURACY),
    )
    return f"""<!doctype html>
<html lang="fi">
<head>
<meta charset="utf-8">
<title>{e(say("eval_report.title"))}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 70rem; margin: 2rem auto;
       padding: 0 1rem; color: #222; }}
table {{ border-collapse: collapse; margin: 1rem 0; }}
th, td {{ border-bottom: 1px solid #ddd; padding: .3rem .6rem; text-align: left;
         vertical-align: top; }}
td.num {{ text-align: right; white-space: nowrap; }}
tr.weak td {{ background: #fdecea; }}
.bar {{ display: inline-block; height: .8rem; background: #1565c0; }}
.verdict {{ font-size: 1.2rem; font-weight: bold; }}
.failed {{ color: #b00020; }}
img {{ max-width: 100%; border: 1px solid #ddd; }}
</style>
</head>
<body>
<h1>{e(say("eval_report.title"))}</h1>
<p>{e(say("eval_report.made", when=now.strftime("%d.%m.%Y %H:%M"), model=model))}</p>
<p class="verdict {"" if result.passed else "failed"}">{e(verdict_text)}</p>
<h2>{e(say("eval_report.picture_heading"))}</h2>
<p>{e(say("eval_report.picture_help"))}</p>
<p><img src="{PICTURE}" alt="{e(say("eval_report.picture_title"))}"></p>
<h2>{e(say("eval_report.topics_heading"))}</h2>
<p>{e(say("eval_report.topics_help", required=percent(REQUIRED_ACCURACY)))}</p>
<table>
<tr><th>{e(say("eval_report.topic"))}</th><th>{e(say("eval_report.right"))}</th><th>{e(say("eval_report.share"))}</th><th></th></tr>
{topic_rows}
</table>
<h2>{e(say("eval_report.wrong_heading", count=len(result.mistakes)))}</h2>
<p>{e(say("eval_report.wrong_help"))}</p>
<table>
<tr><th>{e(say("eval_report.question"))}</th><th>{e(say("eval_report.expected"))}</th><th>{e(say("eval_report.got"))}</th></tr>
{wrong_rows}
</table>
</body>
</html>
"""
