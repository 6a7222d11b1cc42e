"""The pääkäyttäjä's account pages. Thin: the changes are in console.accounts.manage and
console.accounts.roles. Only an account with MANAGE_ACCOUNTS gets here; others get 403."""

from __future__ import annotations

from typing import Any, Dict

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from console.accounts import manage
from console.accounts.forms import AccountForm, NewAccountForm
from console.accounts.models import regions_of
from console.accounts.regions import known_regions
from console.accounts.roles import MANAGE_ACCOUNTS, create_account, new_password, role_of
from console.audit.models import OWN_PASSWORD_CHANGED, record
from console.texts import say

manages = permission_required(MANAGE_ACCOUNTS, raise_exception=True)


def _account(pk: int) -> Any:
    try:
        return get_user_model().objects.get(pk=pk)
    except get_user_model().DoesNotExist:
        raise Http404(pk) from None


def _row(user: Any, names: Dict[str, str]) -> Dict[str, Any]:
    return {
        "user": user,
        "role": role_of(user),
        "regions": [names.get(r, r) for r in regions_of(user)],
        "locked": manage.is_locked(user.get_username()),
    }


@manages
def account_list(request: HttpRequest) -> HttpResponse:
    names = known_regions()
    users = get_user_model().objects.order_by("username").prefetch_related("groups")
    return render(
        request,
        "accounts/account_list.html",
        {"rows": [_row(u, names) for u in users.select_related("profile")]},
    )


@manages
@require_http_methods(["GET", "POST"])
def account_new(request: HttpRequest) -> HttpResponse:
    form = NewAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        password = new_password()
        user = create_account(
            data["username"],
            password,
            data["role"],
            data["regions"],
            by=request.user,
            email=data["email"],
        )
        return _password_page(request, user, password, created=True)
    return render(request, "accounts/account_new.html", {"form": form})


@manages
@require_http_methods(["GET", "POST"])
def account_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _account(pk)
    initial = {"role": role_of(user), "regions": regions_of(user), "email": user.email}
    form = AccountForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if user == request.user and data["role"] != initial["role"]:
            form.add_error("role", say("accounts.own_role"))
        else:
            changed = manage.change_account(
                user, data["role"], data["regions"], data["email"], request.user
            )
            key = "accounts.changed" if changed else "accounts.unchanged"
            messages.success(request, say(key, username=user.get_username()))
            return redirect("accounts:list")
    return render(
        request,
        "accounts/account_edit.html",
        {"form": form, "row": _row(user, known_regions()), "own": user == request.user},
    )


@manages
@require_POST
def account_active(request: HttpRequest, pk: int) -> HttpResponse:
    user = _account(pk)
    active = request.POST.get("active") == "1"
    if user == request.user and not active:
        messages.error(request, say("accounts.own_deactivate"))
        return redirect("accounts:edit", pk=pk)
    manage.set_active(user, active, request.user)
    key = "accounts.reactivated" if active else "accounts.deactivated"
    messages.success(request, say(key, username=user.get_username()))
    return redirect("accounts:list")


@manages
@require_POST
def account_password(request: HttpRequest, pk: int) -> HttpResponse:
    user = _account(pk)
    return _password_page(request, user, manage.reset_password(user, request.user))


@manages
@require_POST
def account_unlock(request: HttpRequest, pk: int) -> HttpResponse:
    user = _account(pk)
    manage.unlock(user, request.user)
    messages.success(request, say("accounts.unlocked", username=user.get_username()))
    return redirect("accounts:list")


def _password_page(
    request: HttpRequest, user: Any, password: str, created: bool = False
) -> HttpResponse:
    """The new password, shown on this one response only (never stored, never cached)."""
    response = render(
        request,
        "accounts/password_shown.html",
        {"account": user, "password": password, "created": created, "role": role_of(user)},
    )
    response["Cache-Control"] = "no-store"
    return response


class OwnPasswordChange(auth_views.PasswordChangeView):
    """An account changes its own password (Django's form and validators); audited."""

    template_name = "accounts/password_change.html"

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        record(
            self.request.user, OWN_PASSWORD_CHANGED, f"tunnus {self.request.user.get_username()}"
        )
        return response
