"""Shape of the JSON API bodies (docs/api.md); the rules live in campaigns.validation."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from campaigns.inputs import (
    TWEET_LIST_KEYS,
    AlertPreferencesInput,
    CampaignInput,
    TweetInput,
)
from campaigns.models import Campaign, TrackedTweet
from campaigns.selectors import alert_warnings, slack_status
from socap_project.links import absolute

# A tweet's metrics in the API keep the names the API has always published (they began as the
# provider's, which TrackedTweet.metrics stored until migration 0006), whatever SOCAP stores now.
API_METRIC_NAMES = {"likes": "likeCount", "retweets": "retweetCount", "quotes": "quoteCount",
                    "replies": "replyCount", "views": "viewCount", "bookmarks": "bookmarkCount"}


def tweet_metrics_representation(metrics: dict) -> dict:
    """In a fixed order (the metrics, then any other key by name): PostgreSQL's jsonb keeps keys in
    an order of its own, not the order they were written in."""
    metrics = metrics or {}
    known = [name for name in API_METRIC_NAMES if name in metrics]
    rest = sorted(name for name in metrics if name not in API_METRIC_NAMES)
    return {API_METRIC_NAMES.get(name, name): metrics[name] for name in (*known, *rest)}


# DRF coerces on its own (5 -> "5", "5" -> 5.0, true -> 1): the API documents JSON types, and a
# client sending the wrong one has a bug it should hear about, not a silently converted value.
class StrictCharField(serializers.CharField):
    default_error_messages = {"not_a_string": "Must be a string."}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("not_a_string")
        return super().to_internal_value(data)


class StrictFloatField(serializers.FloatField):
    default_error_messages = {"not_a_number": "Must be a number."}

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | float):
            self.fail("not_a_number")
        return super().to_internal_value(data)


class StrictIntegerField(serializers.IntegerField):
    default_error_messages = {"not_an_integer": "Must be a whole number."}

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("not_an_integer")
        return super().to_internal_value(data)


class StrictSerializer(serializers.Serializer):
    """Rejects keys it does not know, so a typo is a 400, not a silently ignored field."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = set(data) - set(self.fields)
            if unknown:
                raise serializers.ValidationError(
                    {key: ["Unknown field."] for key in sorted(unknown)}
                )
        return super().to_internal_value(data)


class TweetUrlSerializer(StrictSerializer):
    url = StrictCharField(max_length=500)


class ClientInfoSerializer(StrictSerializer):
    name = StrictCharField(max_length=200, allow_blank=True)
    email = StrictCharField(max_length=254, allow_blank=True)


class MonitorWindowSerializer(StrictSerializer):
    start_date = serializers.DateTimeField()
    end_date = serializers.DateTimeField()


class AlertPreferencesSerializer(StrictSerializer):
    importance_threshold = StrictFloatField(required=False, default=10)
    category_thresholds = serializers.DictField(child=StrictFloatField(), required=False, default=dict)
    action_thresholds = serializers.DictField(child=StrictFloatField(), required=False, default=dict)
    channels = serializers.ListField(child=StrictCharField(max_length=20), required=False, default=list,
                                     max_length=5)
    slack_webhook_url = StrictCharField(required=False, allow_blank=True, default="", max_length=500)
    extra_recipients = serializers.ListField(child=StrictCharField(max_length=254), required=False,
                                             default=list, max_length=50)
    frequency_window_minutes = StrictIntegerField(required=False, default=30)
    alert_spacing_minutes = StrictIntegerField(required=False, default=20)
    spike_factor = StrictFloatField(required=False, default=3.0)
    spike_min_engagements = StrictIntegerField(required=False, default=10)
    negative_sentiment_threshold = StrictFloatField(required=False, default=-0.5)

    def to_input(self) -> AlertPreferencesInput:
        return AlertPreferencesInput(**self.validated_data)


def _tweet_list():
    return TweetUrlSerializer(many=True, required=False, max_length=500)


class CampaignCreateSerializer(StrictSerializer):
    launch_name = StrictCharField(max_length=200, allow_blank=True)
    client_info = ClientInfoSerializer()
    monitor_window = MonitorWindowSerializer()
    alert_preferences = AlertPreferencesSerializer(required=False)
    cpm_usd = StrictFloatField(required=False, allow_null=True, default=None)
    credit_budget = StrictIntegerField(required=False, allow_null=True, default=None)
    maintweets = _tweet_list()
    influencer_twts = _tweet_list()
    investor_twts = _tweet_list()

    def to_input(self) -> CampaignInput:
        data = self.validated_data
        prefs = data.get("alert_preferences")
        return CampaignInput(
            launch_name=data["launch_name"],
            client_name=data["client_info"]["name"],
            client_email=data["client_info"]["email"],
            start_date=data["monitor_window"]["start_date"],
            end_date=data["monitor_window"]["end_date"],
            tweets=tweet_inputs(data),
            alerts=AlertPreferencesInput(**prefs) if prefs else AlertPreferencesInput(),
            cpm_usd=data.get("cpm_usd"),
            credit_budget=data.get("credit_budget"),
        )


def tweet_inputs(data: dict) -> list[TweetInput]:
    return [
        TweetInput(url=item["url"].strip(), category=category, path=f"{key}[{index}].url")
        for key, category in TWEET_LIST_KEYS.items()
        for index, item in enumerate(data.get(key) or [])
    ]


@extend_schema_serializer(component_name="AddTweets")
class _AddTweetsSerializer(StrictSerializer):
    maintweets = _tweet_list()
    influencer_twts = _tweet_list()
    investor_twts = _tweet_list()


# These objects are checked in CampaignPatchSerializer.validate_<field> (partially, for alert
# preferences); the annotation gives the OpenAPI document their shape instead of "any object".
@extend_schema_field(AlertPreferencesSerializer)
class _AlertPreferencesChangesField(serializers.DictField):
    pass


@extend_schema_field(_AddTweetsSerializer)
class _AddTweetsField(serializers.DictField):
    pass


class CampaignPatchSerializer(StrictSerializer):
    status = serializers.ChoiceField(choices=["active", "paused"], required=False)
    launch_name = StrictCharField(max_length=200, required=False, allow_blank=True)
    alert_preferences = _AlertPreferencesChangesField(
        required=False, help_text="Only the preferences given change; the others keep their values.")
    monitor_window = serializers.DictField(required=False)
    cpm_usd = StrictFloatField(required=False)
    credit_budget = StrictIntegerField(required=False, allow_null=True)  # null removes the limit
    add_tweets = _AddTweetsField(required=False)
    remove_tweet_ids = serializers.ListField(child=StrictCharField(max_length=32), required=False,
                                             max_length=500)

    def validate_alert_preferences(self, value):
        # partial: only the given preferences change, the others keep their values.
        serializer = AlertPreferencesSerializer(data=value, partial=True)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def validate_monitor_window(self, value):
        serializer = MonitorWindowSerializer(data=value, partial=True)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def validate_add_tweets(self, value):
        serializer = _AddTweetsSerializer(data=value)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


def campaign_representation(campaign: Campaign, *, with_tweets: bool = True) -> dict:
    """The campaign as the API returns it: the create body's field names (docs/api.md), no secrets."""
    body = {
        "id": campaign.pk,
        "launch_name": campaign.launch_name,
        "client_info": {"name": campaign.client_name, "email": campaign.client_email},
        "status": campaign.status,
        "monitor_window": {
            "start_date": campaign.start_date.isoformat(),
            "end_date": campaign.end_date.isoformat(),
        },
        "alert_preferences": {
            "importance_threshold": campaign.importance_threshold,
            "category_thresholds": campaign.category_thresholds,
            "action_thresholds": campaign.action_thresholds,
            "channels": campaign.channels,
            "slack_webhook_configured": bool(campaign.slack_webhook_url),
            "slack_status": slack_status(campaign),
            "extra_recipients": campaign.extra_recipients,
            "frequency_window_minutes": campaign.frequency_window_minutes,
            "alert_spacing_minutes": campaign.alert_spacing_minutes,
            "spike_factor": campaign.spike_factor,
            "spike_min_engagements": campaign.spike_min_engagements,
            "negative_sentiment_threshold": campaign.negative_sentiment_threshold,
            "disabled_channels": campaign.disabled_channels,
        },
        "cpm_usd": campaign.effective_cpm(),
        "credit_budget": campaign.credit_budget,
        # The configured public address: the request's Host may be an internal name or a proxy's.
        "share_url": absolute("dashboard:client", campaign.share_token),
        "created_at": campaign.created_at.isoformat(),
        "updated_at": campaign.updated_at.isoformat(),
        "completed_at": campaign.completed_at.isoformat() if campaign.completed_at else None,
        "tweet_count": campaign.tweets.count(),
        "warnings": alert_warnings(campaign),
    }
    if with_tweets:
        body["tweets"] = [
            {
                "tweet_id": t.tweet_id,
                "url": t.url,
                "category": t.category,
                "author_name": t.author_name,
                "author_username": t.author_username,
                "metrics": tweet_metrics_representation(t.metrics),
            }
            for t in campaign.tweets.all()
        ]
    return body


# Response shapes, for the OpenAPI document only: the bodies are built by campaign_representation
# above and the views, so these describe them and validate nothing.


class CampaignWarningSerializer(serializers.Serializer):
    field = serializers.CharField()
    code = serializers.CharField(help_text="slack_waiting_for_webhook, slack_default_webhook or slack_disabled")
    message = serializers.CharField()


class CampaignAlertPreferencesSerializer(serializers.Serializer):
    importance_threshold = serializers.FloatField()
    category_thresholds = serializers.DictField(child=serializers.FloatField())
    action_thresholds = serializers.DictField(child=serializers.FloatField())
    channels = serializers.ListField(child=serializers.CharField())
    slack_webhook_configured = serializers.BooleanField()
    slack_status = serializers.CharField(
        help_text="webhook, default_webhook, waiting_for_webhook, disabled or not_used")
    extra_recipients = serializers.ListField(child=serializers.CharField())
    frequency_window_minutes = serializers.IntegerField()
    alert_spacing_minutes = serializers.IntegerField()
    spike_factor = serializers.FloatField()
    spike_min_engagements = serializers.IntegerField()
    negative_sentiment_threshold = serializers.FloatField()
    disabled_channels = serializers.DictField(child=serializers.CharField(), help_text="channel -> why it stopped")


class CampaignTweetSerializer(serializers.Serializer):
    tweet_id = serializers.CharField()
    url = serializers.CharField()
    category = serializers.ChoiceField(choices=TrackedTweet.Category.choices)
    author_name = serializers.CharField()
    author_username = serializers.CharField()
    metrics = serializers.DictField(help_text="The counts X reported at the last poll")


class CampaignSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    launch_name = serializers.CharField()
    client_info = ClientInfoSerializer()
    status = serializers.ChoiceField(choices=Campaign.Status.choices)
    monitor_window = MonitorWindowSerializer()
    alert_preferences = CampaignAlertPreferencesSerializer()
    cpm_usd = serializers.FloatField()
    credit_budget = serializers.IntegerField(allow_null=True)
    share_url = serializers.CharField(help_text="The client link, on SOCAP_SITE_URL")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    completed_at = serializers.DateTimeField(allow_null=True)
    tweet_count = serializers.IntegerField()
    warnings = CampaignWarningSerializer(many=True)
    tweets = CampaignTweetSerializer(many=True, required=False, help_text="Not in list pages")
    spend = serializers.DictField(required=False, help_text=(
        "GET of one campaign only: requests, credits and dollars per job type and hour, projection to the "
        "window's end, budget and blocked_reason"))


class CampaignPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    page = serializers.IntegerField()
    page_size = serializers.IntegerField()
    results = CampaignSerializer(many=True)


class CampaignDeletedSerializer(serializers.Serializer):
    deleted = serializers.IntegerField(help_text="The campaign's id")
    mongo_documents_removed = serializers.DictField(child=serializers.IntegerField(), help_text="Per collection")
