from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "dashboard"

    def ready(self):
        # Receivers of ingestion's and campaign setup's signals (ingestion/signals.py, campaigns/signals.py).
        from dashboard import receivers  # noqa: F401
