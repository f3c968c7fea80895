from django.apps import AppConfig


class OperationsConfig(AppConfig):
    """The top room: workflows and staff screens that span the apps below it."""

    name = "operations"

    def ready(self):
        # The tasks, registered here so completion enqueues them by name (socap_project.celery.task).
        from operations import tasks  # noqa: F401
