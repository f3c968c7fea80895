from django.apps import AppConfig


class IngestionConfig(AppConfig):
    name = "ingestion"

    def ready(self):
        # Receivers of campaign setup's signals (campaigns/signals.py), and the tasks, registered here
        # so the scheduler can enqueue them by name without importing the module that calls it back.
        from ingestion import receivers, tasks  # noqa: F401
