"""Request and response shapes of the /socap/workers endpoints, for the OpenAPI document only: the
views read and build these bodies themselves (ingestion/views.py)."""

from __future__ import annotations

from rest_framework import serializers


class TriggerResultSerializer(serializers.Serializer):
    campaigns = serializers.IntegerField()
    jobs = serializers.IntegerField()
    already_polled_this_interval = serializers.BooleanField()


class RunRequestSerializer(serializers.Serializer):
    campaign_id = serializers.IntegerField(min_value=1)
    tweet_id = serializers.CharField(required=False, help_text="One tracked tweet; without it, the whole campaign")


class RunResultSerializer(serializers.Serializer):
    campaign_id = serializers.IntegerField()
    tweet_id = serializers.CharField(allow_null=True)
    enqueued = serializers.IntegerField(help_text="Jobs enqueued")


class WorkerStatusSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    api_key = serializers.DictField(help_text="Whether the provider rejected the key, and why")
    jobs = serializers.DictField(child=serializers.DictField(),
                                 help_text="Per job type: states, last_success, blocked, with_error, running, ...")
    parked = serializers.ListField(child=serializers.DictField(), help_text="Jobs stopped by a permanent error")
    recent_errors = serializers.ListField(child=serializers.DictField())
    blocked = serializers.DictField(help_text="The API key's 402 state, and every active campaign that may not "
                                              "poll and why")


class QueueStatusSerializer(serializers.Serializer):
    queued = serializers.IntegerField()
    queued_by_priority = serializers.DictField(child=serializers.IntegerField())
    queued_control = serializers.IntegerField(help_text="Control tasks waiting (fan-out, alerts, completion, "
                                                        "heartbeat) on their own queue")
    reserved_unacked = serializers.IntegerField()
    running_jobs = serializers.IntegerField()
