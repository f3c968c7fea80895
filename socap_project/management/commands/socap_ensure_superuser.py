import os

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Create the development superuser when no superuser exists (dev only)."

    def handle(self, *args, **options):
        if settings.IS_PRODUCTION:
            raise CommandError("Refusing to create a default superuser in production; use createsuperuser.")
        user_model = get_user_model()
        if user_model.objects.filter(is_superuser=True).exists():
            self.stdout.write("A superuser exists already.")
            return
        username = os.environ.get("SOCAP_DEV_ADMIN_USER", "admin")
        password = os.environ.get("SOCAP_DEV_ADMIN_PASSWORD", "socap-admin")
        user_model.objects.create_superuser(username=username, email="admin@localhost", password=password)
        self.stdout.write(self.style.WARNING(f"Created dev superuser  {username} / {password}  (change it!)"))
