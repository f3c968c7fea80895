"""One production environment for tests that start Django with SOCAP_ENV=production in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.support.processes import ROOT

# A secret long and random enough that `check --deploy` has nothing to say about it.
PRODUCTION = {
    "SOCAP_ENV": "production",
    "DJANGO_SECRET_KEY": "q8Vw1-Zr6J0nT4u_yXb3LkP9s2eHcGm7fDa5RtY0iOpWzQxCvBn",
    "MONGODB_URI": "mongodb://mongo.internal:27017/?replicaSet=rs0", "X_API_KEY": "a-real-key",
    "DJANGO_ALLOWED_HOSTS": "socap.example.com", "SOCAP_SITE_URL": "https://socap.example.com",
    "REDIS_URL": "redis://redis.internal:6379/0",
    "DATABASE_URL": "postgres://socap:secret@db.internal:5432/socap",
}
# Variables of the caller's environment that would change what production decides.
CLEARED = (*PRODUCTION, "DJANGO_DEBUG", "DJANGO_SECURE_COOKIES", "SOCAP_TRUSTED_PROXY", "SOCAP_HSTS_SECONDS",
           "SOCAP_HSTS_INCLUDE_SUBDOMAINS", "SOCAP_HSTS_PRELOAD", "MONGODB_TIMEOUT_MS")


def production_env(tmp_path, **overrides) -> dict[str, str]:
    """The environment of a production process; an override of None removes the variable."""
    env = {k: v for k, v in os.environ.items() if k not in CLEARED}
    env.update({**PRODUCTION, "SOCAP_VAR_DIR": str(tmp_path)})
    for name, value in overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def run_production(tmp_path, argv: list[str], **overrides) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *argv], cwd=ROOT, env=production_env(tmp_path, **overrides),
                          capture_output=True, text=True, timeout=120, check=False)


def manage(tmp_path, *args: str, **overrides) -> subprocess.CompletedProcess:
    return run_production(tmp_path, ["manage.py", *args], **overrides)
