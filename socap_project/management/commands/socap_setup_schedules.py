import json

from django.core.management.base import BaseCommand
from django.db import transaction
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from socap_project.schedules import schedules


class Command(BaseCommand):
    help = "Create or update every SOCAP periodic task in django-celery-beat."

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset-intervals",
            action="store_true",
            help="Also overwrite intervals that staff changed in the admin.",
        )

    @transaction.atomic
    def handle(self, *args, reset_intervals=False, **options):
        for item in schedules():
            interval, _ = IntervalSchedule.objects.get_or_create(
                every=item.every_seconds, period=IntervalSchedule.SECONDS
            )
            task = PeriodicTask.objects.filter(name=item.name).first()
            if task is None:
                PeriodicTask.objects.create(
                    name=item.name,
                    task=item.task,
                    interval=interval,
                    description=item.description,
                    priority=item.priority,
                    kwargs=json.dumps({}),
                )
                self.stdout.write(f"  created  {item.name} (every {item.every_seconds} s)")
                continue
            task.task = item.task
            task.description = item.description
            task.priority = item.priority
            if reset_intervals or item.fixed or task.interval_id is None:
                task.interval = interval
            task.save()
            self.stdout.write(f"  kept     {item.name} (every {task.interval.every} {task.interval.period})")
        self.stdout.write(self.style.SUCCESS("Periodic tasks are in place."))
