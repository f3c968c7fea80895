from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from socap_project.redis_client import get_redis

LOCK_KEY = "socap:release"


class Command(BaseCommand):
    help = ("The release step, run once per deploy before the new web, worker and Beat processes start: "
            "wait for the stores, migrate the database, create MongoDB indexes, put the Beat schedules "
            "in place and collect static files.")

    def add_arguments(self, parser):
        parser.add_argument("--wait", type=float, default=60.0, help="Seconds to wait for the stores (default 60).")
        parser.add_argument("--skip-collectstatic", action="store_true",
                            help="When static files are built into the image elsewhere.")

    def handle(self, *args, wait, skip_collectstatic, **options):
        verbosity = options.get("verbosity", 1)
        call_command("socap_wait_for_stores", timeout=wait, verbosity=verbosity, stdout=self.stdout)
        # Two hosts releasing at once would run migrations side by side: the second waits for the first.
        lock = get_redis().lock(LOCK_KEY, timeout=30 * 60, blocking_timeout=30 * 60)
        if not lock.acquire():
            raise CommandError("another release has held the lock for 30 minutes; is one stuck?")
        try:
            steps = [("migrate", {"interactive": False}), ("socap_init_db", {}), ("socap_setup_schedules", {})]
            if not skip_collectstatic:
                steps.append(("collectstatic", {"interactive": False}))
            for name, kwargs in steps:
                self.stdout.write(f"== {name}")
                call_command(name, verbosity=verbosity, stdout=self.stdout, **kwargs)
        finally:
            lock.release()
        self.stdout.write(self.style.SUCCESS("Release done: database migrated, MongoDB indexes, Beat schedules "
                                             f"and {'no ' if skip_collectstatic else ''}static files in place."))
