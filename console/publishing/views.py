"""The publishing pages: the draft and its diff (Luonnos), publishing and its progress, the
draft bot beside the live one (Kokeile), and the versions with restore (Versiot). Thin: the
work is in draft, diff, pipeline, draftbot and history."""

from __future__ import annotations

import hashlib
import re

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from bot.constants import STAFF_SENDER_PREFIX
from console.accounts.roles import EDIT, PUBLISH
from console.audit.models import DRAFT_DISCARDED, record
from console.publishing import diff, draft, draftbot, history, pipeline
from console.publishing.forms import PublishForm, QuestionForm
from console.publishing.models import PublishRun
from console.texts import say
from console.workspace import live_project

COMMIT = re.compile(r"^[0-9a-f]{7,40}$")


@permission_required(EDIT, raise_exception=True)
def draft_page(request: HttpRequest, form: PublishForm | None = None) -> HttpResponse:
    live = live_project()
    return render(
        request,
        "publishing/draft.html",
        {
            "diffs": diff.describe(draft.changes(live)),
            "form": form or PublishForm(),
            "runs": PublishRun.objects.all()[:5],
            "running": PublishRun.objects.filter(state=PublishRun.RUNNING).first(),
        },
    )


@permission_required(PUBLISH, raise_exception=True)
@require_POST
def publish(request: HttpRequest) -> HttpResponse:
    form = PublishForm(request.POST)
    if not form.is_valid():
        return draft_page(request, form)
    try:
        run = pipeline.start(request.user, form.cleaned_data["message"])
    except pipeline.PublishBusy:
        messages.error(request, say("publish.busy"))
        return redirect("publishing:draft")
    messages.success(request, say("publish.started"))
    return redirect("publishing:run", run_id=run.pk)


@permission_required(PUBLISH, raise_exception=True)
@require_POST
def discard(request: HttpRequest) -> HttpResponse:
    live = live_project()
    paths = [change.path for change in draft.changes(live)]
    draft.discard(live)
    record(request.user, DRAFT_DISCARDED, "luonnos", {"files": paths})
    messages.success(request, say("publish.discarded"))
    return redirect("publishing:draft")


@permission_required(EDIT, raise_exception=True)
def run_page(request: HttpRequest, run_id: int) -> HttpResponse:
    run = get_object_or_404(PublishRun, pk=run_id)
    return render(request, "publishing/run.html", {"run": run})


@permission_required(PUBLISH, raise_exception=True)
@require_http_methods(["GET", "POST"])
def try_page(request: HttpRequest) -> HttpResponse:
    form = QuestionForm()
    answers = None
    question = ""
    if request.method == "POST":
        action = request.POST.get("toiminto", "")
        if action == "kaynnista":
            draftbot.start()
            return redirect("publishing:try")
        if action == "sammuta":
            draftbot.stop()
            return redirect("publishing:try")
        form = QuestionForm(request.POST)
        if form.is_valid():
            question = form.cleaned_data["question"]
            answers = draftbot.ask(question, _sender(request))
            form = QuestionForm()
    return render(
        request,
        "publishing/try.html",
        {"bot": draftbot.status(), "form": form, "answers": answers, "question": question},
    )


def _sender(request: HttpRequest) -> str:
    key = request.session.session_key or request.user.get_username()
    return STAFF_SENDER_PREFIX + hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


@permission_required(EDIT, raise_exception=True)
def history_page(request: HttpRequest) -> HttpResponse:
    live = live_project()
    return render(
        request,
        "publishing/history.html",
        {"versions": history.versions(live), "latest": history.latest(live)},
    )


def _version(commit: str) -> history.Version:
    if not COMMIT.match(commit):
        raise Http404(commit)
    try:
        return history.version(live_project(), commit)
    except history.HistoryError:
        raise Http404(commit) from None


@permission_required(EDIT, raise_exception=True)
def version_page(request: HttpRequest, commit: str) -> HttpResponse:
    live = live_project()
    item = _version(commit)
    latest = history.latest(live)
    return render(
        request,
        "publishing/version.html",
        {
            "version": item,
            "diffs": diff.describe(history.changes_of(live, item)),
            "is_latest": latest is not None and latest.commit == item.commit,
        },
    )


@permission_required(PUBLISH, raise_exception=True)
@require_POST
def restore(request: HttpRequest, commit: str) -> HttpResponse:
    """The version's files become the draft, which is published the same way as any draft."""
    live = live_project()
    item = _version(commit)
    if pipeline.busy():
        messages.error(request, say("publish.busy"))
        return redirect("publishing:history")
    if draft.changes(live):  # restoring replaces the draft: unpublished work must not be lost
        messages.error(request, say("publish.restore_draft_not_empty"))
        return redirect("publishing:version", commit=item.commit)
    draft.replace(live, history.files_at(live, item.commit))
    message = say("publish.restore_message", version=item.short, message=item.message)
    try:
        run = pipeline.start(request.user, message, PublishRun.RESTORE, item.commit)
    except pipeline.PublishBusy:
        messages.error(request, say("publish.busy"))
        return redirect("publishing:history")
    messages.success(request, say("publish.restore_started", version=item.short))
    return redirect("publishing:run", run_id=run.pk)
