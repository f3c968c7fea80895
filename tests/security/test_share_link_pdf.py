"""A share-link holder cannot make the web process print PDFs, read Chromium's errors, or download without limit."""

import json
import logging
import os
import shutil
import stat
import tempfile

import pytest
from django.test import Client

from reports.builder import freeze_report
from socap_project.redis_client import get_redis
from tests.factories import make_campaign
from tests.security.chromium_probe import probe, runs
from tests.reports.test_builder import METRICS, seed_engagements

pytestmark = pytest.mark.django_db

needs_chromium = pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian chromium is not installed")


@pytest.fixture
def campaign(mongo_db, redis_conn, settings, tmp_path):
    settings.SOCAP_ARCHIVE_DIR = tmp_path / "archives"
    campaign = make_campaign(launch_name="Orbit Launch", cpm_usd=5.0)
    for tweet in campaign.tweets.all():
        tweet.metrics = dict(METRICS)
        tweet.save()
    seed_engagements(campaign)
    return campaign


def queued_tasks() -> list[str]:
    conn = get_redis()
    names = []
    for key in conn.keys("celery*"):
        if conn.type(key) == b"list":
            names += [json.loads(raw)["headers"]["task"] for raw in conn.lrange(key, 0, -1)]
    return names


def test_pdf_is_rendered_by_a_task_and_the_caller_is_told_to_come_back(campaign):
    """No worker runs here: the request must not print the PDF itself, and asks only once."""
    freeze_report(campaign)
    client = Client()
    url = f"/socap/c/{campaign.share_token}/report.pdf"
    first = client.get(url)
    assert first.status_code == 202
    assert 1 <= int(first["Retry-After"]) <= 30
    page = first.content.decode()
    assert "being prepared" in page and url in page  # says what happens, links to try again
    again = client.get(url, HTTP_ACCEPT="application/json")
    assert again.status_code == 202
    assert again.json()["status"] == "rendering" and again.json()["retry_after"] == int(again["Retry-After"])
    assert queued_tasks().count("socap.reports.render_pdf") == 1  # one render per campaign and data version


def failing_chromium(tmp_path) -> str:
    script = tmp_path / "chromium-that-fails"
    script.write_text("#!/bin/sh\necho 'FATAL: /home/ops/.config/chromium SECRET-INTERNAL-PATH' >&2\nexit 21\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return str(script)


def test_chromium_errors_are_logged_never_shown(campaign, settings, tmp_path, eager_tasks, caplog):
    settings.SOCAP_CHROMIUM = failing_chromium(tmp_path)
    freeze_report(campaign)
    client = Client()
    url = f"/socap/c/{campaign.share_token}/report.pdf"
    with caplog.at_level(logging.ERROR):
        bodies = [client.get(url) for _ in range(2)]
    assert bodies[-1].status_code == 503 and int(bodies[-1]["Retry-After"]) > 0
    for response in bodies:
        assert "SECRET-INTERNAL-PATH" not in response.content.decode()
    assert "could not be prepared" in bodies[-1].content.decode()
    assert "SECRET-INTERNAL-PATH" in caplog.text  # staff find it in the log


@pytest.mark.browser
@needs_chromium
def test_live_preview_pdf_is_cached_per_data_version_and_leaves_no_temp_folder(campaign, settings, eager_tasks,
                                                                               tmp_path, monkeypatch):
    from dashboard.services import bump_version

    settings.SOCAP_CHROMIUM, log = probe(tmp_path)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    client = Client()
    url = f"/socap/c/{campaign.share_token}/report.pdf"
    first = client.get(url)
    assert first.status_code == 200, first.content[:300]
    assert b"".join(first.streaming_content).startswith(b"%PDF")
    assert os.listdir(scratch) == []  # the live preview left nothing behind
    assert client.get(url).status_code == 200
    assert runs(log)[0] == 1  # same data version: served from the cache
    bump_version(campaign.mongo_id)  # new data, but the kept preview is younger than the max age
    assert client.get(url).status_code == 200
    assert runs(log)[0] == 1
    settings.SOCAP_PDF_PREVIEW_MAX_AGE_SECONDS = 0
    bump_version(campaign.mongo_id)  # new data and nothing recent enough: a new print
    assert client.get(url).status_code == 200
    assert runs(log)[0] == 2
    assert os.listdir(scratch) == []


def test_share_link_downloads_are_rate_limited_per_token(campaign, settings):
    settings.SOCAP_SHARE_LINK_DOWNLOADS = 3
    settings.SOCAP_SHARE_LINK_WINDOW_SECONDS = 60
    other = make_campaign(launch_name="Other launch")
    client = Client()
    csv = f"/socap/c/{campaign.share_token}/report.csv?table=tweets"
    assert [client.get(csv).status_code for _ in range(2)] == [200, 200]
    assert client.get(f"/socap/c/{campaign.share_token}/engagements.csv").status_code == 200
    limited = client.get(f"/socap/c/{campaign.share_token}/report.pdf")
    assert limited.status_code == 429
    assert 1 <= int(limited["Retry-After"]) <= 60
    assert client.get(csv).status_code == 429
    # Another link has its own allowance; the pages themselves stay open.
    assert client.get(f"/socap/c/{other.share_token}/report.csv?table=tweets").status_code == 200
    assert client.get(f"/socap/c/{campaign.share_token}/report").status_code == 200


@pytest.mark.browser
@needs_chromium
def test_a_final_pdf_printed_on_another_host_is_served_from_the_cache(campaign, settings, tmp_path):
    """Web and worker on different hosts: the worker's file is not on the web host's disk."""
    from reports.pdf_jobs import final_pdf_path, render_and_keep

    settings.SOCAP_CHROMIUM, log = probe(tmp_path)
    freeze_report(campaign)
    assert render_and_keep(campaign.pk) == "rendered"
    final_pdf_path(campaign).unlink()  # as seen from another host
    response = Client().get(f"/socap/c/{campaign.share_token}/report.pdf")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert runs(log)[0] == 1
