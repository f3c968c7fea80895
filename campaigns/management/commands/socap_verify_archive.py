from django.core.management.base import BaseCommand, CommandError

from campaigns.archive import verify_archive, resolve_target


class Command(BaseCommand):
    help = "Check a campaign archive: checksums, counts, and every document against MongoDB."

    def add_arguments(self, parser):
        parser.add_argument("target", help="campaign id, or the archive folder")

    def handle(self, *args, target: str, **options):
        path = resolve_target(target)
        if path is None:
            raise CommandError(f"No archive for {target!r}.")
        result = verify_archive(path)
        for name, count in result.checked.items():
            self.stdout.write(f"  {name}: {count} documents checked")
        if not result.ok:
            for problem in result.problems[:50]:
                self.stderr.write(f"  {problem}")
            raise CommandError(f"Archive {path} does NOT match ({len(result.problems)} problem(s)).")
        self.stdout.write(self.style.SUCCESS(f"Archive {path} matches the database."))
