from django.core.management.base import BaseCommand, CommandError

from campaigns.archive import restore_archive, resolve_target
from campaigns.s3 import S3Error
from dashboard.services import number_unsequenced, rebuild_rollups


class Command(BaseCommand):
    help = ("Restore a campaign archive into MongoDB (documents are matched by _id; safe to repeat). "
            "A campaign id reads from the configured target (S3 when SOCAP_ARCHIVE_S3_BUCKET is set).")

    def add_arguments(self, parser):
        parser.add_argument("target", help="campaign id, or a local archive folder")

    def handle(self, *args, target: str, **options):
        try:
            archive = resolve_target(target)
            if archive is None:
                raise CommandError(f"No archive for {target!r}.")
            restored = restore_archive(archive)
        except S3Error as exc:
            raise CommandError(f"{exc} ({'permanent' if exc.permanent else 'temporary, try again'})") from exc
        for name, count in restored.items():
            self.stdout.write(f"  {name}: {count} documents restored")
        # The dashboard reads counters kept at write time: recount them from what came back.
        campaign_id = archive.manifest()["campaign_id"]
        number_unsequenced(campaign_id)
        rebuild_rollups(campaign_id)
        self.stdout.write(f"  dashboard counters of campaign {campaign_id} rebuilt")
        self.stdout.write(self.style.SUCCESS(f"Restored {archive.label}."))
