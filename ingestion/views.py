"""Worker endpoints under /socap/workers (docs/api.md, "Worker endpoints")."""

from __future__ import annotations

import hmac

from django.conf import settings
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from campaigns.models import Campaign
from ingestion.polling import scheduler, worker_status
from ingestion.serializers import (
    QueueStatusSerializer,
    RunRequestSerializer,
    RunResultSerializer,
    TriggerResultSerializer,
    WorkerStatusSerializer,
)
from socap_project.api import errors_response
from socap_project.openapi import errors

TRIGGER_HEADER = "X-SOCAP-Trigger-Secret"


class TriggerView(APIView):
    """For external schedulers (an N8N workflow, say): a shared secret header, no user account."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        summary="Fan out now (external schedulers); once per poll interval", request=None,
        parameters=[OpenApiParameter(TRIGGER_HEADER, str, OpenApiParameter.HEADER, required=True)],
        responses={202: TriggerResultSerializer, **errors(403, 503, public=True)},
    )
    def post(self, request):
        expected = settings.SOCAP_TRIGGER_SECRET
        given = request.headers.get(TRIGGER_HEADER, "")
        if not expected:
            return errors_response({"detail": ["SOCAP_TRIGGER_SECRET is not configured."]},
                                   status.HTTP_503_SERVICE_UNAVAILABLE)
        if not hmac.compare_digest(given.encode(), expected.encode()):
            return errors_response({"detail": [f"Missing or wrong {TRIGGER_HEADER} header."]},
                                   status.HTTP_403_FORBIDDEN)
        result = scheduler.fan_out()
        return Response({"campaigns": result.campaigns, "jobs": result.jobs,
                         "already_polled_this_interval": result.skipped}, status=status.HTTP_202_ACCEPTED)


class RunView(APIView):
    """Run one campaign, or one tweet of it, now (staff)."""

    @extend_schema(summary="Poll one campaign (or one tweet of it) now", request=RunRequestSerializer,
                   responses={202: RunResultSerializer, **errors(400, 404)})
    def post(self, request):
        if not request.user.is_staff:
            return errors_response({"detail": ["Staff only."]}, status.HTTP_403_FORBIDDEN)
        if not isinstance(request.data, dict):
            return errors_response({"body": ["Send a JSON object: {\"campaign_id\": 1, \"tweet_id\": \"...\"}."]})
        campaign_id = request.data.get("campaign_id")
        if isinstance(campaign_id, bool) or not isinstance(campaign_id, int) or not 1 <= campaign_id < 2**63:
            return errors_response({"campaign_id": ["A campaign id (integer) is required."]})
        campaign = get_object_or_404(Campaign, pk=campaign_id)
        tweet_id = request.data.get("tweet_id")
        if tweet_id is not None:
            if not campaign.tweets.filter(tweet_id=str(tweet_id)).exists():
                return errors_response({"tweet_id": ["Not tracked by this campaign."]})
            jobs = scheduler.enqueue_tweet_now(campaign.pk, str(tweet_id))
        else:
            jobs = scheduler.enqueue_metrics([campaign.pk])
        return Response({"campaign_id": campaign.pk, "tweet_id": tweet_id, "enqueued": jobs},
                        status=status.HTTP_202_ACCEPTED)


class StatusView(APIView):
    @extend_schema(summary="Worker state per job type",
                   parameters=[OpenApiParameter("campaign_id", {"type": "integer", "minimum": 1})],
                   responses={200: WorkerStatusSerializer, **errors(400)})
    def get(self, request):
        campaign_id = request.query_params.get("campaign_id")
        body = worker_status.worker_status(campaign_id)
        body["blocked"] = worker_status.blocked()  # budget used up, or the key out of credits
        return Response(body)


class QueueView(APIView):
    @extend_schema(summary="Queue lengths", responses={200: QueueStatusSerializer, **errors()})
    def get(self, request):
        return Response(worker_status.queue_status())
