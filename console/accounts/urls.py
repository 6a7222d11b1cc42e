from django.urls import path

from console.accounts import views

app_name = "accounts"
urlpatterns = [
    path("", views.account_list, name="list"),
    path("uusi/", views.account_new, name="new"),
    path("<int:pk>/", views.account_edit, name="edit"),
    path("<int:pk>/kaytossa/", views.account_active, name="active"),
    path("<int:pk>/uusi-salasana/", views.account_password, name="password"),
    path("<int:pk>/avaa-lukitus/", views.account_unlock, name="unlock"),
]
