"""Keskustelut: families' requests to talk to a person. A staff member takes a waiting request,
reads the conversation so far (personal data masked), writes to the family, and hands the
conversation back to the bot or closes it. The list and a request's page refresh themselves
(static/console/conversations.js polls `list_state` and `state`, small JSON answers); their
*Päivitä* links reload the page without JavaScript. Opening hours per region are edited here by a
julkaisija or pääkäyttäjä. Thin: the requests, messages and opening hours are in the
conversation store, read and written through bot.handover, which the bot reads too.

Region-limited accounts see and answer the requests of their own regions only."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path
from typing import Any, Dict, Iterable, Iterator, List, Tuple

import sqlalchemy as sa
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from bot import handover
from bot.privacy import mask_personal_data
from console.accounts.models import may_edit_region
from console.accounts.roles import EDIT, PUBLISH
from console.audit.models import record
from console.conversations.forms import OpeningHoursForm, ReplyForm, initial_hours
from console.knowledge.store import municipality_regions
from staff import connection as store_connection
from staff.project import Project

STATUS_NAMES = {
    handover.WAITING: "odottaa työntekijää",
    handover.TAKEN: "työntekijä vastaa",
    handover.EXPIRED: "kukaan ei ehtinyt (perheelle kerrottiin)",
    handover.RETURNED: "palautettu botille",
    handover.CLOSED: "suljettu",
    handover.LEFT: "perhe poistui (pikapoistuminen)",
}
AUTHOR_NAMES = {
    "user": "Perhe",
    "bot": "Botti",
    handover.FAMILY: "Perhe",
    handover.STAFF: "Työntekijä",
    handover.BOT: "Botti",
}
RECENT_SECONDS = 7 * 24 * 3600
# The audit log's kinds of change (console.audit Entry.action): who took, handed back or closed
# which request, and who changed which region's opening hours; never a message's text.
HANDOVER_TAKEN = "handover_taken"
HANDOVER_RETURNED = "handover_returned"
HANDOVER_CLOSED = "handover_closed"
OPENING_HOURS_SAVED = "opening_hours_saved"


class _Engine:
    def __enter__(self) -> sa.engine.Engine:
        self.engine = handover.engine_for(store_connection.tracker_db())
        return self.engine

    def __exit__(self, *_args: Any) -> None:
        self.engine.dispose()


def _region_names() -> Dict[str, str]:
    names, _of = municipality_regions(Project(Path(settings.CONSOLE_PROJECT_ROOT)))
    return names


def _row(request: handover.Request, names: Dict[str, str]) -> Dict[str, Any]:
    return {
        "entry": request,  # not "request": that name is Django's request in the templates
        "region": names.get(request.region or "", request.region or "alue ei tiedossa"),
        "status": STATUS_NAMES.get(request.status, request.status),
        "made": time.strftime("%d.%m.%Y %H:%M", time.localtime(request.timestamp)),
        "channel": "Telegram" if request.channel == "telegram" else "verkkosivun chat",
    }


def _listed(user: Any) -> Dict[str, List[Dict[str, Any]]]:
    """The list page's rows the account may see: waiting, taken and recently ended requests."""
    names = _region_names()
    with _Engine() as engine, engine.begin() as c:
        handover.expire(c)
        open_ones = handover.requests(c, handover.ACTIVE)
        ended = handover.requests(
            c,
            handover.ENDED,
            since=time.time() - RECENT_SECONDS,
            limit=50,
        )
    visible = [r for r in open_ones if may_edit_region(user, r.region)]
    return {
        "waiting": [_row(r, names) for r in visible if r.status == handover.WAITING],
        "taken": [_row(r, names) for r in visible if r.status == handover.TAKEN],
        "ended": [_row(r, names) for r in ended if may_edit_region(user, r.region)],
    }


def _version(listed: Dict[str, List[Dict[str, Any]]]) -> str:
    """Changes whenever a request appears, changes status or leaves the list."""
    shown = sorted(
        (row["entry"].id, row["entry"].status, row["entry"].taken_by or "")
        for rows in listed.values()
        for row in rows
    )
    return hashlib.sha256(json.dumps(shown).encode()).hexdigest()[:16]


def _row_json(row: Dict[str, Any]) -> Dict[str, Any]:
    found = row["entry"]
    return {
        "id": found.id,
        "status": found.status,
        "status_text": row["status"],
        "region": row["region"],
        "made": row["made"],
        "channel": row["channel"],
        "taken_by": found.taken_by or "",
        "url": reverse("conversations:detail", args=[found.id]),
        "take_url": reverse("conversations:take", args=[found.id]),
    }


@permission_required(EDIT, raise_exception=True)
@require_GET
def conversations(request: HttpRequest) -> HttpResponse:
    listed = _listed(request.user)
    return render(
        request,
        "conversations/list.html",
        {
            **listed,
            "version": _version(listed),
            "wait_minutes": max(1, round(handover.wait_seconds() / 60)),
            "may_edit_hours": request.user.has_perm(PUBLISH),
        },
    )


@permission_required(EDIT, raise_exception=True)
@require_GET
@never_cache
def list_state(request: HttpRequest) -> JsonResponse:
    """What the list page needs to refresh itself: its rows and their version."""
    listed = _listed(request.user)
    return JsonResponse(
        {
            "version": _version(listed),
            **{part: [_row_json(row) for row in rows] for part, rows in listed.items()},
        }
    )


def _so_far(engine: sa.engine.Engine, sender_id: str, until: float) -> Iterator[Tuple[str, str]]:
    """(author, masked text) of the conversation with the bot before the request."""
    with engine.connect() as c:
        if not sa.inspect(c).has_table("events"):
            return
        rows = c.execute(
            sa.text(
                "SELECT type_name, data FROM events WHERE sender_id = :sender "
                "AND type_name IN ('user', 'bot') AND timestamp <= :until ORDER BY id"
            ),
            {"sender": sender_id, "until": until + 1},
        ).fetchall()
    for type_name, data in rows[-60:]:
        text = (json.loads(data).get("text") or "").strip()
        if text:
            yield AUTHOR_NAMES[type_name], mask_personal_data(text)


def _get(engine: sa.engine.Engine, user: Any, pk: int) -> handover.Request:
    with engine.connect() as c:
        found = handover.get(c, pk)
    if found is None or not may_edit_region(user, found.region):
        raise Http404("Ei tällaista keskustelua.")
    return found


def _message_rows(messages: Iterable[handover.Message]) -> List[Dict[str, Any]]:
    return [
        {
            "id": m.id,
            "author": AUTHOR_NAMES.get(m.author, m.author),
            "family": m.author == handover.FAMILY,
            "text": m.text,
            "time": time.strftime("%H:%M", time.localtime(m.timestamp)),
        }
        for m in messages
    ]


@permission_required(EDIT, raise_exception=True)
@require_GET
def conversation(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, pk)


def _detail(request: HttpRequest, pk: int, form: Any = None) -> HttpResponse:
    names = _region_names()
    with _Engine() as engine:
        with engine.begin() as c:
            handover.expire(c)
        found = _get(engine, request.user, pk)
        so_far = list(_so_far(engine, found.sender_id, found.timestamp))
        with engine.connect() as c:
            handed = _message_rows(handover.messages_of(c, pk))
    return render(
        request,
        "conversations/detail.html",
        {
            **_row(found, names),
            "so_far": so_far,
            "handed": handed,
            "last_message": handed[-1]["id"] if handed else 0,
            "form": form or ReplyForm(),
            "taken": found.status == handover.TAKEN,
            "waiting": found.status == handover.WAITING,
        },
        status=400 if form is not None else 200,
    )


@permission_required(EDIT, raise_exception=True)
@require_GET
@never_cache
def state(request: HttpRequest, pk: int) -> JsonResponse:
    """What a request's page needs to refresh itself: its status and the messages after
    message id `jalkeen` (?jalkeen=12)."""
    try:
        after = max(int(request.GET.get("jalkeen", "0")), 0)
    except ValueError:
        after = 0
    names = _region_names()
    with _Engine() as engine:
        with engine.begin() as c:
            handover.expire(c)
        found = _get(engine, request.user, pk)
        with engine.connect() as c:
            new = _message_rows(handover.messages_of(c, pk, after=after))
    return JsonResponse({**_row_json(_row(found, names)), "messages": new})


@permission_required(EDIT, raise_exception=True)
@require_POST
def take(request: HttpRequest, pk: int) -> HttpResponse:
    with _Engine() as engine:
        _get(engine, request.user, pk)
        with engine.begin() as c:
            taken = handover.take(c, pk, request.user.get_username())
    if taken:
        record(request.user, HANDOVER_TAKEN, f"keskustelu {pk}")
        messages.success(request, "Otit keskustelun. Botti ei vastaa perheelle sillä aikaa.")
    else:
        messages.error(request, "Keskustelua ei voitu ottaa: joku ehti ensin tai aika loppui.")
    return redirect("conversations:detail", pk=pk)


@permission_required(EDIT, raise_exception=True)
@require_POST
def reply(request: HttpRequest, pk: int) -> HttpResponse:
    form = ReplyForm(request.POST)
    if not form.is_valid():
        return _detail(request, pk, form=form)
    with _Engine() as engine:
        found = _get(engine, request.user, pk)
        if found.status == handover.LEFT:
            messages.error(request, "Viestiä ei lähetetty: perhe poistui keskustelusta.")
            return redirect("conversations:detail", pk=pk)
        if found.status != handover.TAKEN:
            messages.error(request, "Viestiä ei lähetetty: keskustelu ei ole enää työntekijällä.")
            return redirect("conversations:detail", pk=pk)
        with engine.begin() as c:
            handover.add_message(c, found, handover.STAFF, form.cleaned_data["teksti"])
    messages.success(request, "Viesti lähetetty perheelle.")
    return redirect("conversations:detail", pk=pk)


def _finish(request: HttpRequest, pk: int, status: str, done: str) -> HttpResponse:
    action = HANDOVER_RETURNED if status == handover.RETURNED else HANDOVER_CLOSED
    with _Engine() as engine:
        _get(engine, request.user, pk)
        with engine.begin() as c:
            finished = handover.finish(c, pk, status)
    if finished:
        record(request.user, action, f"keskustelu {pk}")
        messages.success(request, done)
    else:
        messages.error(request, "Keskustelu oli jo päättynyt.")
    return redirect("conversations:list")


@permission_required(EDIT, raise_exception=True)
@require_POST
def hand_back(request: HttpRequest, pk: int) -> HttpResponse:
    return _finish(request, pk, handover.RETURNED, "Keskustelu palautettu botille.")


@permission_required(EDIT, raise_exception=True)
@require_POST
def close(request: HttpRequest, pk: int) -> HttpResponse:
    return _finish(request, pk, handover.CLOSED, "Keskustelu suljettu.")


@permission_required(PUBLISH, raise_exception=True)
def opening_hours(request: HttpRequest) -> HttpResponse:
    names = _region_names()
    regions: List[Tuple[str, str]] = [
        (rid, name) for rid, name in names.items() if may_edit_region(request.user, rid)
    ]
    if not regions:
        raise Http404("Ei alueita.")
    chosen = request.GET.get("alue") or request.POST.get("alue") or regions[0][0]
    if chosen not in dict(regions):
        raise Http404("Ei tällaista aluetta.")
    status = 200
    with _Engine() as engine:
        if request.method == "POST":
            form = OpeningHoursForm(request.POST)
            if form.is_valid():
                with engine.begin() as c:
                    old = handover.hours_of(c, chosen)
                    handover.set_hours(c, chosen, form.hours())
                    new = handover.hours_of(c, chosen)
                record(
                    request.user,
                    OPENING_HOURS_SAVED,
                    f"aukioloajat {chosen}",
                    {
                        "old": {str(d): list(v) for d, v in old.items()},
                        "new": {str(d): list(v) for d, v in new.items()},
                    },
                )
                messages.success(request, f"Aukioloajat tallennettu: {dict(regions)[chosen]}.")
                return redirect(f"{request.path}?alue={chosen}")
            status = 400
        else:
            with engine.connect() as c:
                form = OpeningHoursForm(initial=initial_hours(handover.hours_of(c, chosen)))
    return render(
        request,
        "conversations/hours.html",
        {"form": form, "regions": regions, "chosen": chosen, "chosen_name": dict(regions)[chosen]},
        status=status,
    )
