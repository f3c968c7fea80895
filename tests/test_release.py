"""`manage.py socap_release`: the whole release step in one command, safe to run again."""

import time

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django_celery_beat.models import PeriodicTask

from socap_project import mongo
from socap_project.schedules import schedules

pytestmark = pytest.mark.django_db(transaction=True)


def release(tmp_path, settings, capsys, *args):
    settings.STATIC_ROOT = tmp_path / "static"
    call_command("socap_release", "--wait", "10", *args)
    return capsys.readouterr().out


def test_release_migrates_indexes_schedules_and_static_files(tmp_path, settings, capsys, mongo_db, redis_conn):
    for name in mongo.INDEXES:
        mongo.collection(name).drop()
    PeriodicTask.objects.all().delete()

    out = release(tmp_path, settings, capsys)

    executor = MigrationExecutor(connection)
    assert executor.migration_plan(executor.loader.graph.leaf_nodes()) == []
    for name, specs in mongo.INDEXES.items():
        assert {spec.name for spec in specs} <= set(mongo.collection(name).index_information()), name
    assert {item.name for item in schedules()} <= set(PeriodicTask.objects.values_list("name", flat=True))
    assert (tmp_path / "static" / "css" / "socap.css").exists()
    assert "Release done" in out

    again = release(tmp_path, settings, capsys)  # idempotent: a re-run changes nothing and succeeds
    assert "Release done" in again and PeriodicTask.objects.count() == len(schedules())
    assert redis_conn.get("socap:release") is None  # the lock is released


def test_release_waits_for_a_release_already_running(tmp_path, settings, capsys, redis_conn, mongo_db):
    from socap_project.management.commands import socap_release

    other = redis_conn.lock(socap_release.LOCK_KEY, timeout=1.5)
    assert other.acquire()
    started = time.monotonic()
    out = release(tmp_path, settings, capsys, "--skip-collectstatic")
    assert time.monotonic() - started >= 1.0  # it waited for the other release's lock
    assert "Release done" in out and not (tmp_path / "static").exists()


def test_release_fails_when_a_store_does_not_answer(tmp_path, settings, capsys):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="Stores not reachable"):
        call_command("socap_release", "--wait", "1")
