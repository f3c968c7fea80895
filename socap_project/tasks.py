import time

from celery import shared_task

from socap_project.health import HEARTBEAT_KEY
from socap_project.redis_client import get_redis


@shared_task(name="socap.heartbeat", ignore_result=True)
def heartbeat() -> None:
    """Beat's proof of life, read by the health check."""
    get_redis().set(HEARTBEAT_KEY, time.time(), ex=3600)
