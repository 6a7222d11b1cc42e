from django.contrib.auth import views as auth_views
from django.urls import include, path

from console import views
from console.accounts import views as account_views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path(
        "kirjaudu/",
        auth_views.LoginView.as_view(
            template_name="accounts/login.html", redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("kirjaudu-ulos/", auth_views.LogoutView.as_view(), name="logout"),
    # the first pääkäyttäjä's random password, and anyone's, changed by its owner
    path(
        "salasana/",
        account_views.OwnPasswordChange.as_view(),
        name="password_change",
    ),
    path(
        "salasana/vaihdettu/",
        auth_views.PasswordChangeDoneView.as_view(
            template_name="accounts/password_change_done.html"
        ),
        name="password_change_done",
    ),
    path("aiheet/", include("console.content.urls")),
    path("", include("console.knowledge.urls")),
    path("saapuneet/", include("console.inbox.urls")),
    path("tunnukset/", include("console.accounts.urls")),
    path("taulukot/", include("console.sheets.urls")),
    path("julkaisu/", include("console.publishing.urls")),
    path("tilastot/", include("console.stats.urls")),
    path("keskustelut/", include("console.conversations.urls")),
]
