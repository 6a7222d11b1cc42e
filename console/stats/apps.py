from django.apps import AppConfig


class StatsConfig(AppConfig):
    name = "console.stats"
    label = "stats"
    verbose_name = "Tilastot"
