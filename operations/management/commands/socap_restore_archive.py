from campaigns.models import Campaign
from ingestion.services import number_unsequenced, restore_archive
from operations.management.archive_command import ArchiveCommand
from dashboard.services import rebuild_rollups


class Command(ArchiveCommand):
    help = ("Restore a campaign archive into MongoDB (documents are matched by _id; safe to repeat). "
            "A campaign id reads from the configured target (S3 when SOCAP_ARCHIVE_S3_BUCKET is set).")

    def handle(self, *args, target: str, **options):
        archive, restored = self.on_archive(target, restore_archive)
        for name, count in restored.items():
            self.stdout.write(f"  {name}: {count} documents restored")
        # The dashboard reads counters kept at write time: recount them from what came back.
        campaign_id = archive.manifest()["campaign_id"]
        Campaign.objects.filter(pk=int(campaign_id)).update(purged_at=None)  # its documents are back
        number_unsequenced(campaign_id)
        rebuild_rollups(campaign_id)
        self.stdout.write(f"  dashboard counters of campaign {campaign_id} rebuilt")
        self.stdout.write(self.style.SUCCESS(f"Restored {archive.label}."))
