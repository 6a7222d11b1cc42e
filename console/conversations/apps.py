from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    name = "console.conversations"
    label = "conversations"
    verbose_name = "Keskustelut"
