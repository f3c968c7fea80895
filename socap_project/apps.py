from django.apps import AppConfig


class SocapProjectConfig(AppConfig):
    name = "socap_project"
    verbose_name = "SOCAP platform"
