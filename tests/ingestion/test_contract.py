"""The engagement contract other apps read (ingestion/contract.py) matches what ingestion stores."""

from __future__ import annotations

import pytest
from django.utils import timezone

from ingestion.contract import FIELDS, AccountProfile, projection
from ingestion.storing import importance
from socap_project import mongo
from tests.ingestion.test_store import engager, store


def test_every_field_of_a_stored_engagement_is_in_the_contract(mongo_db):
    importance.upsert_entries([importance.entry("2", [{"id": "vc", "username": "vc", "weight": 8}])])
    store([engager("1"), engager("2")], job="retweets")
    store([engager("3", at=timezone.now(), text="great launch", reply_id="r3")], job="replies")
    store([engager("3", at=timezone.now(), text="and again", reply_id="r4")], job="replies")
    docs = list(mongo.collection(mongo.ENGAGEMENTS).find({}))
    assert {doc["action_type"] for doc in docs} == {"retweet", "reply"}
    for doc in docs:
        assert set(doc) <= FIELDS, set(doc) - FIELDS
        assert set(doc["account_profile"]) == set(AccountProfile.__annotations__)
    reply = next(doc for doc in docs if doc["action_type"] == "reply")
    assert {"text", "sentiment", "sentiment_score", "engagement_tweet_ids", "latest_at"} <= set(reply)


def test_a_projection_names_contract_fields_only():
    assert projection("user_id", "seq") == {"user_id": 1, "seq": 1}
    with pytest.raises(ValueError, match="importance"):
        projection("user_id", "importance")  # the field is importance_score
