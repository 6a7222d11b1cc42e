from typing import Any, List

from django.urls import path

from console.knowledge import views
from console.knowledge.store import KINDS

app_name = "knowledge"

# The same pages for each kind, under its own address: /yhteystiedot/, /paikat/, /hankkeet/.
urlpatterns: List[Any] = [path("tehtavat/", views.todo_list, name="todo")]
for _slug, _kind in KINDS.items():
    _kw = {"kind": _slug}
    urlpatterns += [
        path(f"{_slug}/", views.entry_list, _kw, name=f"{_slug}_list"),
        path(f"{_slug}/uusi/", views.entry_create, _kw, name=f"{_slug}_create"),
        path(f"{_slug}/<slug:name>/", views.entry_detail, _kw, name=f"{_slug}_detail"),
        path(f"{_slug}/<slug:name>/muokkaa/", views.entry_edit, _kw, name=f"{_slug}_edit"),
        path(
            f"{_slug}/<slug:name>/tarkistettu/",
            views.entry_checked,
            _kw,
            name=f"{_slug}_checked",
        ),
        path(f"{_slug}/<slug:name>/paattynyt/", views.entry_end, _kw, name=f"{_slug}_end"),
    ]
