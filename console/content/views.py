"""The FAQ topic pages. Thin: reading, checking and writing are in console.content.faq."""

from __future__ import annotations

import threading

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from console.accounts.roles import EDIT
from console.audit.models import FAQ_SAVED, record
from console.content import evaluation, faq
from console.content.forms import NewTopicForm, TopicEditForm
from console.inbox.reading import NEW_TOPIC_EXAMPLE
from console.publishing import changes
from console.texts import say
from console.workspace import editing_project, live_project
from staff.project import Project

# One save at a time in this process: check and write must not interleave.
_SAVING = threading.Lock()
# The audit log's kind of change for a new topic (console.audit.models has the others).
FAQ_CREATED = "faq_created"


def _topic(project: Project, name: str) -> faq.Topic:
    try:
        return faq.read_topic(project, name)
    except faq.TopicNotFound:
        raise Http404(name) from None


def topic_list(request: HttpRequest) -> HttpResponse:
    topics, broken = faq.list_topics(editing_project())
    query = request.GET.get("q", "").strip()
    shown = [t for t in topics if t.matches(query)] if query else topics
    evaluations = evaluation.latest(live_project())
    return render(
        request,
        "content/topic_list.html",
        {
            "topics": shown,
            "total": len(topics),
            "query": query,
            "broken": broken,
            "evaluations": evaluations,
            "rows": evaluation.rows(evaluations, shown),
            "unpublished": changes.unpublished_topics(),
        },
    )


def topic_detail(request: HttpRequest, name: str) -> HttpResponse:
    topic = _topic(editing_project(), name)
    return render(
        request,
        "content/topic_detail.html",
        {"topic": topic, "unpublished": topic.name in changes.unpublished_topics()},
    )


@permission_required(EDIT, raise_exception=True)
@require_http_methods(["GET", "POST"])
def topic_edit(request: HttpRequest, name: str) -> HttpResponse:
    project = editing_project()
    topic = _topic(project, name)
    meanwhile = None
    if request.method == "POST":
        form = TopicEditForm(request.POST)
        if form.is_valid():
            try:
                response = _save(request, project, form, name)
            except faq.ChangedMeanwhile:
                # Their change is shown; the editor's own text stays in the form, which now
                # carries the current version, so a second save writes over nothing unseen.
                topic = _topic(project, name)
                meanwhile = changes.changed_meanwhile(project, topic, form.cleaned_data["version"])
                data = request.POST.copy()
                data["version"] = topic.version
                form = TopicEditForm(data)
                form.is_valid()
                form.add_error(None, say("edit.changed_meanwhile"))
                response = None
            if response:
                return response
    else:
        form = TopicEditForm(
            initial={
                "answer": topic.answer,
                "examples": "\n".join(topic.examples),
                "version": topic.version,
            }
        )
    changes.remember_opened(project, topic)
    return render(
        request,
        "content/topic_edit.html",
        {
            "topic": topic,
            "form": form,
            "meanwhile": meanwhile,
            "meanwhile_list": [meanwhile] if meanwhile else [],
        },
    )


def _save(
    request: HttpRequest, project: Project, form: TopicEditForm, name: str
) -> HttpResponse | None:
    """Checks and writes the edit into the draft; None (and the findings on the form) when it
    is refused; ChangedMeanwhile when someone else saved the topic after it was opened."""
    answer, examples = form.cleaned_data["answer"], form.cleaned_data["examples"]
    with _SAVING:
        current = _topic(project, name)
        edited = faq.Topic(**{**current.__dict__, "version": form.cleaned_data["version"]})
        checked, changed = faq.check_edit(project, edited, answer, examples)
        if checked.ok:
            faq.save_edit(project, edited, changed)
            changes.remember_source(current.file, changed)
    if not checked.ok:
        _show_findings(form, checked)
        return None
    record(
        request.user,
        FAQ_SAVED,
        current.file,
        {
            "topic": name,
            "answer": {"before": current.answer, "after": answer},
            "examples_added": [e for e in examples if e not in current.examples],
            "examples_removed": [e for e in current.examples if e not in examples],
            "draft": True,
        },
    )
    messages.success(request, say("publish.draft_saved", topic=name))
    return redirect("content:topic", name=name)


@permission_required(EDIT, raise_exception=True)
@require_http_methods(["GET", "POST"])
def topic_new(request: HttpRequest) -> HttpResponse:
    project = editing_project()
    existing = [t.name for t in faq.list_topics(project)[0]]
    if request.method == "POST":  # into the draft: every editor may
        form = NewTopicForm(request.POST, existing=existing)
        if form.is_valid():
            response = _create(request, project, form)
            if response:
                return response
    else:
        # from the inbox: "Aloita uusi aihe" brings the (masked) message as the first example
        example = request.GET.get(NEW_TOPIC_EXAMPLE, "").strip()
        form = NewTopicForm(existing=existing, initial={"examples": example} if example else None)
    return render(request, "content/topic_new.html", {"form": form})


def _create(request: HttpRequest, project: Project, form: NewTopicForm) -> HttpResponse | None:
    """Checks and writes a new topic; None (and the findings on the form) when refused."""
    data = form.cleaned_data
    name, title, answer, examples = data["name"], data["title"], data["answer"], data["examples"]
    with _SAVING:
        checked, source = faq.check_new(project, name, title, answer, examples)
        if checked.ok:
            try:
                path = faq.create_topic(project, name, source)
            except faq.TopicExists:
                form.add_error("name", say("new_topic.exists", topic=name))
                return None
    if not checked.ok:
        _show_findings(form, checked)
        return None
    record(
        request.user,
        FAQ_CREATED,
        project.relative(path),
        {"topic": name, "title": title, "answer": answer, "examples": list(examples)},
    )
    messages.success(request, say("new_topic.created", topic=name))
    return redirect("content:topic", name=name)


def _show_findings(form: forms.Form, checked: faq.Checked) -> None:
    """The check's findings next to their fields (the rest above the form)."""
    for field, findings in checked.by_field.items():
        for finding in findings:
            form.add_error(field or None, finding.text or say("edit.not_found_after"))
