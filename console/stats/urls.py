from django.urls import path

from console.stats import views

app_name = "stats"
urlpatterns = [
    path("", views.stats, name="stats"),
    path("tilastot.csv", views.csv_export, name="csv"),
]
