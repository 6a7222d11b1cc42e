from django.urls import path

from console.inbox import views

app_name = "inbox"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("lisaa/", views.add, name="add"),
    path("ohita/", views.dismiss, name="dismiss"),
]
