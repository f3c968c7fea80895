from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from campaigns.archive import MANIFEST, archive_dir, restore_archive


class Command(BaseCommand):
    help = "Restore a campaign archive into MongoDB (documents are matched by _id; safe to repeat)."

    def add_arguments(self, parser):
        parser.add_argument("target", help="campaign id, or the archive folder")

    def handle(self, *args, target: str, **options):
        path = Path(target) if not target.isdigit() else archive_dir(target)
        if not (path / MANIFEST).exists():
            raise CommandError(f"No archive at {path}.")
        for name, count in restore_archive(path).items():
            self.stdout.write(f"  {name}: {count} documents restored")
        self.stdout.write(self.style.SUCCESS(f"Restored {path}."))
