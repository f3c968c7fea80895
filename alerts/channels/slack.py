"""Slack incoming webhooks through slack-sdk, at most one message per second per webhook."""

from __future__ import annotations

import hashlib
import time

from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.webhook import WebhookClient

from alerts.channels import ChannelError
from socap_project.redis_client import get_redis

PERMANENT_STATUSES = {400, 403, 404, 410}  # e.g. "no_service", "channel_not_found", "invalid_token"
SPACING_MS = 1000


def wait_for_slot(webhook_url: str, max_wait: float = 30.0) -> None:
    """Slack allows one message per second per webhook; every sender process shares the slot in Redis."""
    key = "socap:slack:slot:" + hashlib.sha256(webhook_url.encode()).hexdigest()[:16]
    deadline = time.monotonic() + max_wait
    while not get_redis().set(key, 1, nx=True, px=SPACING_MS):
        if time.monotonic() > deadline:
            raise ChannelError("no Slack send slot within 30 s", permanent=False)
        time.sleep(0.05)


def post(webhook_url: str, text: str, blocks: list[dict] | None = None) -> int:
    """One message; the caller has taken the send slot (wait_for_slot) first."""
    client = WebhookClient(webhook_url, timeout=10, retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=2)])
    try:
        response = client.send(text=text, blocks=blocks)
    except Exception as exc:  # noqa: BLE001 - network failures of any kind are transient
        raise ChannelError(f"Slack unreachable: {exc}", permanent=False) from exc
    if response.status_code == 200:
        return response.status_code
    raise ChannelError(f"Slack answered {response.status_code}: {response.body[:200]}",
                       permanent=response.status_code in PERMANENT_STATUSES, status_code=response.status_code)
