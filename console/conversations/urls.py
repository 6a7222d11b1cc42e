from django.urls import path

from console.conversations import views

app_name = "conversations"
urlpatterns = [
    path("", views.conversations, name="list"),
    path("tila/", views.list_state, name="list_state"),
    path("aukioloajat/", views.opening_hours, name="hours"),
    path("<int:pk>/", views.conversation, name="detail"),
    path("<int:pk>/tila/", views.state, name="state"),
    path("<int:pk>/ota/", views.take, name="take"),
    path("<int:pk>/vastaa/", views.reply, name="reply"),
    path("<int:pk>/palauta/", views.hand_back, name="hand_back"),
    path("<int:pk>/sulje/", views.close, name="close"),
]
