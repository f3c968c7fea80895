import datetime as dt
import gzip
import uuid

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from ingestion.archiving.archive import LocalArchive, archive_dir, archive_for, verify_archive, write_archive
from ingestion.archiving.s3 import S3Error
from socap_project import mongo


@pytest.fixture
def archive_root(settings, tmp_path):
    settings.SOCAP_ARCHIVE_DIR = tmp_path / "archives"
    return settings.SOCAP_ARCHIVE_DIR


def seed(campaign_id="41"):
    now = timezone.now().replace(microsecond=0)
    mongo.collection(mongo.ENGAGEMENTS).insert_many([
        {"campaign_id": campaign_id, "seq": i + 1, "tweet_id": "t", "tweet_category": "main_twt",
         "user_id": str(i), "action_type": "retweet", "account_category": "others",
         "timestamp": now - dt.timedelta(hours=i), "hour": (now - dt.timedelta(hours=i)).replace(minute=0, second=0),
         "importance_score": i * 1.5, "reply_count": 1}
        for i in range(12)
    ])
    mongo.collection(mongo.METRIC_SNAPSHOTS).insert_one({"campaign_id": campaign_id, "snapshot_time": now,
                                                         "total_views": 1000})
    mongo.collection(mongo.ENGAGEMENTS).insert_one({"campaign_id": "other", "tweet_id": "t", "user_id": "x",
                                                    "action_type": "retweet"})


def test_archive_verifies_and_is_written_once(mongo_db, archive_root):
    seed()
    manifest = write_archive("41")
    assert manifest["collections"]["engagements"]["count"] == 12
    assert manifest["collections"]["metric_snapshots"]["count"] == 1
    assert verify_archive(LocalArchive(archive_dir("41"))).ok
    again = write_archive("41")
    assert again["created_at"] == manifest["created_at"]


def test_verify_finds_tampering_and_database_drift(mongo_db, archive_root):
    seed()
    write_archive("41")
    mongo.collection(mongo.ENGAGEMENTS).update_one({"campaign_id": "41", "user_id": "3"},
                                                   {"$set": {"importance_score": 99}})
    problems = verify_archive(LocalArchive(archive_dir("41"))).problems
    assert any("differs from the database" in p for p in problems)
    path = archive_dir("41") / "engagements.jsonl.gz"
    lines = gzip.decompress(path.read_bytes()).splitlines(keepends=True)
    path.write_bytes(gzip.compress(b"".join(lines[:-1])))
    problems = verify_archive(LocalArchive(archive_dir("41"))).problems
    assert any("checksum mismatch" in p for p in problems)
    assert any("manifest says 12" in p for p in problems)
    with pytest.raises(CommandError, match="does NOT match"):
        call_command("socap_verify_archive", "41")


def test_restore_brings_back_identical_documents(db, mongo_db, redis_conn, archive_root, capsys):
    seed()
    before = sorted(mongo.collection(mongo.ENGAGEMENTS).find({"campaign_id": "41"}), key=lambda d: d["_id"])
    write_archive("41")
    mongo.collection(mongo.ENGAGEMENTS).delete_many({"campaign_id": "41"})
    call_command("socap_restore_archive", "41")
    call_command("socap_restore_archive", "41")  # repeatable
    after = sorted(mongo.collection(mongo.ENGAGEMENTS).find({"campaign_id": "41"}), key=lambda d: d["_id"])
    assert after == before
    # The dashboard's counters are recounted from what came back, and new numbers start above it.
    assert mongo.collection(mongo.CAMPAIGN_STATS).find_one({"_id": "41"})["engagements"] == 12
    assert mongo.collection(mongo.COUNTERS).find_one({"_id": "41"})["seq"] == 12
    call_command("socap_verify_archive", "41")
    assert "matches the database" in capsys.readouterr().out


# -- S3-compatible target: a real moto server process, boto3 over HTTP on 127.0.0.1 ------------------------
@pytest.fixture(scope="module")
def s3_server(tmp_path_factory):
    from tests.support.s3 import S3Server

    server = S3Server(tmp_path_factory.mktemp("s3-logs")).start()
    yield server
    server.stop()


@pytest.fixture
def s3_archive(settings, s3_server, tmp_path):
    from tests.support.s3 import ACCESS_KEY_ID, SECRET_ACCESS_KEY

    bucket = f"socap-archive-{uuid.uuid4().hex[:10]}"
    s3_server.client().create_bucket(Bucket=bucket)
    settings.SOCAP_ARCHIVE_DIR = tmp_path / "local-archives"  # must stay empty: S3 is the target
    settings.SOCAP_ARCHIVE_S3_BUCKET = bucket
    settings.SOCAP_ARCHIVE_S3_PREFIX = "prod/archives"
    settings.SOCAP_ARCHIVE_S3_ENDPOINT_URL = s3_server.endpoint_url
    settings.SOCAP_ARCHIVE_S3_ACCESS_KEY_ID = ACCESS_KEY_ID
    settings.SOCAP_ARCHIVE_S3_SECRET_ACCESS_KEY = SECRET_ACCESS_KEY
    return bucket


def _s3_keys(s3_server, bucket):
    return sorted(o["Key"] for o in s3_server.client().list_objects_v2(Bucket=bucket).get("Contents", []))


def test_s3_archive_round_trip(db, mongo_db, redis_conn, s3_archive, s3_server, settings, capsys):
    seed()
    before = sorted(mongo.collection(mongo.ENGAGEMENTS).find({"campaign_id": "41"}), key=lambda d: d["_id"])
    manifest = write_archive("41")
    assert _s3_keys(s3_server, s3_archive) == [
        "prod/archives/campaign-41/engagements.jsonl.gz", "prod/archives/campaign-41/manifest.json",
        "prod/archives/campaign-41/metric_deltas.jsonl.gz", "prod/archives/campaign-41/metric_snapshots.jsonl.gz",
    ]
    assert not settings.SOCAP_ARCHIVE_DIR.exists()
    stored = s3_server.client().get_object(Bucket=s3_archive, Key="prod/archives/campaign-41/manifest.json")
    assert stored["Body"].read().decode() == __import__("json").dumps(manifest, indent=2)
    assert write_archive("41")["created_at"] == manifest["created_at"]  # written once

    assert verify_archive(archive_for("41")).ok
    mongo.collection(mongo.ENGAGEMENTS).delete_many({"campaign_id": "41"})
    call_command("socap_restore_archive", "41")
    after = sorted(mongo.collection(mongo.ENGAGEMENTS).find({"campaign_id": "41"}), key=lambda d: d["_id"])
    assert after == before
    call_command("socap_verify_archive", "41")
    out = capsys.readouterr().out
    assert "restored" in out and f"s3://{s3_archive}/prod/archives/campaign-41/ matches the database" in out


def test_s3_verify_reads_the_stored_objects(mongo_db, s3_archive, s3_server):
    seed()
    write_archive("41")
    key = "prod/archives/campaign-41/engagements.jsonl.gz"
    client = s3_server.client()
    lines = gzip.decompress(client.get_object(Bucket=s3_archive, Key=key)["Body"].read()).splitlines(keepends=True)
    client.put_object(Bucket=s3_archive, Key=key, Body=gzip.compress(b"".join(lines[1:])))
    problems = verify_archive(archive_for("41")).problems
    assert any("checksum mismatch" in p for p in problems)
    assert any("manifest says 12" in p for p in problems)
    with pytest.raises(CommandError, match="does NOT match"):
        call_command("socap_verify_archive", "41")


def test_s3_half_written_archive_is_not_an_archive(mongo_db, s3_archive, s3_server):
    seed()
    # A crash after the data files but before the manifest: the next run archives again.
    s3_server.client().put_object(Bucket=s3_archive, Key="prod/archives/campaign-41/engagements.jsonl.gz",
                                  Body=b"partial")
    with pytest.raises(CommandError, match="No archive"):
        call_command("socap_verify_archive", "41")
    write_archive("41")
    assert verify_archive(archive_for("41")).ok


def test_s3_errors_say_whether_they_are_permanent(mongo_db, s3_archive, settings):
    from tests.support.processes import free_port

    seed()
    settings.SOCAP_ARCHIVE_S3_BUCKET = "socap-no-such-bucket"
    with pytest.raises(S3Error) as missing_bucket:
        write_archive("41")
    assert missing_bucket.value.permanent and missing_bucket.value.code == "NoSuchBucket"
    with pytest.raises(CommandError, match="NoSuchBucket.*permanent"):
        call_command("socap_verify_archive", "41")

    settings.SOCAP_ARCHIVE_S3_BUCKET = s3_archive
    settings.SOCAP_ARCHIVE_S3_ENDPOINT_URL = f"http://127.0.0.1:{free_port()}"  # nothing listens
    with pytest.raises(S3Error) as unreachable:
        write_archive("41")
    assert not unreachable.value.permanent
