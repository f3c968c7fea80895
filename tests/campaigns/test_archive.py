import datetime as dt
import gzip

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from campaigns.archive import archive_dir, verify_archive, write_archive
from socap_project import mongo


@pytest.fixture
def archive_root(settings, tmp_path):
    settings.SOCAP_ARCHIVE_DIR = tmp_path / "archives"
    return settings.SOCAP_ARCHIVE_DIR


def seed(campaign_id="41"):
    now = timezone.now().replace(microsecond=0)
    mongo.collection(mongo.ENGAGEMENTS).insert_many([
        {"campaign_id": campaign_id, "tweet_id": "t", "user_id": str(i), "action_type": "retweet",
         "timestamp": now - dt.timedelta(hours=i), "importance_score": i * 1.5, "reply_count": 1}
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
    assert verify_archive(archive_dir("41")).ok
    again = write_archive("41")
    assert again["created_at"] == manifest["created_at"]


def test_verify_finds_tampering_and_database_drift(mongo_db, archive_root):
    seed()
    write_archive("41")
    mongo.collection(mongo.ENGAGEMENTS).update_one({"campaign_id": "41", "user_id": "3"},
                                                   {"$set": {"importance_score": 99}})
    problems = verify_archive(archive_dir("41")).problems
    assert any("differs from the database" in p for p in problems)
    path = archive_dir("41") / "engagements.jsonl.gz"
    lines = gzip.decompress(path.read_bytes()).splitlines(keepends=True)
    path.write_bytes(gzip.compress(b"".join(lines[:-1])))
    problems = verify_archive(archive_dir("41")).problems
    assert any("checksum mismatch" in p for p in problems)
    assert any("manifest says 12" in p for p in problems)
    with pytest.raises(CommandError, match="does NOT match"):
        call_command("socap_verify_archive", "41")


def test_restore_brings_back_identical_documents(mongo_db, archive_root, capsys):
    seed()
    before = sorted(mongo.collection(mongo.ENGAGEMENTS).find({"campaign_id": "41"}), key=lambda d: d["_id"])
    write_archive("41")
    mongo.collection(mongo.ENGAGEMENTS).delete_many({"campaign_id": "41"})
    call_command("socap_restore_archive", "41")
    call_command("socap_restore_archive", "41")  # repeatable
    after = sorted(mongo.collection(mongo.ENGAGEMENTS).find({"campaign_id": "41"}), key=lambda d: d["_id"])
    assert after == before
    call_command("socap_verify_archive", "41")
    assert "matches the database" in capsys.readouterr().out
