from django.core.management.base import BaseCommand, CommandError

from alerts.planner_state import carry_over_from_counters, carry_over_windows
from dashboard.services import migrate_claims
from ingestion.services import mark_handed_off
from socap_project import mongo
from xapi.account.key_state import move_legacy_key_document


class Command(BaseCommand):
    help = "Create every MongoDB index SOCAP needs (idempotent) and report what was created."

    def handle(self, *args, **options):
        try:
            mongo.ping()
            # Data steps of earlier versions first, while their indexes still serve them.
            claims = migrate_claims()
            marked = mark_handed_off()
            planners = carry_over_from_counters()
            windows = carry_over_windows()
            keys = move_legacy_key_document()
            report = mongo.ensure_indexes()
        except mongo.PyMongoError as exc:
            raise CommandError(f"MongoDB is not reachable: {exc}") from exc
        if claims or marked or planners or windows or keys:
            self.stdout.write(f"  migrated: {claims} first-sighting rows to claims, {marked} job states marked, "
                              f"{planners} alert planner states moved off the counters, {windows} planning "
                              f"windows moved off the poll cycles, {keys} API key spend documents renamed to the "
                              "key's fingerprint")
        created = [row for row in report if row[2]]
        for coll_name, index_name, was_created in report:
            state = "created" if was_created else "exists"
            self.stdout.write(f"  {coll_name}.{index_name}: {state}")
        self.stdout.write(
            self.style.SUCCESS(
                f"MongoDB indexes: {len(created)} created, {len(report) - len(created)} already present.")
        )
