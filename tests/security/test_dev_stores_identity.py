"""scripts/stores.sh reuses a process on a store's port only if it is that store; otherwise it stops
with a message naming the port and what answered."""

import os
import socket
import subprocess
import threading
from urllib.parse import urlsplit

import pytest

from tests.support.processes import ROOT, free_port

BANNER = b"SSH-2.0-OpenSSH_9.6 foreign\r\n"


@pytest.fixture
def foreign_port():
    """A listener that is none of our stores: it greets like an SSH server and hangs up."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    stop = threading.Event()

    def serve():
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn:
                conn.sendall(BANNER)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join(timeout=2)
    server.close()


def stores(function: str, **env) -> subprocess.CompletedProcess:
    script = ('say() { echo "say: $*"; }; die() { echo "$*" >&2; exit 1; }; '
              f'ROOT="{ROOT}"; cd "$ROOT"; . scripts/stores.sh; trap stop_stores EXIT; {function}')
    base = {k: v for k, v in os.environ.items()
            if k not in {"REDIS_URL", "MONGODB_URI", "X_API_KEY", "EMAIL_HOST"}}
    base["PATH"] = f"{ROOT / '.venv' / 'bin'}:{base['PATH']}"
    base.update(env)
    return subprocess.run(["bash", "-c", script], env=base, capture_output=True, text=True, timeout=60,
                          check=False)


def test_a_foreign_listener_on_the_redis_port_is_refused(foreign_port):
    result = stores("start_stores", SOCAP_DEV_REDIS_PORT=str(foreign_port), MONGODB_URI="mongodb://unused/")
    assert result.returncode == 1, result.stdout
    assert f"port {foreign_port} is taken, but not by Redis" in result.stderr
    assert "SSH-2.0-OpenSSH_9.6" in result.stderr


def test_a_foreign_listener_on_the_mongo_port_is_refused(foreign_port):
    result = stores("start_stores", REDIS_URL="redis://unused:1/0", SOCAP_EMBEDDED_MONGO_PORT=str(foreign_port))
    assert result.returncode == 1, result.stdout
    assert f"port {foreign_port} is taken, but not by MongoDB-compatible server" in result.stderr
    assert "SSH-2.0-OpenSSH_9.6" in result.stderr


@pytest.mark.parametrize(("function", "variable", "name"), [
    ("start_simulator", "SOCAP_SIMULATOR_PORT", "X API simulator"),
    ("start_sinks", "SOCAP_SINK_HTTP_PORT", "alert sinks"),
])
def test_a_foreign_listener_on_the_simulator_or_sinks_port_is_refused(foreign_port, function, variable, name):
    result = stores(function, **{variable: str(foreign_port), "EMAIL_PORT": str(free_port())})
    assert result.returncode == 1, result.stdout
    assert f"port {foreign_port} is taken, but not by {name}" in result.stderr
    assert "SSH-2.0-OpenSSH_9.6" in result.stderr


def test_another_http_server_on_the_simulator_port_is_refused(tmp_path):
    port = free_port()
    other = subprocess.Popen(["python3", "-m", "http.server", str(port), "--bind", "127.0.0.1"],  # noqa: S607
                             cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(50):
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            threading.Event().wait(0.1)
        result = stores("start_simulator", SOCAP_SIMULATOR_PORT=str(port))
    finally:
        other.terminate()
        other.wait(timeout=10)
    assert result.returncode == 1
    assert f"port {port} is taken, but not by X API simulator: an HTTP server answered 404" in result.stderr


def test_the_real_stores_are_adopted():
    redis_port = urlsplit(os.environ["REDIS_URL"]).port
    mongo_port = urlsplit(os.environ["MONGODB_URI"]).port
    result = stores("start_stores", SOCAP_DEV_REDIS_PORT=str(redis_port), SOCAP_EMBEDDED_MONGO_PORT=str(mongo_port))
    assert result.returncode == 0, result.stderr
    assert f"using the Redis already on 127.0.0.1:{redis_port} (Redis " in result.stdout
    assert f"using the MongoDB-compatible server already on 127.0.0.1:{mongo_port} (a MongoDB-compatible" \
        in result.stdout


@pytest.mark.django_db
def test_the_real_simulator_and_sinks_are_adopted(simulator, sinks):
    sim_port = urlsplit(simulator.base_url).port
    result = stores("start_simulator", SOCAP_SIMULATOR_PORT=str(sim_port))
    assert result.returncode == 0, result.stderr
    assert f"using the X API simulator already on 127.0.0.1:{sim_port}" in result.stdout
    result = stores("start_sinks", SOCAP_SINK_HTTP_PORT=str(sinks.http_port))
    assert result.returncode == 0, result.stderr
    assert f"using the alert sinks already on 127.0.0.1:{sinks.http_port}" in result.stdout
