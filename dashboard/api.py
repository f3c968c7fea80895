"""Dashboard JSON endpoints (token auth): the same selectors as the pages."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from rest_framework.response import Response
from rest_framework.views import APIView

from campaigns.models import Campaign
from dashboard import selectors
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
                tweet_category=params.get("tweet_category") or None)
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
        return Response({"user_id": user_id, "engagements": [selectors.public_engagement(d) for d in timeline]})
