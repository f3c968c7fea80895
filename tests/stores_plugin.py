"""Pytest plugin (loaded with -p before pytest-django reads settings).

Starts a real redis-server and the embedded MongoDB-compatible server on free
ports for the whole run and exports their URLs, so the settings module picks
them up exactly as in production. Also refuses every non-loopback connection:
no test reaches the internet.

With SOCAP_TEST_MONGODB_URI set, MongoDB is that server instead (any MongoDB 6.0+,
a replica set, Atlas): the run creates a database of its own (socap_test_<run id>),
drops it at the end, and the network guard also lets the tests reach that URI's hosts.
"""

from __future__ import annotations

import ipaddress
import os
import shutil
import socket
import tempfile
from pathlib import Path

import pytest

from tests.support import external_mongo
from tests.support.processes import mongo_process, mongo_uri, redis_process, redis_url

_started = []
STORES: dict[str, object] = {}  # "redis"/"mongo" -> ManagedProcess, for the store-outage tests


def connection_allowed(address, allowed: frozenset[str] = frozenset()) -> bool:
    """Loopback, or one of the `allowed` IP addresses (the hosts of SOCAP_TEST_MONGODB_URI)."""
    host = address[0] if isinstance(address, tuple) else address
    if not isinstance(host, str):
        return True  # unix sockets
    if host in {"localhost", "testserver"}:
        return True
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False  # a host name: resolving it would already leave the machine
    return ip.is_loopback or str(ip) in allowed


_ALLOWED: set[str] = set()


def _guard_network() -> None:
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex

    def refuse(self, address) -> None:
        if self.family in (socket.AF_INET, socket.AF_INET6) and not connection_allowed(address, frozenset(_ALLOWED)):
            raise ConnectionRefusedError(f"tests may not reach the network: {address!r} (only loopback and "
                                         f"the hosts of {external_mongo.ENV} when set)")

    def connect(self, address):
        refuse(self, address)
        return real_connect(self, address)

    def connect_ex(self, address):
        refuse(self, address)
        return real_connect_ex(self, address)

    socket.socket.connect, socket.socket.connect_ex = connect, connect_ex


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config, parser, args):
    external = os.environ.get(external_mongo.ENV, "").strip()
    if external:
        # Before the guard: a mongodb+srv URI's hosts come from DNS.
        try:
            _ALLOWED.update(external_mongo.allowed_addresses(external))
        except Exception as exc:  # noqa: BLE001 - a bad URI or an unknown host: say which
            raise pytest.UsageError(f"{external_mongo.ENV}: {exc}") from exc
    _guard_network()
    if external:
        # Checked before anything starts: a refusal leaves nothing behind.
        name = external_mongo.run_database_name()
        try:
            version = external_mongo.prepare(external, name)
        except Exception as exc:  # noqa: BLE001 - refused, unreachable, bad credentials: stop before any test
            raise pytest.UsageError(f"{external_mongo.ENV}: {exc}") from exc
        early_config.stash[_external_key] = (external, name)
        os.environ["MONGODB_URI"], os.environ["MONGODB_DB"] = external, name
        print(f"MongoDB: {external_mongo.ENV} (server {version}), database {name} for this run")
    if shutil.which("redis-server") is None:
        raise pytest.UsageError("redis-server is not installed: run ./scripts/test.sh, which installs it.")
    base = Path(tempfile.mkdtemp(prefix="socap-test-"))
    os.environ["SOCAP_TEST_TMP"] = str(base)
    os.environ["SOCAP_VAR_DIR"] = str(base / "var")
    (base / "var").mkdir()
    redis = redis_process(base / "redis").start()
    _started.append(redis)
    STORES.update(redis=redis)
    os.environ["REDIS_URL"] = redis_url(redis.port)
    if not external:
        mongo = mongo_process(base / "mongo").start()
        _started.append(mongo)
        STORES.update(mongo=mongo)
        os.environ["MONGODB_URI"] = mongo_uri(mongo.port)
        os.environ["MONGODB_DB"] = "socap_test"
    os.environ.setdefault("SOCAP_ENV", "test")
    early_config.stash[_base_key] = base


_base_key = pytest.StashKey[Path]()
_external_key = pytest.StashKey[tuple[str, str]]()


def pytest_unconfigure(config):
    external = config.stash.get(_external_key, None)
    if external is not None:
        from socap_project import mongo

        mongo.reset_client()
        external_mongo.drop(*external)
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
