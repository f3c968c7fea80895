"""SOCAP_ENV=production refuses unsafe or missing settings by name, and passes `check --deploy` clean."""

import pytest

from tests.support.production import manage


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
    assert setting(tmp_path, "settings.SECURE_REDIRECT_EXEMPT") == "['^socap/health(/live)?$']"
