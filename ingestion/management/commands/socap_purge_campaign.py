from django.core.management.base import BaseCommand, CommandError

from campaigns.models import Campaign
from ingestion.archiving.purge import PurgeRefused, purge_campaign
from ingestion.archiving.s3 import S3Error


class Command(BaseCommand):
    help = ("Delete a completed campaign's engagements, metric deltas and snapshots from MongoDB after "
            "checking its archive against them (refused without a matching archive). "
            "`socap_restore_archive ID` brings them back.")

    def add_arguments(self, parser):
        parser.add_argument("campaign_id", type=int)

    def handle(self, *args, campaign_id: int, **options):
        campaign = Campaign.objects.filter(pk=campaign_id).first()
        if campaign is None:
            raise CommandError(f"No campaign {campaign_id}.")
        try:
            removed = purge_campaign(campaign, progress=lambda message: self.stdout.write(f"  {message}"))
        except PurgeRefused as exc:
            raise CommandError(f"Refused: {exc}") from exc
        except S3Error as exc:
            raise CommandError(f"{exc} ({'permanent' if exc.permanent else 'temporary, try again'})") from exc
        if removed:
            total = sum(removed.values())
            self.stdout.write(self.style.SUCCESS(f"Purged campaign {campaign_id}: {total} documents removed "
                                                 "(restore with socap_restore_archive)."))
