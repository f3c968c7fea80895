from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from alerts.services import send_test_alert
from campaigns.models import Campaign


@staff_member_required
@require_POST
def test_send(request, campaign_id: int):
    campaign = get_object_or_404(Campaign, pk=campaign_id)
    results = send_test_alert(campaign)
    if not results:
        messages.warning(request, "This campaign has no alert channel configured.")
    for result in results:
        level = messages.SUCCESS if result.ok else messages.ERROR
        messages.add_message(request, level, f"Test alert on {result.channel}: {result.detail}")
    return redirect(reverse("admin:campaigns_campaign_change", args=[campaign.pk]))
