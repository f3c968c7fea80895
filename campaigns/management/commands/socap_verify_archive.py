from django.core.management.base import BaseCommand, CommandError

from campaigns.archive import resolve_target, verify_archive
from campaigns.s3 import S3Error


class Command(BaseCommand):
    help = ("Check a campaign archive: checksums, counts, and every document against MongoDB. "
            "A campaign id reads from the configured target (S3 when SOCAP_ARCHIVE_S3_BUCKET is set).")

    def add_arguments(self, parser):
        parser.add_argument("target", help="campaign id, or a local archive folder")

    def handle(self, *args, target: str, **options):
        try:
            archive = resolve_target(target)
            if archive is None:
                raise CommandError(f"No archive for {target!r}.")
            result = verify_archive(archive)
        except S3Error as exc:
            raise CommandError(f"{exc} ({'permanent' if exc.permanent else 'temporary, try again'})") from exc
        for name, count in result.checked.items():
            self.stdout.write(f"  {name}: {count} documents checked")
        if not result.ok:
            for problem in result.problems[:50]:
                self.stderr.write(f"  {problem}")
            raise CommandError(f"Archive {archive.label} does NOT match ({len(result.problems)} problem(s)).")
        self.stdout.write(self.style.SUCCESS(f"Archive {archive.label} matches the database."))
