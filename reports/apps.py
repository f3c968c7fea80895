from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"

    def ready(self):
        # Receivers of campaign setup's signals (campaigns/signals.py), and the tasks, registered here
        # so pdf_jobs enqueues them by name (socap_project.celery.task).
        from reports import receivers, tasks  # noqa: F401
