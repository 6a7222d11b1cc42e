from django.apps import AppConfig


class InboxConfig(AppConfig):
    name = "console.inbox"
    label = "inbox"
    verbose_name = "Saapuneet"
