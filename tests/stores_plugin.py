"""Pytest plugin (loaded with -p before pytest-django reads settings).

Starts a real redis-server and the embedded MongoDB-compatible server on free
ports for the whole run and exports their URLs, so the settings module picks
them up exactly as in production. Also refuses every non-loopback connection:
no test reaches the internet.
"""

from __future__ import annotations

import ipaddress
import os
import shutil
import socket
import tempfile
from pathlib import Path

import pytest

from tests.support.processes import mongo_process, mongo_uri, redis_process, redis_url

_started = []
STORES: dict[str, object] = {}  # "redis"/"mongo" -> ManagedProcess, for the store-outage tests


def _is_loopback(address) -> bool:
    host = address[0] if isinstance(address, tuple) else address
    if not isinstance(host, str):
        return True  # unix sockets
    if host in {"localhost", "testserver"}:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name: resolving it would already leave the machine


def _guard_network() -> None:
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex

    def connect(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address):
            raise ConnectionRefusedError(f"tests may not reach the network: {address!r}")
        return real_connect(self, address)

    def connect_ex(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address):
            raise ConnectionRefusedError(f"tests may not reach the network: {address!r}")
        return real_connect_ex(self, address)

    socket.socket.connect, socket.socket.connect_ex = connect, connect_ex


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config, parser, args):
    _guard_network()
    if os.environ.get("SOCAP_TEST_EXTERNAL_STORES") == "1":
        return  # REDIS_URL / MONGODB_URI given by the caller
    if shutil.which("redis-server") is None:
        raise pytest.UsageError("redis-server is not installed: run ./scripts/test.sh, which installs it.")
    base = Path(tempfile.mkdtemp(prefix="socap-test-"))
    os.environ["SOCAP_TEST_TMP"] = str(base)
    os.environ["SOCAP_VAR_DIR"] = str(base / "var")
    (base / "var").mkdir()
    redis = redis_process(base / "redis").start()
    _started.append(redis)
    mongo = mongo_process(base / "mongo").start()
    _started.append(mongo)
    STORES.update(redis=redis, mongo=mongo)
    os.environ["REDIS_URL"] = redis_url(redis.port)
    os.environ["MONGODB_URI"] = mongo_uri(mongo.port)
    os.environ["MONGODB_DB"] = "socap_test"
    os.environ.setdefault("SOCAP_ENV", "test")
    early_config.stash[_base_key] = base


_base_key = pytest.StashKey[Path]()


def pytest_unconfigure(config):
    while _started:
        _started.pop().stop()
    base = config.stash.get(_base_key, None)
    if base is not None and os.environ.get("SOCAP_KEEP_TEST_TMP") != "1":
        shutil.rmtree(base, ignore_errors=True)


def pytest_terminal_summary(terminalreporter):
    from tests.reliability import ledger

    line = ledger.summary()
    if line:
        terminalreporter.write_sep("=", "reliability summary")
        terminalreporter.write_line(line)


def pytest_addoption(parser):
    parser.addoption("--long", action="store_true",
                     help="also run the long reliability variants (tests marked slow: more seeds, more examples)")


def pytest_configure(config):
    if config.getoption("long"):
        os.environ["SOCAP_LONG_TESTS"] = "1"


def pytest_collection_modifyitems(config, items):
    if config.getoption("long"):
        return
    skip = pytest.mark.skip(reason="long variant: run with --long")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)
