"""SOCAP_TEST_MONGODB_URI's guards: the suite only touches a fresh database named for tests, on a
MongoDB 6.0+, and reaches no host but that URI's."""

import pytest
from pymongo import MongoClient

from tests.stores_plugin import connection_allowed
from tests.support import external_mongo
from tests.support.external_mongo import Refused


@pytest.mark.parametrize("name", ["socap", "admin", "local", "config", "production", "socap_test_prod!", "",
                                  "socap_testing", "test", "socap_test_"])
def test_refuses_databases_not_named_for_tests(name):
    with pytest.raises(Refused, match="refusing to touch MongoDB database"):
        external_mongo.assert_test_database(name)


def test_accepts_the_run_names():
    external_mongo.assert_test_database("socap_test")
    name = external_mongo.run_database_name()
    external_mongo.assert_test_database(name)
    assert name != external_mongo.run_database_name()  # unique per run


@pytest.mark.parametrize(("version", "ok"), [("5.0.24", False), ("4.4.0", False), ("6.0.0", True),
                                             ("7.0.12", True), ("8.2.11", True), ("10.0.1", True)])
def test_needs_mongodb_6_or_newer(version, ok):
    if ok:
        external_mongo.check_version(version)
    else:
        with pytest.raises(Refused, match="needs 6.0 or newer"):
            external_mongo.check_version(version)


def test_prepare_refuses_a_database_that_already_exists_and_drop_refuses_other_names(settings):
    name = external_mongo.run_database_name()
    with MongoClient(settings.MONGODB_URI) as client:
        try:
            assert external_mongo.prepare(settings.MONGODB_URI, name)  # fresh: accepted, the version returned
            client[name]["x"].insert_one({"kept": True})
            with pytest.raises(Refused, match="already exists"):
                external_mongo.prepare(settings.MONGODB_URI, name)
            client["socap"]["campaigns"].insert_one({"real": True})
            with pytest.raises(Refused):
                external_mongo.drop(settings.MONGODB_URI, "socap")
            with pytest.raises(Refused):
                external_mongo.prepare(settings.MONGODB_URI, "socap")
            assert client["socap"]["campaigns"].count_documents({}) == 1
            external_mongo.drop(settings.MONGODB_URI, name)
            assert name not in client.list_database_names()
        finally:
            client.drop_database(name)
            client.drop_database("socap")


def test_the_uri_hosts_and_only_they_get_past_the_network_guard():
    allowed = frozenset(external_mongo.allowed_addresses(
        "mongodb://user:pw@10.0.0.5:27017,[2001:db8::7]:27018/?replicaSet=rs0"))
    assert allowed == {"10.0.0.5", "2001:db8::7"}
    assert connection_allowed(("10.0.0.5", 27017), allowed)
    assert connection_allowed(("2001:db8::7", 27018, 0, 0), allowed)
    assert connection_allowed(("127.0.0.1", 6379), allowed)
    assert not connection_allowed(("10.0.0.6", 27017), allowed)
    assert not connection_allowed(("10.0.0.5", 27017))  # not set: loopback only
    assert not connection_allowed(("93.184.216.34", 443), allowed)


def test_the_fixture_that_empties_collections_refuses_a_real_database(settings, request):
    settings.MONGODB_DB = "socap"
    with pytest.raises(Refused):
        request.getfixturevalue("mongo_db")
