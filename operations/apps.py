from django.apps import AppConfig


class OperationsConfig(AppConfig):
    """The top room: workflows and staff screens that span the apps below it."""

    name = "operations"
