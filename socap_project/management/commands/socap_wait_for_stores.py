import time

from django.core.management.base import BaseCommand, CommandError

from socap_project.health import run_checks


class Command(BaseCommand):
    help = "Wait until the Django database, MongoDB and Redis answer."

    def add_arguments(self, parser):
        parser.add_argument("--timeout", type=float, default=60.0)

    def handle(self, *args, timeout, **options):
        deadline = time.monotonic() + timeout
        names = ["database", "mongo", "redis"]
        while True:
            failing = [r for r in run_checks(names) if not r.ok]
            if not failing:
                self.stdout.write(self.style.SUCCESS("Stores are reachable."))
                return
            if time.monotonic() > deadline:
                details = "; ".join(f"{r.name}: {r.detail}" for r in failing)
                raise CommandError(f"Stores not reachable after {timeout:.0f} s: {details}")
            time.sleep(0.5)
