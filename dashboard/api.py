"""Dashboard JSON endpoints (token auth): the same selectors as the pages."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from rest_framework.response import Response
from rest_framework.views import APIView

from campaigns.models import Campaign
from dashboard import insight_selectors, selectors
from socap_project.api import errors_response


def _granularity(request):
    value = request.query_params.get("granularity", "hour")
    return value if value in ("hour", "day") else None


class _CampaignView(APIView):
    def campaign(self, campaign_id: int) -> Campaign:
        return get_object_or_404(Campaign, pk=campaign_id)


class DashboardView(_CampaignView):
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

    def get(self, request, campaign_id: int):
        campaign = self.campaign(campaign_id)
        granularity = _granularity(request)
        if granularity is None:
            return errors_response({"granularity": ["Use hour or day."]})
        return Response(type(self).selector(campaign, granularity))


class MetricsView(_SeriesView):
    selector = staticmethod(selectors.metrics_series)


class ProfileTimeseriesView(_SeriesView):
    selector = staticmethod(selectors.profile_timeseries)


class EngagementsView(_CampaignView):
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
    def get(self, request, campaign_id: int, user_id: str):
        campaign = self.campaign(campaign_id)
        timeline = selectors.account_timeline(campaign, user_id)
        if not timeline:
            return errors_response({"user_id": ["No engagements by this account in this campaign."]}, 404)
        return Response({"user_id": user_id, "followed_by": insight_selectors.followed_by(timeline),
                         "engagements": [selectors.public_engagement(d) for d in timeline]})


class _OverTimeView(_CampaignView):
    """A per-hour or per-day series from the campaign's hourly buckets; subclasses shape the body."""

    def get(self, request, campaign_id: int):
        campaign = self.campaign(campaign_id)
        granularity = _granularity(request)
        if granularity is None:
            return errors_response({"granularity": ["Use hour or day."]})
        series = insight_selectors.over_time(campaign, granularity)
        return Response({"granularity": granularity, "times": series["times"], **self.body(campaign, series)})


class ReachView(_OverTimeView):
    """Potential reach and impressions: totals, per tweet category and tweet, and per hour or day."""

    def body(self, campaign, series: dict) -> dict:
        return {**insight_selectors.reach(campaign),
                "series": {name: series["series"][name] for name in
                           ("reach", "impressions", "cumulative_reach", "cumulative_impressions")}}


class SentimentView(_OverTimeView):
    """The sentiment mix of replies and quotes per hour or day (VADER lexicon labels)."""

    def body(self, campaign, series: dict) -> dict:
        return {"totals": series["sentiment_totals"],
                "series": {label: series["series"][label] for label in insight_selectors.SENTIMENTS},
                "note": series["sentiment_note"]}


class RankingsView(_CampaignView):
    """Top-25 tables, one entry per account: ?ranking=important|reach|engaged|first_movers|texts (default all)."""

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
