"""The pages of people, places and projects, and the to-do list. Thin: reading, checking and
writing are in console.knowledge.store, the form's data in console.knowledge.forms.

Who may save (into the draft, console.workspace): an account with the EDIT permission; a
region-limited account only entries of its regions (checked here, on the server, for every
change)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, Dict, List, Optional

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from console.accounts.models import may_edit_region, regions_of
from console.accounts.roles import EDIT
from console.audit.models import (
    KNOWLEDGE_ADDED,
    KNOWLEDGE_CHECKED,
    KNOWLEDGE_ENDED,
    KNOWLEDGE_SAVED,
    record,
)
from console.knowledge import store, todo
from console.knowledge.forms import EndForm, EntryForm, initial, original_json, place_kinds
from console.knowledge.store import Entries, Entry, Kind
from console.knowledge.texts import say, text
from console.knowledge.yaml_entries import EntryNotFound, RoundTripFailed
from console.workspace import editing_project
from knowledge_base import rules
from knowledge_base.problems import ERROR
from staff.project import Project


def today() -> dt.date:
    return timezone.localdate()


def project() -> Project:
    return editing_project()


def _kind(slug: str) -> Kind:
    try:
        return store.KINDS[slug]
    except KeyError:
        raise Http404(slug) from None


def _read(kind: Kind) -> Entries:
    return store.read(project(), kind)


def _entry(entries: Entries, name: str) -> Entry:
    try:
        return entries.get(name)
    except store.EntryNotFound:
        raise Http404(name) from None


# -- who may do what -------------------------------------------------------------------------


def may_save(user: Any) -> bool:
    """Saving changes the draft: every editor may (a julkaisija publishes it)."""
    return bool(user.has_perm(EDIT))


def _require_region(request: HttpRequest, entry: Entry) -> None:
    if not may_edit_region(request.user, entry.region):
        raise PermissionDenied


def _region_names(entries: Entries, user: Any) -> str:
    return ", ".join(entries.regions.get(r, r) for r in regions_of(user))


# -- pages -----------------------------------------------------------------------------------


def entry_list(request: HttpRequest, kind: str) -> HttpResponse:
    the_kind = _kind(kind)
    entries = _read(the_kind)
    query = " ".join(request.GET.get("q", "").split())
    region = request.GET.get("alue", "")
    shown = [
        e for e in entries.entries if (not region or e.region == region) and _matches(e, query)
    ]
    return render(
        request,
        "knowledge/entry_list.html",
        {
            **_common(request, the_kind),
            "entries": [_row(e, entries, request.user) for e in shown],
            "total": len(entries.entries),
            "query": query,
            "region": region,
            "regions": entries.regions,
        },
    )


def entry_detail(request: HttpRequest, kind: str, name: str) -> HttpResponse:
    the_kind = _kind(kind)
    entries = _read(the_kind)
    entry = _entry(entries, name)
    problems = store.problems_of(project(), entry, today())
    return render(
        request,
        "knowledge/entry_detail.html",
        {
            **_common(request, the_kind),
            **_row(entry, entries, request.user),
            "fields": _shown_fields(the_kind, entry.data),
            "problems": problems,
            "version": entries.version,
        },
    )


@permission_required(EDIT, raise_exception=True)
@require_http_methods(["GET", "POST"])
def entry_edit(request: HttpRequest, kind: str, name: str) -> HttpResponse:
    the_kind = _kind(kind)
    entries = _read(the_kind)
    entry = _entry(entries, name)
    _require_region(request, entry)
    choices = _choices(the_kind, entries)
    conflict: Optional[Dict[str, Any]] = None
    if request.method == "POST":
        if not may_save(request.user):
            raise PermissionDenied
        form = EntryForm(the_kind, False, choices, request.POST)
        if form.is_valid():
            new = form.entry(entry.data)
            if new == entry.data:
                messages.info(request, say("edit.no_changes"))
                return redirect(_url(the_kind, "detail", entry.id))
            if _region_allowed(request, form, the_kind, new, entries):
                try:
                    with store.SAVING:
                        outcome = store.check_and_save(
                            project(),
                            the_kind,
                            form.cleaned_data["version"],
                            new,
                            entry.index,
                            today(),
                        )
                except store.ChangedMeanwhile as changed:
                    conflict, form = _conflict(the_kind, form, entry, new, changed, choices)
                except (RoundTripFailed, EntryNotFound):
                    form.add_error(None, say("edit.round_trip"))
                else:
                    if outcome.written:
                        _audit(request, KNOWLEDGE_SAVED, the_kind, entry.data, new)
                        messages.success(request, say("edit.saved", name=store.label(new)))
                        return redirect(_url(the_kind, "detail", entry.id))
                    _add_problems(form, the_kind, outcome.errors)
    else:
        form = EntryForm(
            the_kind, False, choices, initial=initial(the_kind, entry.data, entries.version)
        )
    return _form_page(request, the_kind, form, entry, conflict)


@permission_required(EDIT, raise_exception=True)
@require_http_methods(["GET", "POST"])
def entry_create(request: HttpRequest, kind: str) -> HttpResponse:
    the_kind = _kind(kind)
    if not the_kind.may_add:
        raise Http404(kind)
    entries = _read(the_kind)
    choices = _choices(the_kind, entries)
    if request.method == "POST":
        if not may_save(request.user):
            raise PermissionDenied
        form = EntryForm(the_kind, True, choices, request.POST)
        if form.is_valid():
            new = form.entry({})
            if _region_allowed(request, form, the_kind, new, entries):
                try:
                    with store.SAVING:
                        outcome = store.check_and_save(
                            project(), the_kind, form.cleaned_data["version"], new, None, today()
                        )
                except store.ChangedMeanwhile:
                    # Adding touches no existing entry: the form stays as typed, on the new file.
                    data = request.POST.copy()
                    data["version"] = _read(the_kind).version
                    form = EntryForm(the_kind, True, choices, data)
                    form.is_valid()
                    form.add_error(None, say("edit.changed_meanwhile", file=_file(the_kind)))
                    form.add_error(None, say("edit.changed_again"))
                except (RoundTripFailed, EntryNotFound):
                    form.add_error(None, say("edit.round_trip"))
                else:
                    if outcome.written:
                        _audit(request, KNOWLEDGE_ADDED, the_kind, {}, new)
                        messages.success(request, say("edit.added", name=store.label(new)))
                        return redirect(_url(the_kind, "detail", str(new["id"])))
                    _add_problems(form, the_kind, outcome.errors)
    else:
        form = EntryForm(the_kind, True, choices, initial={"version": entries.version})
    return _form_page(request, the_kind, form, None, None)


@permission_required(EDIT, raise_exception=True)
@require_POST
def entry_checked(request: HttpRequest, kind: str, name: str) -> HttpResponse:
    """ "Merkitse tarkistetuksi tänään": sets the entry's checked date to today."""
    the_kind = _kind(kind)
    entry = _entry(_read(the_kind), name)
    _require_region(request, entry)
    if not may_save(request.user):
        raise PermissionDenied
    day = today()
    new = {**entry.data, "checked": day}
    done = _quick_save(request, the_kind, entry, new, KNOWLEDGE_CHECKED)
    if done:
        messages.success(
            request,
            say("edit.marked_checked", name=entry.name, date=rules.finnish_date(day)),
        )
    back = request.POST.get("takaisin", "")
    if back == "tehtavat":
        return redirect("knowledge:todo")
    return redirect(_url(the_kind, "detail", entry.id))


@permission_required(EDIT, raise_exception=True)
@require_http_methods(["GET", "POST"])
def entry_end(request: HttpRequest, kind: str, name: str) -> HttpResponse:
    """No longer valid: the entry stays, with the last day it held as the end of its period."""
    the_kind = _kind(kind)
    if not the_kind.may_end:
        raise Http404(kind)
    entries = _read(the_kind)
    entry = _entry(entries, name)
    _require_region(request, entry)
    period = entry.data.get(the_kind.period) or {}
    start = rules.parse_date(period.get("from")) if isinstance(period, dict) else None
    if request.method == "POST":
        if not may_save(request.user):
            raise PermissionDenied
        form = EndForm(request.POST)
        if form.is_valid():
            until = form.cleaned_data["until"]
            if start and until < start:
                form.add_error(
                    "until", say("edit.end_before_start", start=rules.finnish_date(start))
                )
            else:
                new = {**entry.data, the_kind.period: {"from": period.get("from"), "until": until}}
                if _quick_save(request, the_kind, entry, new, KNOWLEDGE_ENDED, form):
                    messages.success(
                        request,
                        say("edit.ended", name=entry.name, date=rules.finnish_date(until)),
                    )
                    return redirect(_url(the_kind, "detail", entry.id))
    else:
        form = EndForm(initial={"version": entries.version, "until": today().isoformat()})
    return render(
        request,
        "knowledge/entry_end.html",
        {
            **_common(request, the_kind),
            **_row(entry, entries, request.user),
            "form": form,
            "help": text("fields.end_until.help"),
        },
    )


def todo_list(request: HttpRequest) -> HttpResponse:
    day = today()
    regions = todo.by_region(project(), day)
    limited = regions_of(request.user)
    rows: List[Dict[str, Any]] = [
        {
            "region": group.region,
            "name": group.name,
            "own": bool(limited) and group.region in limited,
            "tasks": [
                {
                    "task": task,
                    "kind": text(f"kinds.{task.entry.kind.slug}.one"),
                    "detail_url": _url(task.entry.kind, "detail", task.entry.id),
                    "checked_url": _url(task.entry.kind, "checked", task.entry.id),
                    "original": original_json(task.entry.kind, task.entry.data),
                    "may_edit": may_save(request.user)
                    and may_edit_region(request.user, task.entry.region),
                }
                for task in group.tasks
            ],
        }
        for group in regions
    ]
    return render(
        request,
        "knowledge/todo.html",
        {
            "regions": rows,
            "today": rules.finnish_date(day),
            "count": sum(len(group.tasks) for group in regions),
            "kinds": _kind_links(),
        },
    )


# -- helpers ---------------------------------------------------------------------------------


def _url(kind: Kind, action: str, name: str = "") -> str:
    view = f"knowledge:{kind.slug}_{action}"
    return reverse(view, args=[name] if name else [])


def _file(kind: Kind) -> str:
    return project().relative(project().knowledge_dir / kind.file)


def _kind_links() -> List[Dict[str, str]]:
    return [
        {"url": _url(k, "list"), "label": text(f"kinds.{k.slug}.plural")}
        for k in store.KINDS.values()
    ]


def _common(request: HttpRequest, kind: Kind) -> Dict[str, Any]:
    names = text(f"kinds.{kind.slug}")
    return {
        "kind": kind,
        "kind_names": names,
        "list_url": _url(kind, "list"),
        "create_url": _url(kind, "create") if kind.may_add else "",
        "may_save": may_save(request.user),
        "may_edit": request.user.has_perm(EDIT),
        "file": _file(kind),
        "kinds": _kind_links(),
    }


def _row(entry: Entry, entries: Entries, user: Any) -> Dict[str, Any]:
    data = entry.data
    return {
        "entry": entry,
        "region_name": entries.regions.get(entry.region, entry.region),
        "checked_text": rules.finnish_date(entry.checked) if entry.checked else "",
        "until_text": rules.finnish_date(entry.until) if entry.until else "",
        "summary": data.get("role")
        or text("place_kinds").get(str(data.get("kind")), "")
        or data.get("organisation", ""),
        "detail_url": _url(entry.kind, "detail", entry.id),
        "edit_url": _url(entry.kind, "edit", entry.id),
        "checked_url": _url(entry.kind, "checked", entry.id),
        "end_url": _url(entry.kind, "end", entry.id) if entry.kind.may_end else "",
        "own_region": may_edit_region(user, entry.region),
        "original": original_json(entry.kind, data),
    }


def _matches(entry: Entry, query: str) -> bool:
    from knowledge_base.finnish import fold

    if not query:
        return True
    haystack = fold(" ".join(store.as_text(v) for v in entry.data.values()))
    return all(word in haystack for word in fold(query).split())


def _shown_fields(kind: Kind, data: Dict[str, Any]) -> List[Dict[str, str]]:
    rows = []
    for field in kind.order:
        if field == kind.period:
            period = data.get(field) or {}
            for part in ("from", "until"):
                rows.append(
                    {
                        "label": text(f"fields.{field}_{part}.label"),
                        "value": _date_text(period.get(part) if isinstance(period, dict) else None),
                    }
                )
        elif field == "checked":
            rows.append(
                {"label": text("fields.checked.label"), "value": _date_text(data.get(field))}
            )
        elif field != "id":
            value = data.get(field)
            if field == "kind":
                value = text("place_kinds").get(str(value), value)
            rows.append({"label": text(f"fields.{field}.label"), "value": store.as_text(value)})
    return rows


def _date_text(value: Any) -> str:
    day = rules.parse_date(value) if value is not None else None
    return rules.finnish_date(day) if day else store.as_text(value)


def _choices(kind: Kind, entries: Entries) -> Dict[str, Any]:
    choices: Dict[str, Any] = {}
    if "region" in kind.order:
        choices["region"] = list(entries.regions.items())
    if "project" in kind.order:
        projects = store.read(project(), store.PROJECTS).entries
        choices["project"] = [(p.id, str(p.data.get("name", p.id))) for p in projects]
    if "kind" in kind.order:
        names = text("place_kinds")
        choices["kind"] = [(k, names.get(k, k)) for k in place_kinds()]
    return choices


def _form_page(
    request: HttpRequest,
    kind: Kind,
    form: EntryForm,
    entry: Optional[Entry],
    conflict: Optional[Dict[str, Any]],
) -> HttpResponse:
    context: Dict[str, Any] = {**_common(request, kind), "form": form, "conflict": conflict}
    if entry is not None:
        context.update(entry=entry, detail_url=_url(kind, "detail", entry.id))
    if kind is store.PLACES:
        context["municipalities"] = sorted(store.municipality_regions(project())[1])
    return render(request, "knowledge/entry_form.html", context)


def _region_allowed(
    request: HttpRequest, form: EntryForm, kind: Kind, new: Dict[str, Any], entries: Entries
) -> bool:
    """A limited account may not move an entry into, or add one to, another region."""
    if kind is store.PLACES:
        _names, of = store.municipality_regions(project())
        region, field = of.get(str(new.get("municipality", "")), ""), "municipality"
    else:
        region, field = str(new.get("region", "")), "region"
    if not region or may_edit_region(request.user, region):
        return True  # an unknown region or municipality: the rules explain that
    form.add_error(field, say("edit.other_region", regions=_region_names(entries, request.user)))
    return False


def _add_problems(form: EntryForm, kind: Kind, problems: List[Any]) -> None:
    for problem in problems:
        if problem.level != ERROR:
            continue
        field = store.field_of(problem, kind)
        form.add_error(field if field in form.fields else None, problem.message)


def _conflict(
    kind: Kind,
    form: EntryForm,
    entry: Entry,
    mine: Dict[str, Any],
    changed: store.ChangedMeanwhile,
    choices: Dict[str, Any],
) -> Any:
    """What changed since the form was opened, and a new form on the file as it is now:
    the fields this editor changed keep their new values, the rest take the saved ones."""
    original = form.original_entry() or {f: store.as_text(entry.data.get(f)) for f in kind.order}
    current = changed.current
    lines: List[str] = []
    if current is None or str(current.get("id")) != entry.id:
        return {
            "message": say("edit.changed_meanwhile", file=_file(kind)),
            "lines": [say("edit.gone")],
            "after": "",
        }, form
    merged: Dict[str, Any] = {}
    for field in kind.order:
        before, now, typed = (
            original.get(field, ""),
            store.as_text(current.get(field)),
            store.as_text(mine.get(field)),
        )
        use = mine if typed != before else current
        if field in use:
            merged[field] = use[field]
        if now != before:
            label = _label_of(kind, field)
            line = say("edit.conflict_field", label=label, before=before, now=now)
            if typed != before:
                line += say("edit.conflict_yours", mine=typed)
            lines.append(line)
    fresh = EntryForm(kind, False, choices, initial=initial(kind, merged, changed.version))
    if not lines:
        lines.append(say("edit.changed_elsewhere"))
    # The new form's `original` is the entry as saved now, so a second save compares with it.
    fresh.initial["original"] = initial(kind, current, changed.version)["original"]
    return {
        "message": say("edit.changed_meanwhile", file=_file(kind)),
        "heading": say("edit.changed_fields"),
        "lines": lines,
        "after": say("edit.changed_again"),
    }, fresh


def _label_of(kind: Kind, field: str) -> str:
    if field == kind.period:
        return f"{text(f'fields.{field}_from.label')} – {text(f'fields.{field}_until.label')}"
    return str(text(f"fields.{field}.label"))


def _quick_save(
    request: HttpRequest,
    kind: Kind,
    entry: Entry,
    new: Dict[str, Any],
    action: str,
    form: Optional[EndForm] = None,
) -> bool:
    """One-button changes (checked today, no longer valid); False with a message if refused."""
    version = request.POST.get("version", "")

    def refuse(message: str) -> bool:
        if form is not None:
            form.add_error(None, message)
        else:
            messages.error(request, message)
        return False

    try:
        with store.SAVING:
            outcome = store.check_and_save(project(), kind, version, new, entry.index, today())
    except store.ChangedMeanwhile as changed:
        lines = [say("edit.changed_meanwhile", file=_file(kind))]
        original = _posted_original(request)
        if changed.current is None:
            lines.append(say("edit.gone"))
        elif original is not None:
            lines += [
                say("edit.conflict_field", label=_label_of(kind, f), before=before, now=now)
                for f in kind.order
                if (before := original.get(f, "")) != (now := store.as_text(changed.current.get(f)))
            ] or [say("edit.changed_elsewhere")]
        return refuse(" ".join(lines))
    except (RoundTripFailed, EntryNotFound):
        return refuse(say("edit.round_trip"))
    if not outcome.written:
        return refuse(" ".join(p.message for p in outcome.errors))
    _audit(request, action, kind, entry.data, new)
    return True


def _posted_original(request: HttpRequest) -> Optional[Dict[str, str]]:
    try:
        value = json.loads(request.POST.get("original") or "null")
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _audit(
    request: HttpRequest, action: str, kind: Kind, before: Dict[str, Any], after: Dict[str, Any]
) -> None:
    record(
        request.user,
        action,
        f"{_file(kind)}#{after.get('id')}",
        {"id": after.get("id"), "changes": store.changes(before, after, kind.order)},
    )
