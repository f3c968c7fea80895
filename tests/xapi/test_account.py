"""The API key's home (xapi/account/): one fingerprint for all its state, and the upgrade to it."""

import datetime as dt
import hashlib

from django.core.management import call_command
from django.utils import timezone

from xapi.account import budget, key_state
from xapi.account.fingerprint import fingerprint
from xapi.twitterapi_io import TwitterApiIoClient

SPEND = "api_spend"


def test_the_limiter_the_rejection_record_and_the_spend_key_document_share_one_fingerprint(
        mongo_db, redis_conn, settings):
    settings.X_API_KEY = "shared-key"
    value = fingerprint("shared-key")
    assert value == fingerprint() and value != fingerprint("another-key") and "shared-key" not in value

    client = TwitterApiIoClient(base_url="http://x-api.invalid", api_key="shared-key")
    rejection = key_state.record_rejection("shared-key", 401, "unauthorized")
    key_state.mark_exhausted("credits exhausted", timezone.now())
    (key_document,) = mongo_db[SPEND].find({"kind": "key"})

    assert client.limiter.key == f"x-api:{value}"
    assert rejection["fingerprint"] == value == key_state.current_status()["fingerprint"]
    assert key_document["_id"] == f"key:{value}"


def _legacy_id(api_key: str) -> str:
    """How versions before xapi/account named the key's spend document."""
    return "key:" + hashlib.sha256(api_key.encode()).hexdigest()[:16]


def test_the_upgrade_moves_the_key_document_to_its_fingerprint_once(mongo_db, settings, capsys):
    settings.X_API_KEY = "deployed-key"
    now = timezone.now()
    blocked = {"kind": "key", "campaign_id": None, "blocked_reason": "credits exhausted: recharge",
               "blocked_at": now, "blocked_until": now + dt.timedelta(hours=1)}
    mongo_db[SPEND].insert_one({"_id": _legacy_id("deployed-key"), **blocked})
    assert budget.standing("1", None, now).key_reason is None  # the new code does not see the old id

    call_command("socap_init_db")
    assert "1 API key spend documents renamed" in capsys.readouterr().out
    call_command("socap_init_db")  # again: nothing moves twice
    assert "API key spend documents" not in capsys.readouterr().out

    (moved,) = mongo_db[SPEND].find({"kind": "key"})
    assert moved["_id"] == key_state.key_id() == f"key:{fingerprint('deployed-key')}"
    assert moved["blocked_reason"] == blocked["blocked_reason"]
    assert budget.standing("1", None, now).key_reason == "credits exhausted: recharge"


def test_the_upgrade_keeps_a_newer_402_already_recorded_under_the_fingerprint(mongo_db, settings):
    settings.X_API_KEY = "deployed-key"
    now = timezone.now()
    mongo_db[SPEND].insert_one({"_id": _legacy_id("deployed-key"), "kind": "key", "blocked_reason": "old",
                                "blocked_at": now - dt.timedelta(hours=2), "blocked_until": now})
    key_state.mark_exhausted("new", now)
    assert key_state.move_legacy_key_document() == 1
    (kept,) = mongo_db[SPEND].find({"kind": "key"})
    assert kept["_id"] == key_state.key_id() and kept["blocked_reason"] == "new"
    assert key_state.move_legacy_key_document() == 0
