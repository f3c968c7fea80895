"""The Celery application, configured from Django settings (CELERY_ namespace)."""

import os

from celery import Celery
from celery.signals import worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "socap_project.settings")

app = Celery("socap")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_process_init.connect
def _fresh_mongo_client_after_fork(**_kwargs):
    # A MongoClient must never cross a fork: each pool process opens its own.
    from socap_project import mongo

    mongo.reset_client()
