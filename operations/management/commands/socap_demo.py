"""Set up the demo: the simulator's following index and one demo campaign over its tweets."""

from __future__ import annotations

import datetime as dt
import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from campaigns import services
from campaigns.inputs import CATEGORY_KEYS, AlertPreferencesInput, CampaignInput, TweetInput
from campaigns.models import Campaign
from ingestion import services as ingestion_services
from socap_project.links import absolute
from xapi import simulator_control

DEMO_NAME = "Orbit public launch (demo)"


class Command(BaseCommand):
    help = "Create the demo campaign from the local X API simulator's scenario (once) and poll it now."

    def handle(self, *args, **options):
        if not settings.X_API_USES_SIMULATOR:
            raise CommandError("X_API_KEY is set: the demo only runs against the local simulator.")
        base = settings.X_API_BASE_URL
        try:
            scenario = simulator_control.scenario()
            clock = simulator_control.clock(timeout=10)
            index_lines = simulator_control.following_index_lines()
        except simulator_control.SimulatorUnavailable as exc:
            raise CommandError(f"The simulator at {base} does not answer: {exc}") from exc

        entries = [ingestion_services.importance_entry(row["user_id"], row["followers"])
                   for row in map(json.loads, index_lines) if row]
        ingestion_services.upsert_importance_entries(entries)
        self.stdout.write(f"  following index: {len(entries)} accounts from the simulator")

        campaign = Campaign.objects.filter(launch_name=DEMO_NAME).first()
        launch = dt.datetime.fromisoformat(scenario["launch"])
        if campaign is not None and campaign.start_date != launch:
            # Each simulator start replays a new launch (anchored to now): the old campaign's data
            # belongs to another timeline and would sit beside the new one on the same charts.
            services.delete_campaign(campaign)
            self.stdout.write("  removed the demo campaign of an earlier simulated launch")
            campaign = None
        if campaign is None:
            tweets = [
                TweetInput(url=t["url"], category=t["category"], path=f"{CATEGORY_KEYS[t['category']]}[{i}].url")
                for i, t in enumerate(scenario["tweets"]) if not t["protected"]
            ]
            campaign = services.create_campaign(CampaignInput(
                launch_name=DEMO_NAME,
                client_name="Orbit Labs",
                client_email="founders@orbit.example",
                start_date=launch,
                end_date=launch + dt.timedelta(days=3),
                tweets=tweets,
                alerts=AlertPreferencesInput(
                    importance_threshold=8,
                    channels=["slack", "email"],
                    slack_webhook_url=f"http://127.0.0.1:{settings.SOCAP_SINK_HTTP_PORT}/hooks/demo",
                    frequency_window_minutes=30,
                    alert_spacing_minutes=4,
                ),
                cpm_usd=6.5,
            ))
            self.stdout.write(self.style.SUCCESS(f"  created demo campaign {campaign.pk} with {len(tweets)} tweets"))
        elif campaign.status == Campaign.Status.ACTIVE and campaign.end_date < timezone.now():
            self.stdout.write("  the demo campaign's window is over; it will be completed by Beat")
        ingestion_services.enqueue_metrics([campaign.pk])
        if settings.SOCAP_DEMO_CLOCK_FACTOR > 1:
            self.stdout.write(f"  demo clock: x{settings.SOCAP_DEMO_CLOCK_FACTOR:g} (simulated now "
                              f"{dt.datetime.fromisoformat(clock['now']):%b %d %H:%M} UTC; the launch ends, and the "
                              f"campaign completes, at {launch + dt.timedelta(days=3):%b %d %H:%M} UTC real time)")
        self.stdout.write(f"  dashboard (staff): {absolute('dashboard:staff', campaign.pk)}")
        self.stdout.write(f"  client link:       {absolute('dashboard:client', campaign.share_token)}")
