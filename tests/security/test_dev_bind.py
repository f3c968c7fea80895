"""run.sh refuses to serve a development setup (dev secret key, dev trigger secret, admin/socap-admin)
on an address other machines can reach."""

import os
import subprocess

import pytest

from tests.support.processes import ROOT, free_port

UNREACHABLE = f"127.0.0.1:{free_port()}"


def run_script(**env) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in {"SOCAP_ENV", "SOCAP_BIND"}}
    # Stores and services that would not answer: if the guard were missing, the script would stop
    # at the store check instead of serving anything.
    base.update({"REDIS_URL": f"redis://{UNREACHABLE}/0", "MONGODB_URI": f"mongodb://{UNREACHABLE}/",
                 "X_API_KEY": "unused", "EMAIL_HOST": "127.0.0.1", "SOCAP_SKIP_CHROMIUM": "1"})
    base.update(env)
    return subprocess.run(["bash", str(ROOT / "scripts" / "run.sh")], cwd=ROOT, env=base, capture_output=True,
                          text=True, timeout=30, check=False, start_new_session=True)


@pytest.mark.parametrize("bind", ["0.0.0.0:9100", "192.168.1.20:9100", "[::]:9100"])
@pytest.mark.parametrize("socap_env", [None, "dev"])
def test_run_refuses_a_public_bind_in_dev(bind, socap_env):
    env = {"SOCAP_BIND": bind}
    if socap_env:
        env["SOCAP_ENV"] = socap_env
    result = run_script(**env)
    assert result.returncode != 0
    assert f"SOCAP_BIND={bind}" in result.stderr and "SOCAP_ENV=production" in result.stderr, result.stderr
    assert "127.0.0.1" in result.stderr
