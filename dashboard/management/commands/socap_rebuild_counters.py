"""Number engagements stored without a sequence number, then recount rollups and counters.

For data stored by a version before per-campaign sequence numbers, or after
restoring an archive: `manage.py socap_rebuild_counters [--campaign ID ...]`.
Safe to rerun; it reads every engagement of a campaign once, in batches.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from campaigns.models import Campaign
from dashboard.services import rebuild_rollups
from ingestion.services import number_unsequenced


class Command(BaseCommand):
    help = __doc__.splitlines()[0]

    def add_arguments(self, parser):
        parser.add_argument("--campaign", type=int, action="append", help="campaign id (default: every campaign)")

    def handle(self, *args, **options):
        campaigns = Campaign.objects.all()
        if options["campaign"]:
            campaigns = campaigns.filter(pk__in=options["campaign"])
        for campaign in campaigns:
            numbered = number_unsequenced(campaign.mongo_id)
            rebuild_rollups(campaign.mongo_id)
            self.stdout.write(f"campaign {campaign.pk}: {numbered} engagements numbered, counters rebuilt")
