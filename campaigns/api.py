"""JSON API: /socap/campaigns (token auth). Thin views: parse, one service call, respond."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from campaigns import services
from campaigns.models import Campaign
from campaigns.serializers import (
    CampaignCreateSerializer,
    CampaignDeletedSerializer,
    CampaignPageSerializer,
    CampaignPatchSerializer,
    CampaignSerializer,
    campaign_representation,
    tweet_inputs,
)
from campaigns.selectors import campaign_spend, share_link_expires_at
from socap_project.api import body_too_large, errors_response
from socap_project.links import absolute
from socap_project.openapi import CAMPAIGN_ID, errors

MAX_PAGE_SIZE = 100
MAX_PAGE = 100_000  # past this the SQL OFFSET itself overflows; nobody pages that far


def _positive_int(raw, name: str, default: int, maximum: int | None = None):
    if raw in (None, ""):
        return default, None
    try:
        value = int(raw)
    except (TypeError, ValueError):
        return None, {name: ["Must be a whole number."]}
    if value < 1 or (maximum is not None and value > maximum):
        limit = f" and at most {maximum}" if maximum else ""
        return None, {name: [f"Must be at least 1{limit}."]}
    return value, None


class CampaignListView(APIView):
    @extend_schema(
        summary="List campaigns, newest first", operation_id="campaigns_list",
        parameters=[
            OpenApiParameter("status", str, enum=Campaign.Status.values),
            OpenApiParameter("page", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}),
            OpenApiParameter("page_size", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
                             description="Default 20"),
        ],
        responses={200: OpenApiResponse(CampaignPageSerializer, description="One page of campaigns"), **errors(400)},
    )
    def get(self, request):
        status_filter = request.query_params.get("status")
        if status_filter and status_filter not in Campaign.Status.values:
            return errors_response({"status": [f"Use one of: {', '.join(Campaign.Status.values)}."]})
        page, error = _positive_int(request.query_params.get("page"), "page", 1, MAX_PAGE)
        if error:
            return errors_response(error)
        size, error = _positive_int(request.query_params.get("page_size"), "page_size", 20, MAX_PAGE_SIZE)
        if error:
            return errors_response(error)
        campaigns = Campaign.objects.all()
        if status_filter:
            campaigns = campaigns.filter(status=status_filter)
        total = campaigns.count()
        rows = campaigns[(page - 1) * size : page * size]
        return Response(
            {
                "count": total,
                "page": page,
                "page_size": size,
                "results": [campaign_representation(c, with_tweets=False) for c in rows],
            }
        )

    @extend_schema(
        summary="Create a campaign (tweets resolved through the X data API)",
        request=CampaignCreateSerializer,
        responses={201: OpenApiResponse(CampaignSerializer, description="The campaign, active"),
                   **errors(400, 413, 503)},
    )
    def post(self, request):
        if (too_large := body_too_large(request)) is not None:
            return too_large
        serializer = CampaignCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        campaign = services.create_campaign(serializer.to_input())
        return Response(campaign_representation(campaign), status=status.HTTP_201_CREATED)


class CampaignDetailView(APIView):
    @extend_schema(summary="One campaign with its tweets and API spend", parameters=[CAMPAIGN_ID],
                   responses={200: CampaignSerializer, **errors(404)})
    def get(self, request, campaign_id: int):
        campaign = get_object_or_404(Campaign, pk=campaign_id)
        body = campaign_representation(campaign)
        body["spend"] = campaign_spend(campaign)  # staff/integrators only: the client page never shows it
        return Response(body)

    @extend_schema(
        summary="Change a campaign (all or nothing)", parameters=[CAMPAIGN_ID], request=CampaignPatchSerializer,
        responses={200: OpenApiResponse(CampaignSerializer, description="The changed campaign"),
                   **errors(400, 404, 413, 503)},
    )
    def patch(self, request, campaign_id: int):
        if (too_large := body_too_large(request)) is not None:
            return too_large
        campaign = get_object_or_404(Campaign, pk=campaign_id)
        serializer = CampaignPatchSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if not data:
            return errors_response({"body": ["Nothing to change: send status, alert_preferences, "
                                             "monitor_window, launch_name, cpm_usd, credit_budget, add_tweets "
                                             "or remove_tweet_ids."]})
        window = data.get("monitor_window") or {}
        changes = services.CampaignChanges(
            launch_name=data.get("launch_name"),
            alerts=data.get("alert_preferences"),
            start_date=window.get("start_date"),
            end_date=window.get("end_date"),
            cpm_usd=data.get("cpm_usd"),
            credit_budget=data.get("credit_budget", services.UNCHANGED),
            status=data.get("status"),
            add_tweets=tweet_inputs(data.get("add_tweets") or {}),
            remove_tweet_ids=data.get("remove_tweet_ids") or [],
        )
        services.update_campaign(campaign, changes)
        campaign.refresh_from_db()
        return Response(campaign_representation(campaign))

    @extend_schema(summary="Delete a campaign and its MongoDB documents", parameters=[CAMPAIGN_ID],
                   responses={200: OpenApiResponse(CampaignDeletedSerializer, description="What was removed"),
                              **errors(404)})
    def delete(self, request, campaign_id: int):
        campaign = get_object_or_404(Campaign, pk=campaign_id)
        removed = services.delete_campaign(campaign)
        return Response({"deleted": campaign_id, "mongo_documents_removed": removed})


class ShareLinkRotateView(APIView):
    @extend_schema(
        summary="Rotate the client share link (the old link stops working at once; staff only)",
        parameters=[CAMPAIGN_ID], request=None,
        responses={200: inline_serializer("ShareLinkRotated", {
            "campaign_id": serializers.IntegerField(),
            "share_url": serializers.CharField(help_text="The new client link"),
            "expires_at": serializers.DateTimeField(
                allow_null=True, help_text="When the link stops working (SOCAP_SHARE_LINK_EXPIRY_DAYS after "
                                           "completion); null: it does not expire"),
        }), **errors(404)},
    )
    def post(self, request, campaign_id: int):
        campaign = get_object_or_404(Campaign, pk=campaign_id)
        token = services.rotate_share_token(campaign)
        expires_at = share_link_expires_at(campaign)
        return Response({"campaign_id": campaign.pk, "share_url": absolute("dashboard:client", token),
                         "expires_at": expires_at.isoformat() if expires_at else None})

