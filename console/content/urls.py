from django.urls import path

from console.content import views

app_name = "content"
urlpatterns = [
    path("", views.topic_list, name="topics"),
    path("uusi-aihe/", views.topic_new, name="new"),
    path("<slug:name>/", views.topic_detail, name="topic"),
    path("<slug:name>/muokkaa/", views.topic_edit, name="edit"),
]
