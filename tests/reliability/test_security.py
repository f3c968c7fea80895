"""Every /socap/ endpoint refuses callers without credentials, except the few meant to be public."""

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

pytestmark = pytest.mark.django_db

# Public by design: health for load balancers and monitors; share-link pages carry their own
# secret (checked by the isolation tests); the trigger checks its shared-secret header.
PUBLIC = {
    "socap/health",
    "socap/health/live",
    "socap/workers/trigger",
}
SHARE_LINK = re.compile(r"^socap/c/<")


def socap_routes():
    def walk(patterns, prefix=""):
        for entry in patterns:
            route = prefix + str(entry.pattern)
            if isinstance(entry, URLResolver):
                yield from walk(entry.url_patterns, route)
            elif isinstance(entry, URLPattern) and route.startswith("socap/"):
                yield route

    return sorted(set(walk(get_resolver().url_patterns)))


def concrete(route: str) -> str:
    path = re.sub(r"<int:[^>]+>", "1", route)
    path = re.sub(r"<(str:)?[^>]+>", "x", path)
    return "/" + path


def test_there_are_routes_to_check():
    assert len(socap_routes()) >= 5


@pytest.mark.parametrize("route", socap_routes())
def test_anonymous_is_refused(route, mongo_db, redis_conn):
    if route in PUBLIC or SHARE_LINK.match(route):
        pytest.skip("public by design; covered by its own tests")
    client = Client()
    for method in ("get", "post"):
        response = getattr(client, method)(concrete(route))
        assert response.status_code in (302, 401, 403, 404, 405), (method, route, response.status_code)
        if response.status_code == 302:
            assert "/admin/login/" in response["Location"]
        if response.status_code == 404:
            # A 404 must not be a data leak: only acceptable for unknown objects behind auth.
            assert b"Orbit" not in response.content


def test_trigger_refuses_without_secret():
    assert Client().post("/socap/workers/trigger").status_code in (403, 503)


def test_unknown_share_token_is_404():
    assert Client().get("/socap/c/not-a-token/report").status_code == 404


def test_forms_refuse_posts_without_a_csrf_token(admin_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    assert client.post("/socap/create", {"launch_name": "x"}).status_code == 403
    assert client.post("/admin/campaigns/campaign/add/", {"launch_name": "x"}).status_code == 403
    page = client.get("/socap/create")
    assert page.status_code == 200 and b"csrfmiddlewaretoken" in page.content


@pytest.mark.django_db(transaction=True)
def test_api_key_and_webhooks_never_reach_the_logs(simulator, settings, caplog, mongo_db, redis_conn):
    import logging

    from tests.ingestion.helpers import poll_cycle, tiny_campaign

    settings.X_API_KEY = "sk-live-SECRET-4242"
    caplog.set_level(logging.DEBUG)
    campaign = tiny_campaign(channels=["slack"], slack_webhook_url="https://hooks.slack.com/services/T/B/HOOKSECRET")
    simulator.faults([{"kind": "server_error", "count": 2}, {"kind": "rate_limit", "count": 1, "retry_after": 0}],
                     replace=True)
    poll_cycle(campaign)
    logged = "\n".join(record.getMessage() + str(record.args or "") for record in caplog.records)
    assert logged, "nothing was logged: the check would prove nothing"
    assert "SECRET-4242" not in logged and "HOOKSECRET" not in logged
