from django.apps import AppConfig


class SheetsConfig(AppConfig):
    name = "console.sheets"
    label = "sheets"
    verbose_name = "Taulukot"
