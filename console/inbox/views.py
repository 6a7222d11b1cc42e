"""The inbox pages ("Saapuneet"). Thin: reading is in console.inbox.reading (staff.inbox),
adding an example in staff.inbox_add."""

from __future__ import annotations

import threading
from typing import Any, Dict, List, Optional
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from console.accounts.roles import EDIT
from console.audit.models import INBOX_DISMISSED, INBOX_EXAMPLE_ADDED, record
from console.inbox import reading
from console.inbox.forms import AddExampleForm, DaysForm, DismissForm
from console.inbox.models import HandledMessage
from console.texts import say
from console.workspace import editing_project
from staff.inbox_add import AddError, add_example
from staff.messages import say as staff_say

# One addition at a time in this process: check and write must not interleave.
_ADDING = threading.Lock()


def may_add(user: Any) -> bool:
    """Adding writes the draft: every editor may (a julkaisija publishes it)."""
    return bool(user.has_perm(EDIT))


def _days(request: HttpRequest) -> int:
    """The period of the page a form was sent from (its hidden paivat field)."""
    form = DaysForm(request.POST)
    return form.days() if form.is_valid() else reading.DEFAULT_DAYS


def _inbox_url(days: int) -> str:
    url = reverse("inbox:inbox")
    return url if days == reading.DEFAULT_DAYS else f"{url}?{urlencode({'paivat': days})}"


def _groups(found: reading.Reading) -> List[Dict[str, Any]]:
    """What the template shows of each group: its messages with their keys and ids."""
    groups = []
    for group in found.inbox.groups if found.inbox else []:
        groups.append(
            {
                "number": group.number,
                "count": len(group.messages),
                "topic": group.topic,
                "percent": round(group.confidence * 100),
                "reasons": [staff_say(f"inbox.reason.{r}") for r in group.reasons],
                "notes": group.notes,
                "messages": [
                    {
                        "text": text,
                        "count": count,
                        "key": reading.handled_key(text),
                        "id": f"{group.number}-{index}",
                    }
                    for index, (text, count) in enumerate(group.texts, 1)
                ],
            }
        )
    return groups


def _page(
    request: HttpRequest,
    days: int,
    failed: Optional[Dict[str, Any]] = None,
    days_form: Optional[DaysForm] = None,
) -> HttpResponse:
    project = editing_project()
    found = reading.read_inbox(project, days)
    groups = _groups(found)
    if failed:  # the message whose addition failed: its error goes next to its topic field
        ids = [m["id"] for g in groups for m in g["messages"] if m["key"] == failed["key"]]
        failed["id"] = ids[0] if ids else None
    return render(
        request,
        "inbox/inbox.html",
        {
            "reading": found,
            "groups": groups,
            "message_count": sum(len(g.messages) for g in found.inbox.groups) if found.inbox else 0,
            "topics": reading.topics(project),
            "days": days,
            "days_form": days_form or DaysForm(initial={"paivat": days}),
            "may_add": may_add(request.user),
            "new_topic_url": reading.new_topic_url(),
            "new_topic_parameter": reading.NEW_TOPIC_EXAMPLE,
            "failed": failed,
        },
    )


@permission_required(EDIT, raise_exception=True)
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    days_form = DaysForm(request.GET or None)
    if request.GET and not days_form.is_valid():
        return _page(request, reading.DEFAULT_DAYS, days_form=days_form)
    days = days_form.days() if request.GET else reading.DEFAULT_DAYS
    return _page(request, days, days_form=days_form if request.GET else None)


@permission_required(EDIT, raise_exception=True)
@require_POST
def add(request: HttpRequest) -> HttpResponse:
    if not may_add(request.user):
        raise PermissionDenied
    days = _days(request)
    project = editing_project()
    form = AddExampleForm(request.POST, topics=reading.topics(project))
    text = request.POST.get("viesti", "")
    if not form.is_valid():
        errors = [e for field in form.errors.values() for e in field]
        return _page(request, days, {"key": reading.handled_key(text), "error": errors[0]})
    text, topic = form.cleaned_data["viesti"], form.cleaned_data["aihe"]
    try:
        with _ADDING:
            added = add_example(project, text, topic)
    except AddError as error:
        return _page(request, days, {"key": reading.handled_key(text), "error": str(error)})
    _handle(request, text, HandledMessage.ADDED, added.topic)
    record(
        request.user,
        INBOX_EXAMPLE_ADDED,
        added.file,
        {"topic": added.topic, "example": " ".join(text.split()), "line": added.line},
    )
    messages.success(request, say("inbox.added", text=" ".join(text.split()), topic=added.topic))
    return redirect(_inbox_url(days))


@permission_required(EDIT, raise_exception=True)
@require_POST
def dismiss(request: HttpRequest) -> HttpResponse:
    days = _days(request)
    form = DismissForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.non_field_errors()[0])
        return redirect(_inbox_url(days))
    with transaction.atomic():
        for text in form.texts:
            _handle(request, text, HandledMessage.DISMISSED)
    record(request.user, INBOX_DISMISSED, "saapuneet", {"messages": form.texts})
    messages.success(request, say("inbox.dismissed", count=len(form.texts)))
    return redirect(_inbox_url(days))


def _handle(request: HttpRequest, text: str, action: str, topic: str = "") -> None:
    HandledMessage.objects.update_or_create(
        key=reading.handled_key(text),
        defaults={"text": text, "action": action, "topic": topic, "user": request.user},
    )
