"""Report pages: JSON for integrators, HTML/CSV/PDF for the client link and for staff."""

from __future__ import annotations

from django.contrib.admin.views.decorators import staff_member_required
import io

from django.http import FileResponse, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from campaigns.models import Campaign
from campaigns.selectors import campaign_by_share_token
from reports.context import report_context
from reports.pdf_jobs import request_pdf
from reports.selectors import CSV_TABLES, csv_rows, report_for
from socap_project.csv_stream import csv_response
from socap_project.openapi import CAMPAIGN_ID, errors
from socap_project.throttle import share_link_download


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


def _pdf_response(request, campaign: Campaign, report_url: str, *, staff: bool = False):
    state = request_pdf(campaign, staff=staff)
    if state.status == "ready":
        body = state.pdf.open("rb") if hasattr(state.pdf, "open") else io.BytesIO(state.pdf)
        return FileResponse(body, content_type="application/pdf", as_attachment=True,
                            filename=f"socap-report-{campaign.pk}.pdf")
    status = 202 if state.status == "rendering" else 503
    accept = request.headers.get("Accept", "")
    if "application/json" in accept and "text/html" not in accept:
        response = JsonResponse({"status": state.status, "retry_after": state.retry_after or None,
                                 "detail": state.message}, status=status)
    else:
        response = render(request, "reports/pdf_pending.html", {
            "state": state, "campaign": campaign, "pdf_url": request.get_full_path(), "report_url": report_url,
        }, status=status)
    if state.retry_after:
        response["Retry-After"] = str(state.retry_after)
    return response


def client_report(request, token: str):
    campaign = campaign_by_share_token(token)
    links = _links(reverse("reports:client-report-pdf", args=[token]),
                   reverse("reports:client-report-csv", args=[token]), reverse("dashboard:client", args=[token]))
    return render(request, "reports/report.html", report_context(campaign, links))


@share_link_download
def client_report_pdf(request, token: str):
    return _pdf_response(request, campaign_by_share_token(token), reverse("reports:client-report", args=[token]))


@share_link_download
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
    return _pdf_response(request, get_object_or_404(Campaign, pk=campaign_id),
                         reverse("reports:report", args=[campaign_id]), staff=True)


@staff_member_required
def staff_report_csv(request, campaign_id: int):
    return _csv_response(get_object_or_404(Campaign, pk=campaign_id), request.GET.get("table"))
