"""The MongoDB client is set up for a replica set, whatever the URI asks."""

import pymongo
import pytest
from pymongo.read_preferences import ReadPreference

from socap_project import mongo


@pytest.fixture
def client_from(settings):
    made = []

    def build(uri: str, **overrides):
        for name, value in overrides.items():
            setattr(settings, name, value)
        settings.MONGODB_URI = uri
        mongo.reset_client()
        made.append(mongo.client())
        return made[-1]

    yield build
    mongo.reset_client()


def test_majority_writes_primary_reads_and_retries_even_when_the_uri_asks_otherwise(client_from):
    client = client_from("mongodb://127.0.0.1:1/?readPreference=secondaryPreferred&w=1&retryWrites=false"
                         "&directConnection=true", MONGODB_RETRY_WRITES=True)
    assert client.read_preference == ReadPreference.PRIMARY
    assert client.write_concern.document == {"w": "majority", "wtimeout": 10000}
    assert client.options.retry_writes is True and client.options.retry_reads is True
    assert client.options.pool_options.socket_timeout == 60.0
    assert client.options.server_selection_timeout == 5.0  # dev/test default; production 30 s


def test_timeouts_and_write_concern_follow_settings(client_from):
    client = client_from("mongodb://127.0.0.1:1/?directConnection=true", MONGODB_WRITE_CONCERN=2,
                         MONGODB_SOCKET_TIMEOUT_MS=1234, MONGODB_TIMEOUT_MS=25000)
    assert client.write_concern.document["w"] == 2
    assert client.options.pool_options.socket_timeout == 1.234
    assert client.options.server_selection_timeout == 25.0


def test_a_web_request_deadline_reaches_the_server_as_max_time_ms(mongo_db, settings):
    """pymongo sends what is left of the request's deadline with each command."""
    from pymongo import monitoring

    seen = []

    class Listener(monitoring.CommandListener):
        def started(self, event):
            seen.append((event.command_name, event.command.get("maxTimeMS")))

        def succeeded(self, event):
            pass

        def failed(self, event):
            pass

    client = pymongo.MongoClient(settings.MONGODB_URI, event_listeners=[Listener()], **mongo.client_options())
    try:
        with mongo.request_timeout(2.0):
            client[settings.MONGODB_DB]["probe"].find_one({"_id": 1})
        client[settings.MONGODB_DB]["probe"].find_one({"_id": 1})
    finally:
        client.close()
    finds = [max_time for name, max_time in seen if name == "find"]
    assert finds[0] is not None and 0 < finds[0] <= 2000
    assert finds[1] is None  # outside a web request: workers are bounded by socketTimeoutMS instead


def test_unavailable_means_the_store_not_the_query():
    from pymongo.errors import AutoReconnect, ExecutionTimeout, OperationFailure, ServerSelectionTimeoutError

    assert mongo.is_unavailable(ServerSelectionTimeoutError("no primary"))
    assert mongo.is_unavailable(AutoReconnect("connection reset"))
    assert mongo.is_unavailable(ExecutionTimeout("operation exceeded time limit", code=50))
    assert not mongo.is_unavailable(OperationFailure("unknown operator $foo", code=2))
    assert not mongo.is_unavailable(mongo.DuplicateKeyError("dup"))
