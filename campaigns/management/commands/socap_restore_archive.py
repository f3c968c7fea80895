from django.core.management.base import BaseCommand, CommandError

from campaigns.archive import restore_archive, resolve_target


class Command(BaseCommand):
    help = "Restore a campaign archive into MongoDB (documents are matched by _id; safe to repeat)."

    def add_arguments(self, parser):
        parser.add_argument("target", help="campaign id, or the archive folder")

    def handle(self, *args, target: str, **options):
        path = resolve_target(target)
        if path is None:
            raise CommandError(f"No archive for {target!r}.")
        for name, count in restore_archive(path).items():
            self.stdout.write(f"  {name}: {count} documents restored")
        self.stdout.write(self.style.SUCCESS(f"Restored {path}."))
