"""Running the suite against a MongoDB the tests do not own (SOCAP_TEST_MONGODB_URI).

The server may hold other databases, production ones included: the run works in a database of its
own, named for tests and unique to the run, which must not exist beforehand and is dropped after.
Every step that writes or drops checks the name first.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import uuid

from pymongo import MongoClient, uri_parser

ENV = "SOCAP_TEST_MONGODB_URI"
MIN_VERSION = (6, 0)
# The embedded server's per-run database is `socap_test`; an external run adds a unique suffix.
TEST_DATABASE = re.compile(r"^socap_test(_[0-9a-z]+)?$")


class Refused(Exception):
    """The suite will not touch this server or database."""


def run_database_name() -> str:
    return f"socap_test_{uuid.uuid4().hex[:12]}"


def assert_test_database(name: str) -> None:
    if not TEST_DATABASE.match(name or ""):
        raise Refused(f"refusing to touch MongoDB database {name!r}: tests only use databases named "
                      "socap_test or socap_test_<run id>")


def check_version(version: str) -> None:
    numbers = tuple(int(part) for part in re.findall(r"\d+", version)[:2])
    if numbers < MIN_VERSION:
        raise Refused(f"{ENV} names MongoDB {version}; the suite needs 6.0 or newer")


def seed_hosts(uri: str) -> list[tuple[str, int]]:
    """The URI's hosts (for mongodb+srv, the ones its DNS records list)."""
    return [(host, int(port)) for host, port in uri_parser.parse_uri(uri)["nodelist"]]


def allowed_addresses(uri: str) -> set[str]:
    """IP addresses of the URI's hosts: the network guard lets the tests reach these, and only these."""
    addresses = set()
    for host, port in seed_hosts(uri):
        try:
            addresses.add(str(ipaddress.ip_address(host.strip("[]"))))
            continue
        except ValueError:
            pass
        for *_, sockaddr in socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP):
            addresses.add(sockaddr[0])
    return addresses


def prepare(uri: str, name: str, *, timeout_ms: int = 10000) -> str:
    """Check the server and the run's database before any test runs; return the server's version."""
    assert_test_database(name)
    with MongoClient(uri, serverSelectionTimeoutMS=timeout_ms) as client:
        version = client.admin.command("buildInfo")["version"]
        check_version(version)
        if name in client.list_database_names():
            raise Refused(f"MongoDB database {name!r} already exists on {ENV}'s server: "
                          "a run only works in a database it created")
    return version


def drop(uri: str, name: str, *, timeout_ms: int = 10000) -> None:
    assert_test_database(name)
    with MongoClient(uri, serverSelectionTimeoutMS=timeout_ms) as client:
        client.drop_database(name)
