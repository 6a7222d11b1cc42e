from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "console.audit"
    label = "audit"
    verbose_name = "Muutosloki"

    def ready(self) -> None:
        from console.audit import signals  # noqa: F401  (connects the log-in signals)
