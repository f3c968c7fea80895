"""Retention: TTL indexes from settings, the archive read in seq windows, and purging an archived
campaign's documents only behind a verified archive."""

import datetime as dt
import gzip
import time

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from campaigns.models import Campaign
from ingestion.archiving.archive import archive_dir, archive_for, verify_archive, write_archive
from ingestion.archiving.purge import due_for_purge
from ingestion.tasks import purge_archived
from socap_project import mongo
from tests.factories import engagement_doc, make_campaign

pytestmark = pytest.mark.django_db(transaction=True)
DAY = 86400


@pytest.fixture
def archive_root(settings, tmp_path):
    settings.SOCAP_ARCHIVE_DIR = tmp_path / "archives"
    return settings.SOCAP_ARCHIVE_DIR


def ttl_of(name: str, index: str):
    return mongo.collection(name).index_information().get(index, {}).get("expireAfterSeconds")


def test_ttl_indexes_follow_the_retention_settings(mongo_db, settings):
    settings.SOCAP_API_USAGE_RETENTION_DAYS = 90
    settings.SOCAP_ALERT_QUEUE_RETENTION_DAYS = 30
    settings.SOCAP_METRIC_DELTAS_RETENTION_DAYS = 30
    mongo.ensure_indexes()
    assert ttl_of(mongo.API_USAGE, "at_ttl") == 90 * DAY
    assert ttl_of(mongo.ALERT_QUEUE, "done_at_ttl") == 30 * DAY
    assert ttl_of(mongo.METRIC_DELTAS, "recorded_at_ttl") == 30 * DAY
    settings.SOCAP_API_USAGE_RETENTION_DAYS = 7  # changed: the index is altered in place
    settings.SOCAP_METRIC_DELTAS_RETENTION_DAYS = 0  # keep forever: no TTL index
    mongo.ensure_indexes()
    assert ttl_of(mongo.API_USAGE, "at_ttl") == 7 * DAY
    assert "recorded_at_ttl" not in mongo.collection(mongo.METRIC_DELTAS).index_information()


def test_sent_alerts_get_their_expiry_date_and_held_ones_do_not(sinks, mongo_db):
    from alerts.queueing import queue_for_run
    from alerts.sender import send_due
    from tests.alerts.test_alerts import campaign_with, make_due, stored

    delivered = campaign_with(sinks, extra_recipients=[])
    held = campaign_with(sinks, extra_recipients=[], slack_webhook_url="")  # Slack waits for a webhook
    for campaign in (delivered, held):
        tweet = campaign.tweets.first()
        queue_for_run(campaign, stored([engagement_doc(campaign, tweet, "1", importance=50)]), "run-1")
    make_due()
    send_due()
    items = {item["campaign_id"]: item for item in mongo.collection(mongo.ALERT_QUEUE).find()}
    assert items[delivered.mongo_id]["status"] == "sent" and items[delivered.mongo_id]["done_at"]
    assert items[held.mongo_id]["waiting_channels"] == ["slack"] and items[held.mongo_id]["done_at"] is None


@pytest.mark.slow
def test_the_ttl_monitor_deletes_expired_documents(mongo_db, settings):
    """The store really deletes on the index (MongoDB and the embedded server run the monitor every 60 s)."""
    settings.SOCAP_API_USAGE_RETENTION_DAYS = 1
    mongo.ensure_indexes()
    old, fresh = timezone.now() - dt.timedelta(days=2), timezone.now()
    mongo.collection(mongo.API_USAGE).insert_many([{"campaign_id": "1", "at": old}, {"campaign_id": "1", "at": fresh}])
    deadline = time.monotonic() + 150
    while mongo.collection(mongo.API_USAGE).count_documents({}) > 1 and time.monotonic() < deadline:
        time.sleep(5)
    left = list(mongo.collection(mongo.API_USAGE).find())
    assert len(left) == 1 and left[0]["at"] > old


def seeded_campaign(count: int = 25) -> Campaign:
    campaign = make_campaign(tweets={"main_twt": 1})
    tweet = campaign.tweets.first()
    # Stored in reverse: _id order is the opposite of seq order.
    docs = [engagement_doc(campaign, tweet, str(i), seq=i) for i in range(count, 0, -1)]
    mongo.collection(mongo.ENGAGEMENTS).insert_many(docs)
    mongo.collection(mongo.COUNTERS).update_one({"_id": campaign.mongo_id}, {"$max": {"seq": count}}, upsert=True)
    unnumbered = engagement_doc(campaign, tweet, "old")
    del unnumbered["seq"]
    mongo.collection(mongo.ENGAGEMENTS).insert_one(unnumbered)
    now = timezone.now().replace(microsecond=0)
    mongo.collection(mongo.METRIC_DELTAS).insert_many([
        {"campaign_id": campaign.mongo_id, "tweet_id": tweet.tweet_id, "recorded_at": now - dt.timedelta(hours=h),
         # Each reading's delta is keyed by the baseline before it (unique with the tweet), the first by none.
         "since": now - dt.timedelta(hours=h + 1) if h < 2 else None, "values": {"likes": h}} for h in range(3)])
    mongo.collection(mongo.METRIC_SNAPSHOTS).insert_one({"campaign_id": campaign.mongo_id, "snapshot_time": now})
    other = engagement_doc(campaign, tweet, "x", seq=1)
    other["campaign_id"] = "other"
    mongo.collection(mongo.ENGAGEMENTS).insert_one(other)
    return campaign


def archived_users(campaign) -> list[str]:
    path = archive_dir(campaign.mongo_id) / "engagements.jsonl.gz"
    return [mongo.from_json_line(line)["user_id"] for line in gzip.decompress(path.read_bytes()).splitlines()]


def test_the_archive_reads_engagements_in_seq_windows(mongo_db, archive_root, settings):
    settings.SOCAP_ARCHIVE_WINDOW = 10
    campaign = seeded_campaign(25)
    manifest = write_archive(campaign.mongo_id)
    assert manifest["collections"]["engagements"]["count"] == 26
    assert archived_users(campaign) == [str(i) for i in range(1, 26)] + ["old"]  # seq order, then unnumbered
    assert verify_archive(archive_for(campaign.mongo_id)).ok


def test_expired_metric_deltas_do_not_fail_verification(mongo_db, archive_root, settings):
    campaign = seeded_campaign(5)
    write_archive(campaign.mongo_id)
    mongo.collection(mongo.METRIC_DELTAS).delete_one({"campaign_id": campaign.mongo_id})  # the TTL monitor's work
    result = verify_archive(archive_for(campaign.mongo_id))
    assert result.ok and result.expired == {"metric_deltas": 1}
    settings.SOCAP_METRIC_DELTAS_RETENTION_DAYS = 0  # no retention: a missing delta is a real loss
    assert any("not in the database" in p for p in verify_archive(archive_for(campaign.mongo_id)).problems)


def test_purge_refuses_without_a_matching_archive(mongo_db, archive_root, capsys):
    campaign = seeded_campaign(5)
    with pytest.raises(CommandError, match="not completed"):
        call_command("socap_purge_campaign", str(campaign.pk))
    Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.COMPLETED)
    with pytest.raises(CommandError, match="no archive"):
        call_command("socap_purge_campaign", str(campaign.pk))
    write_archive(campaign.mongo_id)
    mongo.collection(mongo.ENGAGEMENTS).update_one({"campaign_id": campaign.mongo_id, "seq": 3},
                                                   {"$set": {"importance_score": 99}})  # changed after archiving
    with pytest.raises(CommandError, match="does not match the database"):
        call_command("socap_purge_campaign", str(campaign.pk))
    assert mongo.collection(mongo.ENGAGEMENTS).count_documents({"campaign_id": campaign.mongo_id}) == 6
    with pytest.raises(CommandError, match="No campaign"):
        call_command("socap_purge_campaign", "99999")


def test_purge_deletes_what_the_archive_holds_and_restore_brings_it_back(mongo_db, archive_root, settings, capsys):
    settings.SOCAP_ARCHIVE_WINDOW = 10
    campaign = seeded_campaign(25)
    Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.COMPLETED)
    write_archive(campaign.mongo_id)
    call_command("socap_purge_campaign", str(campaign.pk))
    out = capsys.readouterr().out
    assert "archive verified" in out and "seq up to 9 of 26" in out and "seq up to 26 of 26" in out, out
    assert "engagements: 1 more removed" in out, out  # the unnumbered one
    assert "Purged campaign" in out and "30 documents removed" in out  # 26 engagements, 3 deltas, 1 snapshot
    for name in (mongo.ENGAGEMENTS, mongo.METRIC_DELTAS, mongo.METRIC_SNAPSHOTS):
        assert mongo.collection(name).count_documents({"campaign_id": campaign.mongo_id}) == 0
    assert mongo.collection(mongo.ENGAGEMENTS).count_documents({"campaign_id": "other"}) == 1
    campaign.refresh_from_db()
    assert campaign.purged_at and campaign.archive_verified_at
    call_command("socap_purge_campaign", str(campaign.pk))  # again: nothing to do, no error
    assert "nothing to do" in capsys.readouterr().out

    call_command("socap_restore_archive", campaign.mongo_id)
    assert mongo.collection(mongo.ENGAGEMENTS).count_documents({"campaign_id": campaign.mongo_id}) == 26
    campaign.refresh_from_db()
    assert campaign.purged_at is None


def test_automatic_purge_waits_the_configured_days_after_a_verified_archive(mongo_db, archive_root, settings):
    campaign = seeded_campaign(5)
    Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.COMPLETED)
    write_archive(campaign.mongo_id)
    Campaign.objects.filter(pk=campaign.pk).update(archive_verified_at=timezone.now() - dt.timedelta(days=8))
    settings.SOCAP_PURGE_ARCHIVED_AFTER_DAYS = 0
    assert not due_for_purge().exists() and purge_archived() == 0  # off by default
    settings.SOCAP_PURGE_ARCHIVED_AFTER_DAYS = 10
    assert purge_archived() == 0  # verified 8 days ago: not yet
    settings.SOCAP_PURGE_ARCHIVED_AFTER_DAYS = 7
    assert purge_archived() == 1
    assert mongo.collection(mongo.ENGAGEMENTS).count_documents({"campaign_id": campaign.mongo_id}) == 0
    assert purge_archived() == 0
