"""Tilastot: how the bot is doing, per region and per week, as charts with their numbers and a
CSV file. Thin: the figures are read in console.stats.figures, the charts drawn by
console.stats.charts.

Region-limited accounts see their own regions and "alue ei tiedossa" (conversations that never
named a municipality belong to no region, and hold no region's figures); other accounts see
every region."""

from __future__ import annotations

import csv
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from django.conf import settings
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from console.accounts.models import may_edit_region
from console.accounts.roles import EDIT
from console.knowledge.store import municipality_regions
from console.stats import charts, figures
from console.stats.forms import ALL, DEFAULT_WEEKS, StatsForm
from staff import connection
from staff.inbox import STORE_ERRORS
from staff.project import Project

UNKNOWN_NAME = "alue ei tiedossa"
TOP_TOPICS = 5


def _regions(user: Any) -> Tuple[List[Tuple[str, str]], Dict[str, str]]:
    """The regions the account sees ((id, name), in the file's order, and "alue ei
    tiedossa" last), and municipality or region name -> region id."""
    project = Project(Path(settings.CONSOLE_PROJECT_ROOT))
    names, of = municipality_regions(project)
    visible = [(rid, name) for rid, name in names.items() if may_edit_region(user, rid)]
    places = dict(of)
    places.update({name: rid for rid, name in names.items()})
    return visible + [(figures.UNKNOWN, UNKNOWN_NAME)], places


def _percent(value: Optional[float]) -> str:
    return "–" if value is None else f"{value:.0f} %"


def _row(label: str, total: figures.Figures) -> Dict[str, Any]:
    return {
        "label": label,
        "figures": total,
        "answered": _percent(total.answered_share),
        "helpful": _percent(total.helpful_share),
        "not_helpful": _percent(total.not_helpful_share),
        "topics": total.top_topics(TOP_TOPICS),
    }


def _week_label(week: figures.Week) -> str:
    start = figures.week_start(week)
    return f"vk {week[1]} ({start.day}.{start.month}.)"


def _read(weeks: int, places: Dict[str, str]) -> Optional[figures.Statistics]:
    try:
        return figures.read(
            connection.tracker_db(), places, figures.weeks_until(time.time(), weeks)
        )
    except STORE_ERRORS:
        return None


@permission_required(EDIT, raise_exception=True)
@require_GET
def stats(request: HttpRequest) -> HttpResponse:
    visible, places = _regions(request.user)
    form = StatsForm(request.GET or None, regions=visible)
    valid = form.is_valid() if request.GET else False
    weeks = form.weeks() if valid else DEFAULT_WEEKS
    chosen = form.region() if valid else ALL
    names = dict(visible)
    selected = [rid for rid, _name in visible] if chosen == ALL else [chosen]
    statistics = _read(weeks, places)
    context: Dict[str, Any] = {
        "form": form if request.GET else StatsForm(regions=visible),
        "statistics": statistics,
        "weeks": weeks,
        "chosen_name": "kaikki näkyvät alueet" if chosen == ALL else names[chosen],
        "csv_query": request.GET.urlencode(),
    }
    if statistics is not None:
        week_rows = [
            {"week": _week_label(w), **_row(_week_label(w), statistics.of(selected, w))}
            for w in statistics.weeks
        ]
        region_rows = [_row(name, statistics.of([rid])) for rid, name in visible]
        context.update(
            week_rows=week_rows,
            total=_row("Yhteensä", statistics.of(selected)),
            region_rows=region_rows,
            charts=[
                charts.bar_chart(
                    "keskustelut",
                    "Keskustelut viikoittain",
                    [(r["week"], r["figures"].conversations) for r in week_rows],
                ),
                charts.bar_chart(
                    "viestit",
                    "Perheiden viestit viikoittain",
                    [(r["week"], r["figures"].messages) for r in week_rows],
                ),
                charts.bar_chart(
                    "vastatut",
                    "Ilman varavastausta vastattujen viestien osuus",
                    [(r["week"], r["figures"].answered_share) for r in week_rows],
                    percent=True,
                ),
                charts.bar_chart(
                    "auttoi",
                    "Vastauksista arvioitu hyödylliseksi",
                    [(r["week"], r["figures"].helpful_share) for r in week_rows],
                    percent=True,
                ),
                charts.bar_chart(
                    "ihmiselle",
                    "Pyynnöt puhua ihmisen kanssa viikoittain",
                    [(r["week"], r["figures"].person_requests) for r in week_rows],
                ),
                charts.bar_chart(
                    "otetut",
                    "Työntekijän ottamat pyynnöt viikoittain",
                    [(r["week"], r["figures"].person_taken) for r in week_rows],
                ),
                charts.bar_chart(
                    "ei-auttanut",
                    "Vastauksista arvioitu hyödyttömäksi",
                    [(r["week"], r["figures"].not_helpful_share) for r in week_rows],
                    percent=True,
                ),
            ],
            region_chart=charts.bar_chart(
                "alueet",
                f"Keskustelut alueittain, {weeks} viikkoa",
                [(r["label"], r["figures"].conversations) for r in region_rows],
            ),
        )
    return render(request, "stats/stats.html", context)


CSV_HEADER = [
    "alue",
    "viikko",
    "viikko alkaa",
    "keskustelut",
    "viestit",
    "vastattu ilman varavastausta",
    "vastattu ilman varavastausta %",
    "arvioitu hyödylliseksi",
    "arvioitu hyödylliseksi %",
    "arvioitu hyödyttömäksi",
    "arvioitu hyödyttömäksi %",
    "pyynnöt ihmiselle",
    "pyynnöistä otettu",
    "yleisimmät vastaamatta jääneet aiheet",
]


def _number(value: Optional[float]) -> str:
    return "" if value is None else f"{value:.1f}".replace(".", ",")


@permission_required(EDIT, raise_exception=True)
@require_GET
def csv_export(request: HttpRequest) -> HttpResponse:
    """Every visible region and week as a row; semicolons and decimal commas, as Finnish
    spreadsheets expect, with a byte order mark so that Excel reads UTF-8."""
    visible, places = _regions(request.user)
    form = StatsForm(request.GET or None, regions=visible)
    weeks = form.weeks() if request.GET and form.is_valid() else DEFAULT_WEEKS
    statistics = _read(weeks, places)
    if statistics is None:
        return HttpResponse(
            "Keskustelutietokantaa ei voitu lukea.", status=503, content_type="text/plain"
        )
    reply = HttpResponse(content_type="text/csv; charset=utf-8")
    reply["Content-Disposition"] = 'attachment; filename="perheneuvo-tilastot.csv"'
    reply.write("\ufeff")
    writer = csv.writer(reply, delimiter=";")
    writer.writerow(CSV_HEADER)
    for rid, name in visible:
        for week in statistics.weeks:
            f = statistics.of([rid], week)
            writer.writerow(
                [
                    name,
                    f"{week[0]}-W{week[1]:02d}",
                    figures.week_start(week).isoformat(),
                    f.conversations,
                    f.messages,
                    f.answered,
                    _number(f.answered_share),
                    f.helpful,
                    _number(f.helpful_share),
                    f.not_helpful,
                    _number(f.not_helpful_share),
                    f.person_requests,
                    f.person_taken,
                    ", ".join(f"{t} ({n})" for t, n in f.top_topics(TOP_TOPICS)),
                ]
            )
    return reply
