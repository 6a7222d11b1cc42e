"""The spreadsheet pages. Thin: the workbook is console.sheets.workbook, the changes and their
checks console.sheets.changes, the upload kept between the two steps console.sheets.staging."""

from __future__ import annotations

import threading
from typing import Any, Dict, List

import yaml
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from console.accounts.models import regions_of
from console.accounts.roles import EDIT
from console.audit.models import FAQ_SAVED, record
from console.content import faq
from console.sheets import changes, staging, workbook
from console.sheets.forms import UploadForm
from console.texts import say
from console.workspace import editing_project
from staff.project import Project

# The audit log's kinds of change for spreadsheets (console.audit.models has the others).
SHEET_EXPORTED = "sheet_exported"
SHEET_IMPORTED = "sheet_imported"
CONTACT_SAVED = "contact_saved"
# One import at a time in this process: check and write must not interleave with other saves.
_IMPORTING = threading.Lock()
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@permission_required(EDIT, raise_exception=True)
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    return _index(request, UploadForm())


def _index(request: HttpRequest, form: UploadForm, status: int = 200) -> HttpResponse:
    return render(
        request,
        "sheets/index.html",
        {"form": form, "pending": staging.load(request.session)},
        status=status,
    )


@permission_required(EDIT, raise_exception=True)
@require_GET
def export(request: HttpRequest) -> HttpResponse:
    project = editing_project()
    topics, _broken = faq.list_topics(project)
    content = workbook.export(
        [workbook.TopicRow(t.name, t.title, t.answer, t.examples) for t in topics],
        _contact_rows(project),
    )
    record(request.user, SHEET_EXPORTED, "taulukko", {"topics": len(topics)})
    response = HttpResponse(content, content_type=XLSX)
    name = f"perheneuvo-{timezone.localdate().isoformat()}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _contact_rows(project: Project) -> List[workbook.ContactRow]:
    path = project.knowledge_dir / changes.CONTACTS_FILE
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    names = changes.region_names(project)
    rows = []
    for entry in data.get("contacts") or []:
        values: Dict[str, Any] = {}
        for field in workbook.CONTACT_FIELDS:
            value = changes.old_value(entry, field)
            values[field] = names.get(value, value) if field == "region" else value
        rows.append(workbook.ContactRow(str(entry.get("id")), values))
    return rows


@permission_required(EDIT, raise_exception=True)
@require_POST
def upload(request: HttpRequest) -> HttpResponse:
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _index(request, form, status=400)
    try:
        rows = workbook.read(form.cleaned_data["workbook"])
    except workbook.SheetProblem as problem:
        form.add_error("workbook", str(problem))
        return _index(request, form, status=400)
    staging.keep(
        request.session,
        {
            "rows": rows,
            "file": request.FILES["workbook"].name,
            "by": request.user.get_username(),
            "at": timezone.localtime().strftime("%-d.%-m.%Y klo %H.%M"),
        },
    )
    return redirect("sheets:preview")


def _planned(request: HttpRequest, data: Dict[str, Any]) -> changes.Plan:
    project = editing_project()
    return changes.check(project, changes.plan(project, data["rows"], regions_of(request.user)))


@permission_required(EDIT, raise_exception=True)
@require_GET
def preview(request: HttpRequest) -> HttpResponse:
    data = staging.load(request.session)
    if data is None:
        messages.info(request, say("sheets.nothing_pending"))
        return redirect("sheets:index")
    return _preview(request, data, _planned(request, data))


def _preview(
    request: HttpRequest, data: Dict[str, Any], plan: changes.Plan, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "sheets/preview.html",
        {"data": data, "plan": plan},
        status=status,
    )


@permission_required(EDIT, raise_exception=True)
@require_POST
def confirm(request: HttpRequest) -> HttpResponse:
    # an import goes into the draft: every editor may (a julkaisija publishes it)
    data = staging.load(request.session)
    if data is None:
        messages.info(request, say("sheets.nothing_pending"))
        return redirect("sheets:index")
    with _IMPORTING:
        plan = _planned(request, data)
        if plan.fingerprint != request.POST.get("fingerprint"):
            messages.error(request, say("sheets.changed_meanwhile"))
            return _preview(request, data, plan, status=409)
        if not plan.ok or plan.empty:
            return _preview(request, data, plan, status=400)
        try:
            changes.apply(plan)
        except changes.ChangedMeanwhile:
            messages.error(request, say("sheets.changed_meanwhile"))
            return _preview(request, data, plan, status=409)
    _audit(request, data, plan)
    staging.forget(request.session)
    messages.success(
        request, say("sheets.imported", topics=len(plan.topics), contacts=len(plan.contacts))
    )
    return redirect("sheets:index")


def _audit(request: HttpRequest, data: Dict[str, Any], plan: changes.Plan) -> None:
    for topic in plan.topics:
        record(
            request.user,
            FAQ_SAVED,
            topic.file,
            {
                "topic": topic.topic,
                "answer": {"before": topic.answer_before, "after": topic.answer_after},
                "examples_added": topic.added,
                "examples_removed": topic.removed,
                "from": "taulukko",
            },
        )
    for contact in plan.contacts:
        record(
            request.user,
            CONTACT_SAVED,
            f"{changes.CONTACTS_FILE}: {contact.id}",
            {f.field: {"before": f.before, "after": f.after} for f in contact.fields},
        )
    record(
        request.user,
        SHEET_IMPORTED,
        data.get("file", "taulukko"),
        {"topics": [c.topic for c in plan.topics], "contacts": [c.id for c in plan.contacts]},
    )


@permission_required(EDIT, raise_exception=True)
@require_POST
def cancel(request: HttpRequest) -> HttpResponse:
    staging.forget(request.session)
    messages.info(request, say("sheets.cancelled"))
    return redirect("sheets:index")
