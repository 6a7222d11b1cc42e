from django.apps import AppConfig


class PublishingConfig(AppConfig):
    name = "console.publishing"
    label = "publishing"
    verbose_name = "Julkaisu"
