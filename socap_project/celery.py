"""The Celery application, configured from Django settings (CELERY_ namespace)."""

import os

from celery import Celery
from celery.signals import worker_process_init
from pymongo.errors import PyMongoError
from redis.exceptions import ConnectionError as RedisConnectionError

from socap_project import mongo

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "socap_project.settings")

app = Celery("socap")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()



def task(name: str):
    """A registered task by its name. Services enqueue tasks this way rather than importing the task
    module, whose bodies call those same services (an import circle otherwise)."""
    return app.tasks[name]


# Every task retries a store outage (MongoDB or Redis down) with backoff, and nothing else:
# a provider error is handled inside the job (worker state, parking), a bug must surface.
STORE_OUTAGES = (PyMongoError, RedisConnectionError)
RETRY = {"autoretry_for": STORE_OUTAGES, "retry_backoff": 5, "retry_backoff_max": 120, "max_retries": 8}


@worker_process_init.connect
def _fresh_mongo_client_after_fork(**_kwargs):
    # A MongoClient must never cross a fork: each pool process opens its own.
    mongo.reset_client()
