"""Report pages: JSON for integrators, HTML/CSV/PDF for the client link and for staff."""

from __future__ import annotations

from django.contrib.admin.views.decorators import staff_member_required
from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from campaigns.models import Campaign
from campaigns.selectors import campaign_by_share_token
from reports.pdf import PdfUnavailable, report_pdf
from reports.selectors import CSV_TABLES, csv_rows, report_for
from socap_project.csv_stream import csv_response
from socap_project.schema import CAMPAIGN_ID, errors
from socap_project.vocabulary import ACCOUNT_CATEGORY_LABELS


class ReportApiView(APIView):
    @extend_schema(
        summary="The final report (frozen at completion) or the live one", parameters=[CAMPAIGN_ID],
        responses={200: inline_serializer("CampaignReport", {
            "campaign_id": serializers.IntegerField(),
            "status": serializers.CharField(),
            "frozen": serializers.BooleanField(help_text="false: a live preview before completion"),
            "report": serializers.DictField(help_text="Totals, unique accounts, earned media, reach, rankings, "
                                                      "metric snapshots and API usage (reports/builder.py)"),
        }), **errors(404)},
    )
    def get(self, request, campaign_id: int):
        campaign = get_object_or_404(Campaign, pk=campaign_id)
        report, frozen = report_for(campaign)
        return Response({"campaign_id": campaign.pk, "status": campaign.status, "frozen": frozen, "report": report})


def _fmt(number) -> str:
    return f"{number:,}"


def _chart_data(report: dict, show_comparison: bool) -> dict:
    hourly_rows = report["engagements"]["hourly_by_account_category"]
    # None is the "before monitoring" bucket of backfilled retweets; it comes first.
    hours = sorted({row["hour"] for row in hourly_rows}, key=lambda hour: (hour is not None, hour or 0))
    categories = sorted({row["category"] or "others" for row in hourly_rows})
    grid = {category: [0] * len(hours) for category in categories}
    position = {hour: index for index, hour in enumerate(hours)}
    for row in hourly_rows:
        grid[row["category"] or "others"][position[row["hour"]]] += row["count"]
    return {
        "snapshots": [
            {"time": s["snapshot_time"].strftime("%b %d %H:%M"), "likes": s.get("total_likes", 0),
             "retweets": s.get("total_retweets", 0), "quotes": s.get("total_quotes", 0),
             "replies": s.get("total_replies", 0)}
            for s in report.get("metric_snapshots", [])
        ],
        "accounts": report["engagements"]["unique_accounts_by_category"],
        "hours": [hour.strftime("%b %d %H:00") if hour else "Before monitoring" for hour in hours],
        "hourly": grid,
        "category_labels": ACCOUNT_CATEGORY_LABELS,
        # Reports frozen before reach and sentiment existed have no "over_time".
        "over_time": report.get("over_time"),
        "comparison": report.get("comparison") if show_comparison else None,
    }


def report_context(campaign: Campaign, links: dict | None = None, *, staff: bool = False) -> dict:
    """`staff`: the comparison with earlier launches is shown (the client sees it only when staff chose so)."""
    report, frozen = report_for(campaign)
    totals = report["metrics"]["totals"]
    engagement = report["engagements"]
    show_comparison = bool(report.get("comparison")) and (staff or campaign.show_comparison_to_client)
    earlier = report["comparison"]["previous_at_hour"] if show_comparison else None

    def then(series: str) -> str:
        return f"at this hour (h {earlier['hour']}), {earlier['launch_name']} had {_fmt(earlier['values'][series])}" \
            if earlier else ""

    kpis = [
        ("Impressions", _fmt(totals["views"]), ""), ("Likes", _fmt(totals["likes"]), ""),
        ("Retweets", _fmt(totals["retweets"]), ""), ("Quotes", _fmt(totals["quotes"]), ""),
        ("Replies", _fmt(totals["replies"]), ""), ("Bookmarks", _fmt(totals["bookmarks"]), ""),
        ("Engagements collected", _fmt(engagement["total"]), then("engagements")),
        ("Unique accounts", _fmt(engagement["unique_accounts"]), then("unique_accounts")),
    ]
    if report.get("reach"):
        kpis += [("Potential reach", _fmt(report["reach"]["reach"]), then("reach")),
                 ("Potential impressions", _fmt(report["reach"]["impressions"]), "")]
    per_tweet = {row["tweet_id"]: row for row in (report.get("reach") or {}).get("by_tweet", [])}
    tweets = [{**tweet, "reach": per_tweet.get(tweet["tweet_id"])} for tweet in report["tweets"]]
    return {"campaign": campaign, "report": report, "frozen": frozen, "kpis": kpis, "links": links,
            "chart_data": _chart_data(report, show_comparison), "tweets": tweets,
            "comparison": report["comparison"] if show_comparison else None,
            "comparison_hidden_from_client": show_comparison and not campaign.show_comparison_to_client}


def _links(pdf: str, csv_path: str, dashboard: str) -> dict:
    return {"pdf": pdf, "csv_tweets": f"{csv_path}?table=tweets",
            "csv_top_accounts": f"{csv_path}?table=top_accounts",
            "csv_hourly": f"{csv_path}?table=hourly", "csv_reach": f"{csv_path}?table=reach",
            "csv_rankings": f"{csv_path}?table=rankings",
            "csv_sentiment": f"{csv_path}?table=sentiment",
            "dashboard": dashboard}


def _csv_response(campaign: Campaign, table: str | None):
    if table not in CSV_TABLES:
        return HttpResponse(f"Unknown table; use one of: {', '.join(CSV_TABLES)}.", status=400,
                            content_type="text/plain")
    report, _ = report_for(campaign)
    header, rows = csv_rows(report, table)
    return csv_response([header, *rows], f"socap-{campaign.pk}-{table}.csv")


def _pdf_response(campaign: Campaign, *, staff: bool = False):
    context = report_context(campaign, staff=staff)
    # The frozen PDF is the client's copy: a staff copy showing what the client does not see is made apart.
    shared = context["frozen"] and not context["comparison_hidden_from_client"]
    try:
        path = report_pdf(campaign, context, shared)
    except PdfUnavailable as exc:
        return HttpResponse(str(exc), status=503, content_type="text/plain")
    return FileResponse(path.open("rb"), content_type="application/pdf", as_attachment=True,
                        filename=f"socap-report-{campaign.pk}.pdf")


def client_report(request, token: str):
    campaign = campaign_by_share_token(token)
    links = _links(reverse("reports:client-report-pdf", args=[token]),
                   reverse("reports:client-report-csv", args=[token]), reverse("dashboard:client", args=[token]))
    return render(request, "reports/report.html", report_context(campaign, links))


def client_report_pdf(request, token: str):
    return _pdf_response(campaign_by_share_token(token))


def client_report_csv(request, token: str):
    return _csv_response(campaign_by_share_token(token), request.GET.get("table"))


@staff_member_required
def staff_report(request, campaign_id: int):
    campaign = get_object_or_404(Campaign, pk=campaign_id)
    links = _links(reverse("reports:report-pdf", args=[campaign_id]), reverse("reports:report-csv", args=[campaign_id]),
                   reverse("dashboard:staff", args=[campaign_id]))
    return render(request, "reports/report.html", report_context(campaign, links, staff=True))


@staff_member_required
def staff_report_pdf(request, campaign_id: int):
    return _pdf_response(get_object_or_404(Campaign, pk=campaign_id), staff=True)


@staff_member_required
def staff_report_csv(request, campaign_id: int):
    return _csv_response(get_object_or_404(Campaign, pk=campaign_id), request.GET.get("table"))
