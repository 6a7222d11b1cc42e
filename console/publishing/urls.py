from django.urls import path

from console.publishing import views

app_name = "publishing"
urlpatterns = [
    path("", views.draft_page, name="draft"),
    path("julkaise/", views.publish, name="publish"),
    path("hylkaa/", views.discard, name="discard"),
    path("ajot/<int:run_id>/", views.run_page, name="run"),
    path("kokeile/", views.try_page, name="try"),
    path("versiot/", views.history_page, name="history"),
    path("versiot/<str:commit>/", views.version_page, name="version"),
    path("versiot/<str:commit>/palauta/", views.restore, name="restore"),
]
