"""Which webhook URLs SOCAP may post to: the guard against server-side request forgery.

A Slack webhook URL comes from staff or an API token holder, and the server posts to it. So it
must be https, on a host of SOCAP_SLACK_WEBHOOK_HOSTS (hooks.slack.com unless extended), on the
default port, without user-info, and every address its host resolves to must be public: never
loopback, private, link-local (cloud metadata at 169.254.169.254), shared, reserved or multicast.
Outside production the local sinks that stand in for Slack (plain http on 127.0.0.1) are allowed
too. The rules run when the URL is given (the field's 400) and again before every send, and the
sender connects to the very address checked here, so a DNS change in between cannot redirect it.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

from socap_project.text import is_breaking

LOCAL_SINK_HOST = "127.0.0.1"


class UnsafeWebhookUrl(ValueError):
    """The URL breaks a rule: refused for good (the message says which rule)."""


class WebhookUnresolvable(OSError):
    """The host does not resolve right now (DNS outage or a typo): nothing was sent."""


@dataclass(frozen=True)
class Target:
    url: str
    scheme: str
    host: str
    port: int
    path: str  # path and query, as sent in the request line
    addresses: tuple[str, ...]  # checked addresses to connect to; empty when the name did not resolve


def allowed_hosts() -> list[str]:
    return list(dict.fromkeys(host.lower().rstrip(".") for host in settings.SOCAP_SLACK_WEBHOOK_HOSTS))


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def resolve(host: str, port: int) -> tuple[str, ...]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise WebhookUnresolvable(f"{host} does not resolve ({exc})") from exc
    return tuple(dict.fromkeys(info[4][0] for info in infos))


def check(url: str, *, must_resolve: bool = False) -> Target:
    """The URL's target, or UnsafeWebhookUrl saying why not.

    `must_resolve` (at send time): a name that does not resolve raises WebhookUnresolvable. At input a
    name that does not resolve yet is accepted: nothing can be reached through it, and the send-time
    check looks again.
    """
    if not url or any(is_breaking(char) or char.isspace() for char in url):
        raise UnsafeWebhookUrl("The webhook URL must not contain spaces or control characters.")
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError as exc:
        raise UnsafeWebhookUrl("The webhook URL has an invalid port.") from exc
    host = (parts.hostname or "").rstrip(".")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    if "@" in parts.netloc:
        raise UnsafeWebhookUrl("The webhook URL must not contain a user name or password.")
    if settings.SOCAP_LOCAL_WEBHOOKS_ALLOWED and scheme == "http" and host == LOCAL_SINK_HOST:
        return Target(url, scheme, host, port or 80, path, (LOCAL_SINK_HOST,))  # the local Slack stand-in
    if scheme != "https":
        raise UnsafeWebhookUrl("Use an https:// URL (Slack incoming webhooks are https).")
    if host not in allowed_hosts():
        raise UnsafeWebhookUrl(f"The webhook host must be one of: {', '.join(allowed_hosts())} "
                               "(SOCAP_SLACK_WEBHOOK_HOSTS adds others).")
    if port not in (None, 443):
        raise UnsafeWebhookUrl("The webhook URL must use the default https port (443).")
    try:
        addresses = resolve(host, 443)
    except WebhookUnresolvable:
        if must_resolve:
            raise
        addresses = ()
    refused = [address for address in addresses if not _public(address)]
    if refused:
        raise UnsafeWebhookUrl(f"{host} resolves to a private, loopback or link-local address ({refused[0]}); "
                               "webhooks may only reach public addresses.")
    return Target(url, scheme, host, 443, path, addresses)
