"""Every periodic task the system needs, in one place.

`manage.py socap_setup_schedules` writes these into django-celery-beat's tables
(creating or updating, never duplicating); staff can then change intervals or
disable a task in the admin, and a rerun keeps an interval changed there.
"""

from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class Schedule:
    name: str
    task: str
    every_seconds: int
    description: str
    priority: int | None = None
    fixed: bool = False  # interval always set from settings, whatever the admin says


def fan_out_tick_seconds(interval_seconds: int) -> int:
    return max(1, min(60, interval_seconds // 3))


def schedules() -> list[Schedule]:
    return [
        Schedule(
            name="socap: poll active campaigns",
            task="socap.ingestion.fan_out",
            # A tick, not the interval: the first tick of each SOCAP_POLL_INTERVAL_MINUTES slot fans
            # out and the rest find the slot taken. Ticking at the interval itself would let timer
            # drift put two ticks in one slot and none in the next.
            every_seconds=fan_out_tick_seconds(settings.SOCAP_POLL_INTERVAL_SECONDS),
            description="Fan-out check: once per poll interval, metrics per campaign, then "
                        "retweets/replies/quotes per tweet.",
            priority=0,
            fixed=True,
        ),
        Schedule(
            name="socap: plan alerts of poll cycles past their wait",
            task="socap.alerts.plan_due_cycles",
            # Ticks with the fan-out check, so the bounded wait is kept to within a tick.
            every_seconds=fan_out_tick_seconds(settings.SOCAP_POLL_INTERVAL_SECONDS),
            description="A poll cycle's alerts are planned when its last job ends; this plans the cycles "
                        "whose jobs did not all report back within SOCAP_ALERT_PLAN_WAIT_MINUTES.",
            fixed=True,
        ),
        Schedule(
            name="socap: send due alerts",
            task="socap.alerts.send_due",
            every_seconds=60,
            description="Delivers queued alerts whose spaced send time has come (Slack, email).",
        ),
        Schedule(
            name="socap: complete campaigns whose window ended",
            task="socap.campaigns.complete_due",
            every_seconds=60,
            description="Final poll, frozen report and archive for campaigns past their end date.",
        ),
        Schedule(
            name="socap: send report emails",
            task="socap.alerts.send_report_emails",
            every_seconds=60,
            description="Sends the \"final report is ready\" emails of completed campaigns (outbox), "
                        "retrying SMTP failures.",
        ),
        Schedule(
            name="socap: purge archived campaigns",
            task="socap.ingestion.purge_archived",
            every_seconds=3600,
            description="Deletes archived campaigns' engagements and metrics from MongoDB "
                        "SOCAP_PURGE_ARCHIVED_AFTER_DAYS after their archive was verified (0: never).",
        ),
        Schedule(
            name="socap: beat heartbeat",
            task="socap.heartbeat",
            every_seconds=60,
            description="Proves Celery Beat is alive (read by /socap/health).",
        ),
    ]
