from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "alerts"

    def ready(self):
        # Receivers of ingestion's and campaign setup's signals (ingestion/signals.py, campaigns/signals.py).
        from alerts import receivers  # noqa: F401
