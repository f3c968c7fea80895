"""Dashboard JSON endpoints (token auth): the same selectors as the pages."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework.response import Response
from rest_framework.views import APIView

from campaigns.models import Campaign
from dashboard import insight_selectors, selectors
from dashboard.serializers import (
    AccountTimelineSerializer,
    DashboardSerializer,
    EngagementPageSerializer,
    RankingsSerializer,
    ReachSerializer,
    SentimentSerializer,
    SeriesSerializer,
)
from socap_project.api import errors_response
from socap_project.openapi import CAMPAIGN_ID, errors

GRANULARITY = OpenApiParameter("granularity", str, enum=["hour", "day"], description="Bucket size (default hour).")


def _granularity(request):
    value = request.query_params.get("granularity", "hour")
    return value if value in ("hour", "day") else None


class _CampaignView(APIView):
    def campaign(self, campaign_id: int) -> Campaign:
        return get_object_or_404(Campaign, pk=campaign_id)


class DashboardView(_CampaignView):
    @extend_schema(summary="Summary, categories, latest engagers and per-tweet state", parameters=[CAMPAIGN_ID],
                   responses={200: DashboardSerializer, **errors(404)})
    def get(self, request, campaign_id: int):
        campaign = self.campaign(campaign_id)
        latest = selectors.cached(campaign, "latest-json", lambda: [
            selectors.public_engagement(doc) for doc in selectors.engagements(campaign, limit=20)["results"]])
        return Response({
            "campaign_id": campaign.pk, "launch_name": campaign.launch_name, "status": campaign.status,
            "window": {"start_date": campaign.start_date, "end_date": campaign.end_date},
            "summary": selectors.summary(campaign),
            "reach": {key: value for key, value in insight_selectors.reach(campaign).items() if key != "by_tweet"},
            "accounts_by_category": selectors.accounts_by_category(campaign),
            "latest_engagers": latest,
            "tweets": selectors.cached(campaign, "tweets-json", lambda: [
                {"tweet_id": row["tweet"].tweet_id, "category": row["tweet"].category,
                 "author_username": row["tweet"].author_username, "reported": row["reported"],
                 "collected": row["collected"], "last_polled": row["last_polled"], "problems": row["problems"]}
                for row in selectors.tweet_rows(campaign, include_state=True)
            ]),
        })


class _SeriesView(_CampaignView):
    selector = None  # selectors.metrics_series or selectors.profile_timeseries

    @extend_schema(parameters=[CAMPAIGN_ID, GRANULARITY], responses={200: SeriesSerializer, **errors(400, 404)})
    def get(self, request, campaign_id: int):
        campaign = self.campaign(campaign_id)
        granularity = _granularity(request)
        if granularity is None:
            return errors_response({"granularity": ["Use hour or day."]})
        return Response(type(self).selector(campaign, granularity))


@extend_schema_view(get=extend_schema(summary="Metric series"))
class MetricsView(_SeriesView):
    selector = staticmethod(selectors.metrics_series)


@extend_schema_view(get=extend_schema(summary="Engagers per category over time"))
class ProfileTimeseriesView(_SeriesView):
    selector = staticmethod(selectors.profile_timeseries)


class EngagementsView(_CampaignView):
    @extend_schema(
        summary="Engagements, keyset-paginated",
        parameters=[
            CAMPAIGN_ID,
            OpenApiParameter("sort", str, enum=["timestamp", "time", "importance_score", "importance"],
                             description="Default timestamp (the order SOCAP stored them, newest first)"),
            OpenApiParameter("limit", {"type": "integer", "minimum": 1, "maximum": 200}, description="Default 50"),
            OpenApiParameter("cursor", str, description="`next_cursor` of the previous page (same sort)"),
            OpenApiParameter("category", str, enum=list(selectors.ACCOUNT_CATEGORIES)),
            OpenApiParameter("action_type", str, enum=list(selectors.ACTIONS)),
            OpenApiParameter("tweet_category", str, enum=list(selectors.TWEET_CATEGORIES)),
            OpenApiParameter("sentiment", str, enum=list(insight_selectors.SENTIMENTS),
                             description="VADER label of replies and quotes"),
        ],
        responses={200: EngagementPageSerializer, **errors(400, 404)},
    )
    def get(self, request, campaign_id: int):
        campaign = self.campaign(campaign_id)
        params = request.query_params
        try:
            limit = int(params.get("limit", 50))
        except ValueError:
            return errors_response({"limit": ["Must be a whole number."]})
        try:
            page = selectors.engagements(
                campaign, sort=params.get("sort", "timestamp"), limit=limit, cursor=params.get("cursor") or None,
                category=params.get("category") or None, action_type=params.get("action_type") or None,
                tweet_category=params.get("tweet_category") or None, sentiment=params.get("sentiment") or None)
        except selectors.BadParameter as exc:
            return errors_response({exc.field: [str(exc)]})
        return Response({"results": [selectors.public_engagement(d) for d in page["results"]],
                         "next_cursor": page["next_cursor"]})


class AccountTimelineView(_CampaignView):
    @extend_schema(
        summary="Every engagement of one account",
        parameters=[CAMPAIGN_ID, OpenApiParameter("user_id", str, OpenApiParameter.PATH, pattern=r"^[0-9]{1,20}$")],
        responses={200: AccountTimelineSerializer, **errors(404)},
    )
    def get(self, request, campaign_id: int, user_id: str):
        campaign = self.campaign(campaign_id)
        timeline = selectors.account_timeline(campaign, user_id)
        if not timeline:
            return errors_response({"user_id": ["No engagements by this account in this campaign."]}, 404)
        return Response({"user_id": user_id, "followed_by": insight_selectors.followed_by(timeline),
                         "engagements": [selectors.public_engagement(d) for d in timeline]})


class _OverTimeView(_CampaignView):
    """A per-hour or per-day series from the campaign's hourly buckets; subclasses shape the body."""

    @extend_schema(parameters=[CAMPAIGN_ID, GRANULARITY])
    def get(self, request, campaign_id: int):
        campaign = self.campaign(campaign_id)
        granularity = _granularity(request)
        if granularity is None:
            return errors_response({"granularity": ["Use hour or day."]})
        series = insight_selectors.over_time(campaign, granularity)
        return Response({"granularity": granularity, "times": series["times"], **self.body(campaign, series)})


@extend_schema_view(get=extend_schema(
    summary="Potential reach and impressions: totals, per tweet category and tweet, over time",
    responses={200: ReachSerializer, **errors(400, 404)}))
class ReachView(_OverTimeView):
    """Potential reach and impressions: totals, per tweet category and tweet, and per hour or day."""

    def body(self, campaign, series: dict) -> dict:
        return {**insight_selectors.reach(campaign),
                "series": {name: series["series"][name] for name in
                           ("reach", "impressions", "cumulative_reach", "cumulative_impressions")}}


@extend_schema_view(get=extend_schema(
    summary="Sentiment mix of replies and quotes over time", responses={200: SentimentSerializer, **errors(400, 404)}))
class SentimentView(_OverTimeView):
    """The sentiment mix of replies and quotes per hour or day (VADER lexicon labels)."""

    def body(self, campaign, series: dict) -> dict:
        return {"totals": series["sentiment_totals"],
                "series": {label: series["series"][label] for label in insight_selectors.SENTIMENTS},
                "note": series["sentiment_note"]}


class RankingsView(_CampaignView):
    """Top-25 tables, one entry per account: ?ranking=important|reach|engaged|first_movers|texts (default all)."""

    @extend_schema(
        summary="Top-25 rankings, one entry per account",
        parameters=[
            CAMPAIGN_ID,
            OpenApiParameter("ranking", str, enum=list(insight_selectors.RANKINGS),
                             description="One table (default: all)"),
            OpenApiParameter("limit", {"type": "integer", "minimum": 1, "maximum": insight_selectors.TOP}),
        ],
        responses={200: RankingsSerializer, **errors(400, 404)},
    )
    def get(self, request, campaign_id: int):
        campaign = self.campaign(campaign_id)
        params = request.query_params
        try:
            limit = int(params.get("limit", insight_selectors.TOP))
        except ValueError:
            return errors_response({"limit": ["Must be a whole number."]})
        names = [params["ranking"]] if params.get("ranking") is not None else list(insight_selectors.RANKINGS)
        try:
            return Response({"rankings": {name: insight_selectors.ranking(campaign, name, limit) for name in names},
                             "definitions": insight_selectors.RANKING_DEFINITIONS})
        except selectors.BadParameter as exc:
            return errors_response({exc.field: [str(exc)]})
