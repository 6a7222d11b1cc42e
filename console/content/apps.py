from django.apps import AppConfig


class ContentConfig(AppConfig):
    name = "console.content"
    label = "content"
    verbose_name = "Sisältö"
