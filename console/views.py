"""The front page and the health check."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from console.accounts.models import regions_of
from console.accounts.regions import known_regions
from console.accounts.roles import role_of
from console.content import faq
from staff.project import Project


def home(request: HttpRequest) -> HttpResponse:
    topics, broken = faq.list_topics(Project(Path(settings.CONSOLE_PROJECT_ROOT)))
    names = known_regions()
    return render(
        request,
        "home.html",
        {
            "role": role_of(request.user),
            "regions": [names.get(r, r) for r in regions_of(request.user)],
            "topic_count": len(topics),
            "broken": broken,
        },
    )


@login_not_required
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")
