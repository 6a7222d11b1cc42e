"""Bar charts drawn as inline SVG by the template (stats/bar_chart.html): the geometry is
computed here, so the page needs no script and no chart library. Bars are horizontal, one row
a week or region, so long labels fit. Every chart has a text alternative, and its numbers
stand in a table beside it."""

from __future__ import annotations

import dataclasses
from typing import List, Optional, Sequence, Tuple

WIDTH = 560
LABEL_WIDTH = 170  # labels at the left, right-aligned
VALUE_ROOM = 60  # the value after the longest bar
ROW = 24
BAR = 16
PAD = 6


def svg_number(value: float) -> str:
    """A coordinate as SVG reads it: a decimal point whatever the page's language (Django
    would write a Finnish decimal comma, which SVG does not read)."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


@dataclasses.dataclass
class Bar:
    label: str
    shown: str  # the value as written ("12", "83 %", "–")
    # coordinates, already written as SVG numbers
    y: str  # top of the bar
    text_y: str  # baseline of its label and value
    width: str
    value_x: str


@dataclasses.dataclass
class Chart:
    id: str
    title: str
    description: str  # the text alternative: what the chart says, in words
    bars: List[Bar]
    width: int = WIDTH
    height: int = 0
    bar_x: int = LABEL_WIDTH
    label_x: int = LABEL_WIDTH - 6
    bar_height: int = BAR


def bar_chart(
    chart_id: str,
    title: str,
    values: Sequence[Tuple[str, Optional[float]]],
    percent: bool = False,
) -> Chart:
    """A chart of (label, value) bars; a value None is drawn as no bar and written "–"."""
    top = 100.0 if percent else max([v for _l, v in values if v is not None] + [1.0])
    room = WIDTH - LABEL_WIDTH - VALUE_ROOM
    bars = []
    for index, (label, value) in enumerate(values):
        width = room * (value or 0) / top
        y = PAD + index * ROW
        bars.append(
            Bar(
                label=label,
                shown=_shown(value, percent),
                y=svg_number(y),
                text_y=svg_number(y + BAR - 4),
                width=svg_number(width),
                value_x=svg_number(LABEL_WIDTH + width + 4),
            )
        )
    described = "; ".join(f"{b.label}: {b.shown}" for b in bars) or "ei tietoja"
    return Chart(chart_id, title, f"{title}. {described}.", bars, height=2 * PAD + ROW * len(bars))


def _shown(value: Optional[float], percent: bool) -> str:
    if value is None:
        return "–"
    if percent:
        return f"{value:.0f} %"
    return f"{value:.0f}"
