from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"

    def ready(self):
        # Receivers of campaign setup's signals (campaigns/signals.py).
        from reports import receivers  # noqa: F401
