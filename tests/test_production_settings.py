"""SOCAP_ENV=production never falls back to the simulator or the embedded store."""

import os
import subprocess
import sys

import pytest

from tests.support.processes import ROOT

PRODUCTION = {"SOCAP_ENV": "production", "DJANGO_SECRET_KEY": "a-production-secret",
              "MONGODB_URI": "mongodb://mongo.internal:27017/?replicaSet=rs0", "X_API_KEY": "a-real-key",
              "DATABASE_URL": "postgres://socap:secret@db.internal:5432/socap"}


def manage_check(tmp_path, **overrides) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in PRODUCTION}
    env.update({**PRODUCTION, "SOCAP_VAR_DIR": str(tmp_path)})
    for name, value in overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120, check=False)


@pytest.mark.parametrize("missing", ["MONGODB_URI", "X_API_KEY", "DATABASE_URL"])
@pytest.mark.parametrize("how", ["unset", "empty"])
def test_production_start_up_fails_naming_the_missing_variable(tmp_path, missing, how):
    result = manage_check(tmp_path, **{missing: None if how == "unset" else ""})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"{missing} is required when SOCAP_ENV=production" in result.stderr


def test_production_starts_with_both_variables_and_dev_still_falls_back(tmp_path):
    result = manage_check(tmp_path)
    assert result.returncode == 0, result.stderr
    dev = manage_check(tmp_path, SOCAP_ENV="dev", MONGODB_URI=None, X_API_KEY=None, DATABASE_URL=None)
    assert dev.returncode == 0, dev.stderr


def test_production_refuses_a_sqlite_database(tmp_path):
    result = manage_check(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path / 'socap.sqlite3'}")
    assert result.returncode != 0
    assert "DATABASE_URL is required when SOCAP_ENV=production and must name PostgreSQL" in result.stderr


def test_production_waits_out_a_replica_set_election(tmp_path):
    too_short = manage_check(tmp_path, MONGODB_TIMEOUT_MS="5000")
    assert too_short.returncode != 0
    assert "MONGODB_TIMEOUT_MS (server selection) must be at least 20000" in too_short.stderr
    env = {k: v for k, v in os.environ.items() if k not in PRODUCTION and k != "MONGODB_TIMEOUT_MS"}
    env.update({**PRODUCTION, "SOCAP_VAR_DIR": str(tmp_path)})
    shown = subprocess.run(
        [sys.executable, "-c", "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'socap_project.settings'; "
         "django.setup(); from socap_project import mongo; o = mongo.client_options(); "
         "print(o['serverSelectionTimeoutMS'], o['w'], o['readPreference'], o['retryWrites'])"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.split() == ["30000", "majority", "primary", "True"]
