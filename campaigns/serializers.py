"""Shape of the JSON API bodies (seed section 1.1); the rules live in campaigns.validation."""

from __future__ import annotations

from rest_framework import serializers

from campaigns.inputs import (
    TWEET_LIST_KEYS,
    AlertPreferencesInput,
    CampaignInput,
    TweetInput,
)
from campaigns.models import Campaign


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
    url = serializers.CharField(max_length=500)


class ClientInfoSerializer(StrictSerializer):
    name = serializers.CharField(max_length=200, allow_blank=True)
    email = serializers.CharField(max_length=254, allow_blank=True)


class MonitorWindowSerializer(StrictSerializer):
    start_date = serializers.DateTimeField()
    end_date = serializers.DateTimeField()


class AlertPreferencesSerializer(StrictSerializer):
    importance_threshold = serializers.FloatField(required=False, default=10)
    category_thresholds = serializers.DictField(child=serializers.FloatField(), required=False, default=dict)
    action_thresholds = serializers.DictField(child=serializers.FloatField(), required=False, default=dict)
    channels = serializers.ListField(child=serializers.CharField(max_length=20), required=False, default=list,
                                     max_length=5)
    slack_webhook_url = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)
    extra_recipients = serializers.ListField(child=serializers.CharField(max_length=254), required=False,
                                             default=list, max_length=50)
    frequency_window_minutes = serializers.IntegerField(required=False, default=30)
    alert_spacing_minutes = serializers.IntegerField(required=False, default=20)
    negative_sentiment_threshold = serializers.FloatField(required=False, default=-0.5)

    def to_input(self) -> AlertPreferencesInput:
        return AlertPreferencesInput(**self.validated_data)


def _tweet_list():
    return TweetUrlSerializer(many=True, required=False, max_length=500)


class CampaignCreateSerializer(StrictSerializer):
    launch_name = serializers.CharField(max_length=200, allow_blank=True)
    client_info = ClientInfoSerializer()
    monitor_window = MonitorWindowSerializer()
    alert_preferences = AlertPreferencesSerializer(required=False)
    cpm_usd = serializers.FloatField(required=False, allow_null=True, default=None)
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
        )


def tweet_inputs(data: dict) -> list[TweetInput]:
    return [
        TweetInput(url=item["url"].strip(), category=category, path=f"{key}[{index}].url")
        for key, category in TWEET_LIST_KEYS.items()
        for index, item in enumerate(data.get(key) or [])
    ]


class CampaignPatchSerializer(StrictSerializer):
    status = serializers.ChoiceField(choices=["active", "paused"], required=False)
    launch_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    alert_preferences = serializers.DictField(required=False)
    monitor_window = serializers.DictField(required=False)
    cpm_usd = serializers.FloatField(required=False)
    add_tweets = serializers.DictField(required=False)
    remove_tweet_ids = serializers.ListField(child=serializers.CharField(max_length=32), required=False,
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


class _AddTweetsSerializer(StrictSerializer):
    maintweets = _tweet_list()
    influencer_twts = _tweet_list()
    investor_twts = _tweet_list()


def campaign_representation(campaign: Campaign, *, with_tweets: bool = True, request=None) -> dict:
    """The campaign as the API returns it: seed field names, no secrets."""
    share_path = f"/socap/c/{campaign.share_token}/"
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
            "extra_recipients": campaign.extra_recipients,
            "frequency_window_minutes": campaign.frequency_window_minutes,
            "alert_spacing_minutes": campaign.alert_spacing_minutes,
            "negative_sentiment_threshold": campaign.negative_sentiment_threshold,
            "disabled_channels": campaign.disabled_channels,
        },
        "cpm_usd": campaign.effective_cpm(),
        "share_url": request.build_absolute_uri(share_path) if request else share_path,
        "created_at": campaign.created_at.isoformat(),
        "updated_at": campaign.updated_at.isoformat(),
        "completed_at": campaign.completed_at.isoformat() if campaign.completed_at else None,
        "tweet_count": campaign.tweets.count(),
    }
    if with_tweets:
        body["tweets"] = [
            {
                "tweet_id": t.tweet_id,
                "url": t.url,
                "category": t.category,
                "author_name": t.author_name,
                "author_username": t.author_username,
                "metrics": t.metrics,
            }
            for t in campaign.tweets.all()
        ]
    return body
