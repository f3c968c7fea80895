"""Dashboard pages: one view per page, its parts served as HTMX partials of the same template."""

from __future__ import annotations

from functools import cache, partial

from django.contrib.admin.views.decorators import staff_member_required
from django.http import Http404, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone

from campaigns.models import Campaign
from campaigns.selectors import campaign_by_share_token, campaign_spend
from dashboard import comparison_selectors, insight_selectors, selectors
from ingestion import selectors as ingestion_selectors
from socap_project.csv_stream import csv_response
from socap_project.throttle import share_link_download
from socap_project.vocabulary import ACCOUNT_CATEGORIES, ACCOUNT_CATEGORY_LABELS, ACTIONS, TWEET_CATEGORIES

TEMPLATE = "dashboard/page.html"
PARTS = {"live", "engagers", "timeline", "charts", "rankings"}
CSV_FIELDS = ["timestamp", "time_precision", "tweet_id", "tweet_category", "action_type", "user_id", "username", "name",
              "followers", "account_category", "importance_score", "reply_count", "text", "sentiment",
              "sentiment_score"]


def _filters(request) -> dict:
    get = request.GET
    return {"sort": get.get("sort") or "timestamp", "category": get.get("category") or None,
            "action_type": get.get("action_type") or None, "tweet_category": get.get("tweet_category") or None,
            "sentiment": get.get("sentiment") or None, "cursor": get.get("cursor") or None}


def _window(campaign: Campaign) -> dict:
    now = timezone.now()
    left = campaign.end_date - now
    return {"left_hours": max(0, int(left.total_seconds() // 3600)), "over": left.total_seconds() <= 0,
            "live": campaign.status == Campaign.Status.ACTIVE and campaign.in_window(now)}


def _dashboard(request, campaign: Campaign, *, base: str, report_url: str, csv_url: str, staff: bool):
    part = request.GET.get("part")
    if part and part not in PARTS:
        return HttpResponseBadRequest("Unknown part.")
    context = {"campaign": campaign, "base": base, "report_url": report_url, "csv_url": csv_url, "staff": staff,
               "window": _window(campaign),
               "polling": campaign.status != Campaign.Status.COMPLETED}
    # Earlier launches are the agency's other clients' business: staff only, unless staff chose to show them.
    compare = staff or campaign.show_comparison_to_client
    if part in (None, "live"):
        context["summary"] = selectors.summary(campaign)
        context["reach"] = insight_selectors.reach(campaign)
        # Called by the template only when the cached table has expired.
        context["tweets"] = cache(partial(selectors.tweet_rows, campaign, include_state=staff))
        context["data_version"] = selectors.current_version(campaign.mongo_id)
        # Completion flips the status only after the report is frozen (operations/completion.py).
        context["report_ready"] = campaign.status == Campaign.Status.COMPLETED
        context["comparison"] = comparison_selectors.comparison(campaign) if compare else None
        if staff:  # what polling costs is for staff only, never on the client's page
            context["spend"] = campaign_spend(campaign)
            context["cadences"] = cache(partial(ingestion_selectors.cadences, campaign))
    if part in (None, "charts"):
        context["chart_data"] = {
            "metrics": {g: selectors.metrics_series(campaign, g) for g in ("hour", "day")},
            "profiles": {g: selectors.profile_timeseries(campaign, g) for g in ("hour", "day")},
            "accounts": selectors.accounts_by_category(campaign),
            "category_labels": ACCOUNT_CATEGORY_LABELS,
            "over_time": {g: insight_selectors.over_time(campaign, g) for g in ("hour", "day")},
            "comparison": comparison_selectors.comparison(campaign) if compare else None,
        }
    if part in (None, "engagers"):
        filters = _filters(request)
        try:
            context["page"] = selectors.engagements(campaign, limit=25, **filters)
        except selectors.BadParameter as exc:
            return HttpResponseBadRequest(f"{exc.field}: {exc}")
        context["filters"] = filters
        context["choices"] = {"categories": ACCOUNT_CATEGORIES, "actions": ACTIONS,
                              "tweet_categories": TWEET_CATEGORIES, "sentiments": selectors.SENTIMENTS}
        context["sentiment_note"] = insight_selectors.SENTIMENT_NOTE
    if part in (None, "rankings"):
        context["rankings"] = insight_selectors.all_rankings(campaign)
        context["ranking_definitions"] = insight_selectors.RANKING_DEFINITIONS
    if part == "timeline":
        user_id = request.GET.get("user_id", "")
        context["timeline"] = selectors.account_timeline(campaign, user_id)
        if not context["timeline"]:
            raise Http404("No engagements by this account in this campaign.")
        context["followed_by"] = insight_selectors.followed_by(context["timeline"])
    template = f"{TEMPLATE}#{part}" if part else TEMPLATE
    return render(request, template, context)


def _csv(campaign: Campaign) -> StreamingHttpResponse:
    def rows():
        yield CSV_FIELDS
        for doc in selectors.all_engagements(campaign):
            row = selectors.public_engagement(doc)
            yield [row[field] for field in CSV_FIELDS]

    return csv_response(rows(), f"socap-{campaign.pk}-engagements.csv")


def client_dashboard(request, token: str):
    return _dashboard(request, campaign_by_share_token(token), base=reverse("dashboard:client", args=[token]),
                      report_url=reverse("reports:client-report", args=[token]),
                      csv_url=reverse("dashboard:client-csv", args=[token]), staff=False)


@share_link_download
def client_csv(request, token: str):
    return _csv(campaign_by_share_token(token))


@staff_member_required
def staff_dashboard(request, campaign_id: int):
    return _dashboard(request, get_object_or_404(Campaign, pk=campaign_id),
                      base=reverse("dashboard:staff", args=[campaign_id]),
                      report_url=reverse("reports:report", args=[campaign_id]),
                      csv_url=reverse("dashboard:staff-csv", args=[campaign_id]), staff=True)


@staff_member_required
def staff_csv(request, campaign_id: int):
    return _csv(get_object_or_404(Campaign, pk=campaign_id))


@staff_member_required
def staff_index(request):
    campaigns = Campaign.objects.all()
    status = request.GET.get("status")
    if status in Campaign.Status.values:
        campaigns = campaigns.filter(status=status)
    return render(request, "dashboard/index.html", {"campaigns": campaigns[:200], "status": status})
