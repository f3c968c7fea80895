from django.apps import AppConfig


class IngestionConfig(AppConfig):
    name = "ingestion"

    def ready(self):
        # Receivers of campaign setup's signals (campaigns/signals.py).
        from ingestion import receivers  # noqa: F401
