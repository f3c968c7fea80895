"""SOCAP_ENV=production refuses unsafe or missing settings by name, and passes `check --deploy` clean."""

import os
import subprocess
import sys

import pytest

from tests.support.processes import ROOT

PRODUCTION = {
    "SOCAP_ENV": "production",
    "DJANGO_SECRET_KEY": "q8Vw1-Zr6J0nT4u_yXb3LkP9s2eHcGm7fDa5RtY0iOpWzQxCvBn",
    "MONGODB_URI": "mongodb://mongo.internal:27017/?replicaSet=rs0", "X_API_KEY": "a-real-key",
    "DJANGO_ALLOWED_HOSTS": "socap.example.com", "SOCAP_SITE_URL": "https://socap.example.com",
    "REDIS_URL": "redis://redis.internal:6379/0",
}
CLEARED = (*PRODUCTION, "DJANGO_DEBUG", "DJANGO_SECURE_COOKIES", "SOCAP_TRUSTED_PROXY", "SOCAP_HSTS_SECONDS",
           "SOCAP_HSTS_INCLUDE_SUBDOMAINS", "SOCAP_HSTS_PRELOAD")


def manage(tmp_path, *args, **overrides) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in CLEARED}
    env.update({**PRODUCTION, "SOCAP_VAR_DIR": str(tmp_path)})
    for name, value in overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120, check=False)


def setting(tmp_path, expression: str, **overrides) -> str:
    result = manage(tmp_path, "shell", "-c", f"from django.conf import settings; print({expression})", **overrides)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_check_deploy_prints_no_warning(tmp_path):
    result = manage(tmp_path, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout, result.stdout


@pytest.mark.parametrize("missing", ["DJANGO_ALLOWED_HOSTS", "SOCAP_SITE_URL", "REDIS_URL"])
@pytest.mark.parametrize("how", ["unset", "empty"])
def test_production_refuses_each_missing_setting_by_name(tmp_path, missing, how):
    result = manage(tmp_path, "check", **{missing: None if how == "unset" else ""})
    assert result.returncode != 0
    assert f"{missing} is required when SOCAP_ENV=production" in result.stderr


@pytest.mark.parametrize(("name", "value", "says"), [
    ("DJANGO_DEBUG", "true", "DJANGO_DEBUG"),
    ("DJANGO_SECURE_COOKIES", "false", "DJANGO_SECURE_COOKIES"),
    ("SOCAP_SITE_URL", "http://socap.example.com", "SOCAP_SITE_URL"),
])
def test_production_refuses_unsafe_values(tmp_path, name, value, says):
    result = manage(tmp_path, "check", **{name: value})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and says in result.stderr


def test_https_is_enforced_and_the_proxy_header_trusted_only_when_told(tmp_path):
    assert setting(tmp_path, "settings.SECURE_SSL_REDIRECT, settings.SECURE_HSTS_SECONDS > 0, "
                             "settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE, "
                             "len(settings.AUTH_PASSWORD_VALIDATORS) >= 4") == "True True True True True"
    assert setting(tmp_path, "settings.SECURE_PROXY_SSL_HEADER") == "None"
    assert setting(tmp_path, "settings.SECURE_PROXY_SSL_HEADER", SOCAP_TRUSTED_PROXY="true") == \
        "('HTTP_X_FORWARDED_PROTO', 'https')"
    # A load balancer probes health over plain HTTP: no redirect there.
    assert setting(tmp_path, "settings.SECURE_REDIRECT_EXEMPT") == "['^socap/health$']"
