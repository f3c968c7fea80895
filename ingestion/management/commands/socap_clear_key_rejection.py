from django.core.management.base import BaseCommand

from xapi.account import key_state


class Command(BaseCommand):
    help = ("Resume polling after the X data API rejected the key (401/403), once the same key works again "
            "(a new X_API_KEY resumes by itself). The next poll records the rejection again if it still fails.")

    def handle(self, *args, **options):
        cleared = key_state.clear()
        if cleared is None:
            self.stdout.write("No key rejection recorded; polling is not stopped by the key.")
            return
        self.stdout.write(self.style.SUCCESS(
            f"Cleared the rejection of key {cleared['fingerprint']} (recorded {cleared['at']}); polling resumes "
            "with the next cycle."))
