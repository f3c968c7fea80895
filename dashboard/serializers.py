"""Response shapes of the dashboard JSON endpoints, for the OpenAPI document only: the bodies are
built by dashboard/selectors.py and insight_selectors.py, so these describe them and validate nothing."""

from __future__ import annotations

from rest_framework import serializers

TIMES_HELP = "Bucket starts (ISO 8601); `before_monitoring` first for retweets found with no known time"


class FollowerSerializer(serializers.Serializer):
    username = serializers.CharField()
    weight = serializers.FloatField()


class EngagementSerializer(serializers.Serializer):
    id = serializers.CharField()
    tweet_id = serializers.CharField()
    tweet_category = serializers.CharField()
    user_id = serializers.CharField()
    username = serializers.CharField()
    name = serializers.CharField()
    followers = serializers.IntegerField()
    verified = serializers.BooleanField()
    account_category = serializers.CharField(allow_null=True)
    importance_score = serializers.FloatField()
    action_type = serializers.CharField()
    timestamp = serializers.DateTimeField()
    time_precision = serializers.CharField()
    text = serializers.CharField(allow_null=True)
    reply_count = serializers.IntegerField()
    engagement_tweet_id = serializers.CharField(allow_null=True)
    sentiment = serializers.CharField(allow_null=True, help_text="positive, neutral or negative (replies and quotes)")
    sentiment_score = serializers.FloatField(allow_null=True)
    followed_by = FollowerSerializer(many=True)


class DashboardWindowSerializer(serializers.Serializer):
    start_date = serializers.DateTimeField()
    end_date = serializers.DateTimeField()


class TweetStateSerializer(serializers.Serializer):
    tweet_id = serializers.CharField()
    category = serializers.CharField()
    author_username = serializers.CharField()
    reported = serializers.DictField(child=serializers.IntegerField(), help_text="What X counts, per action")
    collected = serializers.DictField(child=serializers.IntegerField(), help_text="What SOCAP stored, per action")
    last_polled = serializers.DateTimeField(allow_null=True)
    problems = serializers.ListField(child=serializers.CharField())


class DashboardSerializer(serializers.Serializer):
    campaign_id = serializers.IntegerField()
    launch_name = serializers.CharField()
    status = serializers.CharField()
    window = DashboardWindowSerializer()
    summary = serializers.DictField(
        help_text="Metric totals, change since the last poll, engagement and account counts")
    reach = serializers.DictField(help_text="As /reach, without by_tweet and the series")
    accounts_by_category = serializers.DictField(child=serializers.IntegerField())
    latest_engagers = EngagementSerializer(many=True)
    tweets = TweetStateSerializer(many=True)


class SeriesSerializer(serializers.Serializer):
    granularity = serializers.CharField()
    times = serializers.ListField(child=serializers.CharField(), help_text=TIMES_HELP)
    series = serializers.DictField(help_text="Name -> one value per time (metrics: per tweet category, then metric)")


class EngagementPageSerializer(serializers.Serializer):
    results = EngagementSerializer(many=True)
    next_cursor = serializers.CharField(allow_null=True, help_text="Pass as `cursor` for the next page")


class AccountTimelineSerializer(serializers.Serializer):
    user_id = serializers.CharField()
    followed_by = FollowerSerializer(many=True, help_text="The heaviest important followers and their weights")
    engagements = EngagementSerializer(many=True)


class ReachSerializer(serializers.Serializer):
    granularity = serializers.CharField()
    times = serializers.ListField(child=serializers.CharField(), help_text=TIMES_HELP)
    reach = serializers.IntegerField()
    impressions = serializers.IntegerField()
    unique_accounts = serializers.IntegerField()
    engagements = serializers.IntegerField()
    reach_formula = serializers.CharField()
    impressions_formula = serializers.CharField()
    by_tweet_category = serializers.DictField(child=serializers.DictField(child=serializers.IntegerField()))
    by_tweet = serializers.ListField(child=serializers.DictField())
    series = serializers.DictField(child=serializers.ListField(child=serializers.IntegerField()),
                                   help_text="reach, impressions, cumulative_reach, cumulative_impressions")


class SentimentSerializer(serializers.Serializer):
    granularity = serializers.CharField()
    times = serializers.ListField(child=serializers.CharField(), help_text=TIMES_HELP)
    totals = serializers.DictField(child=serializers.IntegerField())
    series = serializers.DictField(child=serializers.ListField(child=serializers.IntegerField()))
    note = serializers.CharField(help_text="What the score is")


class RankingsSerializer(serializers.Serializer):
    rankings = serializers.DictField(child=serializers.ListField(child=serializers.DictField()),
                                     help_text="Ranking name -> rows, one per account")
    definitions = serializers.DictField(child=serializers.CharField())
