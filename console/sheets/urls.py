from django.urls import path

from console.sheets import views

app_name = "sheets"
urlpatterns = [
    path("", views.index, name="index"),
    path("lataa/", views.export, name="export"),
    path("tuo/", views.upload, name="upload"),
    path("tuo/esikatselu/", views.preview, name="preview"),
    path("tuo/vie-luonnokseen/", views.confirm, name="confirm"),
    path("tuo/peru/", views.cancel, name="cancel"),
]
