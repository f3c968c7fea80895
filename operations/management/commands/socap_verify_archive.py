from django.core.management.base import CommandError

from ingestion.services import verify_archive
from operations.management.archive_command import ArchiveCommand


class Command(ArchiveCommand):
    help = ("Check a campaign archive: checksums, counts, and every document against MongoDB. "
            "A campaign id reads from the configured target (S3 when SOCAP_ARCHIVE_S3_BUCKET is set).")

    def handle(self, *args, target: str, **options):
        archive, result = self.on_archive(target, verify_archive)
        for name, count in result.checked.items():
            self.stdout.write(f"  {name}: {count} documents checked")
        if not result.ok:
            for problem in result.problems[:50]:
                self.stderr.write(f"  {problem}")
            raise CommandError(f"Archive {archive.label} does NOT match ({len(result.problems)} problem(s)).")
        self.stdout.write(self.style.SUCCESS(f"Archive {archive.label} matches the database."))
