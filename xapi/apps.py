from django.apps import AppConfig


class XapiConfig(AppConfig):
    name = "xapi"

    def ready(self):
        from socap_project.app_checks import register_check
        from xapi.account.key_state import health_check

        register_check("x_api_key", health_check)
