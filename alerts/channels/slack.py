"""Slack incoming webhooks through slack-sdk, at most one message per second per webhook.

The webhook URL is checked again before every send (socap_project/webhook_urls.py: https, an
allowed host, public addresses only) and the request goes to the address that check resolved, so
a DNS change between check and connect cannot point it elsewhere. Redirects are not followed.
Slack's answer is read only up to a few kilobytes and never kept: a failure says the status and,
when the body is one of Slack's documented error codes, that code — never the body itself.
"""

from __future__ import annotations

import hashlib
import http.client
import socket
import ssl
import time
from urllib.error import HTTPError

from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.webhook import WebhookClient, WebhookResponse

from alerts.channels import ChannelError
from socap_project import webhook_urls
from socap_project.redis_client import get_redis

PERMANENT_STATUSES = {400, 403, 404, 410}  # e.g. "no_service", "channel_not_found", "invalid_token"
SPACING_MS = 1000
MAX_RESPONSE_BYTES = 4096
# Slack's documented webhook error codes: a failure may name one of these (SOCAP's own strings).
SLACK_ERROR_CODES = frozenset({
    "invalid_payload", "user_not_found", "channel_not_found", "channel_is_archived", "action_prohibited",
    "posting_to_general_channel_denied", "too_many_attachments", "no_service", "no_service_id", "no_team",
    "team_disabled", "invalid_token", "no_text", "rate_limited", "invalid_blocks",
})


def escape_mrkdwn(value: str) -> str:
    """Text shown as written in Slack: no <!channel> mention, no <url|disguised link>, no &entity;."""
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def wait_for_slot(webhook_url: str, max_wait: float = 30.0) -> None:
    """Slack allows one message per second per webhook; every sender process shares the slot in Redis."""
    key = "socap:slack:slot:" + hashlib.sha256(webhook_url.encode()).hexdigest()[:16]
    deadline = time.monotonic() + max_wait
    while not get_redis().set(key, 1, nx=True, px=SPACING_MS):
        if time.monotonic() > deadline:
            raise ChannelError("no Slack send slot within 30 s", permanent=False)
        time.sleep(0.05)


def _connect(target: webhook_urls.Target, port: int, timeout: float) -> socket.socket:
    last: OSError | None = None
    for address in target.addresses:
        try:
            return socket.create_connection((address, port), timeout)
        except OSError as exc:
            last = exc
    raise last or OSError(f"no address for {target.host}")


class _CheckedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, target: webhook_urls.Target, timeout: float):
        super().__init__(target.host, target.port, timeout=timeout)
        self.target = target

    def connect(self):
        self.sock = _connect(self.target, self.port, self.timeout)


class _CheckedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, target: webhook_urls.Target, timeout: float):
        super().__init__(target.host, target.port, timeout=timeout, context=ssl.create_default_context())
        self.target = target

    def connect(self):
        # The certificate is verified against the host name; the socket goes to the checked address.
        self.sock = self._context.wrap_socket(_connect(self.target, self.port, self.timeout),
                                              server_hostname=self.host)


class _CheckedWebhookClient(WebhookClient):
    """slack-sdk's client (payload, retry on 429) with the one request it makes done here."""

    def __init__(self, target: webhook_urls.Target, **kwargs):
        super().__init__(target.url, **kwargs)
        self.target = target

    def _perform_http_request_internal(self, url, req):
        kind = _CheckedHTTPSConnection if self.target.scheme == "https" else _CheckedHTTPConnection
        connection = kind(self.target, self.timeout)
        try:
            connection.request("POST", self.target.path, body=req.data, headers=dict(req.header_items()))
            response = connection.getresponse()
            body = response.read(MAX_RESPONSE_BYTES)
        finally:
            connection.close()
        if response.status >= 400:
            raise HTTPError(url, response.status, response.reason, response.msg, _Body(body))
        return WebhookResponse(url=url, status_code=response.status, body=body.decode("utf-8", "replace"),
                               headers=dict(response.getheaders()))


class _Body:
    """The bounded body, readable once by slack-sdk's error handling."""

    def __init__(self, data: bytes):
        self.data = data

    def read(self, *args) -> bytes:
        data, self.data = self.data, b""
        return data

    def close(self):
        return None


def _error_code(body: str | None) -> str:
    code = (body or "").strip()
    return f" ({code})" if code in SLACK_ERROR_CODES else ""


def post(webhook_url: str, text: str, blocks: list[dict] | None = None) -> int:
    """One message; the caller has taken the send slot (wait_for_slot) first."""
    try:
        target = webhook_urls.check(webhook_url, must_resolve=True)
    except webhook_urls.UnsafeWebhookUrl as exc:
        raise ChannelError(f"webhook URL refused: {exc}", permanent=True) from exc
    except webhook_urls.WebhookUnresolvable as exc:
        raise ChannelError(f"Slack unreachable: {exc}", permanent=False) from exc
    client = _CheckedWebhookClient(target, timeout=10,
                                   retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=2)])
    try:
        response = client.send(text=text, blocks=blocks)
    except Exception as exc:  # noqa: BLE001 - network failures of any kind are transient
        raise ChannelError(f"Slack unreachable: {type(exc).__name__}: {exc}", permanent=False) from exc
    status = response.status_code
    if status == 200:
        return status
    if 300 <= status < 400:
        raise ChannelError(f"Slack answered {status}: a redirect, not followed", permanent=True, status_code=status)
    raise ChannelError(f"Slack answered {status}{_error_code(response.body)}",
                       permanent=status in PERMANENT_STATUSES, status_code=status)
