"""Sending due alerts: claimed atomically, checked for duplicates again, delivered, recorded.

A claim is a conditional update (pending, or a "sending" claim whose lease ran
out because its sender died) to "sending" with this sender's id, so two
senders never take the same alert. The history row is unique per (campaign,
account, action, hour, channel): a second send of the same alert cannot be
recorded, and is skipped before it goes out.

A sender killed mid-item leaves its history rows in SENDING. The next claimer of
the same queue item resends rows whose delivery had not started (nothing went
out) and marks rows whose request was under way as UNKNOWN rather than risk a
second message: the only window left is the request itself.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from django.utils import timezone
from pymongo.errors import ConnectionFailure
from redis.exceptions import ConnectionError as RedisConnectionError, TimeoutError as RedisTimeoutError

from alerts import messages
from alerts.channels import ChannelError, email, slack
from alerts.holding import release_held_slack
from alerts.models import AlertHistory, DeliveryAttempt
from campaigns.models import Campaign
from socap_project import mongo
from socap_project.text import one_line, storable

log = logging.getLogger(__name__)
MAX_PER_TICK = 200
# Outages of a store or the network: the same item will very likely go through on a later tick.
TEMPORARY_ERRORS = (OSError, ConnectionFailure, RedisConnectionError, RedisTimeoutError, OperationalError,
                    InterfaceError)


@dataclass
class SendReport:
    sent: int = 0
    skipped: int = 0
    waiting: int = 0  # held until Slack gets a webhook
    failed: int = 0
    details: list[str] = field(default_factory=list)


def _claim(owner: str, now: dt.datetime, exclude: list, lane: dict) -> dict | None:
    return mongo.collection(mongo.ALERT_QUEUE).find_one_and_update(
        {**lane, "scheduled_send_time": {"$lte": now}, **({"_id": {"$nin": list(exclude)}} if exclude else {}),
         "$or": [{"status": "pending"}, {"status": "sending", "claim_until": {"$lt": now}}]},
        {"$set": {"status": "sending", "claimed_by": owner,
                  "claim_until": now + dt.timedelta(seconds=settings.SOCAP_ALERT_CLAIM_SECONDS)}},
        sort=[("scheduled_send_time", mongo.ASCENDING)],
        return_document=mongo.ReturnDocument.AFTER,
    )


def claim_next(owner: str, now: dt.datetime, exclude: list = ()) -> dict | None:
    """The next due item: an urgent one (a spike alert) before any other, then the oldest due.
    Slack takes one message a second, so a backlog of account alerts would otherwise hold a
    spike back for minutes. `exclude`: items that failed earlier in this tick; they wait for the next one."""
    return _claim(owner, now, exclude, {"urgent": True}) or _claim(owner, now, exclude, {})


def _finish(item: dict, owner: str, status: str, reason: str | None = None, waiting: list[str] = ()) -> None:
    """`waiting`: channels that had no destination yet (Slack without a webhook); held for release."""
    now = timezone.now()
    done = status in ("sent", "skipped") and not waiting
    mongo.collection(mongo.ALERT_QUEUE).update_one(
        {"_id": item["_id"], "claimed_by": owner},
        {"$set": {"status": status, "skip_reason": reason, "claim_until": None, "waiting_channels": list(waiting),
                  "sent_at": now if status == "sent" else None,
                  # The TTL index's date (SOCAP_ALERT_QUEUE_RETENTION_DAYS): only once nothing is held.
                  "done_at": now if done else None}},
    )


def recipients_for(campaign: Campaign) -> list[str]:
    return list(dict.fromkeys([campaign.client_email, *campaign.extra_recipients,
                               *settings.SOCAP_ALERT_EXTRA_RECIPIENTS]))


def deliver(channel: str, campaign: Campaign, message: messages.Message, rows: list[AlertHistory] = ()) -> int:
    """Send one message; `rows` are marked as under way only once nothing stands between them and the wire."""
    if channel == "slack":
        slack.wait_for_slot(campaign.slack_webhook())
    if rows:
        AlertHistory.objects.filter(pk__in=[r.pk for r in rows]).update(delivery_started_at=timezone.now())
    if channel == "slack":
        return slack.post(campaign.slack_webhook(), message.slack_text or message.text, message.blocks)
    return email.send(message.subject, message.text, message.html, recipients_for(campaign))


def disable_channel(campaign: Campaign, channel: str, reason: str) -> None:
    with transaction.atomic():
        fresh = Campaign.objects.select_for_update().get(pk=campaign.pk)
        fresh.disabled_channels[channel] = f"{timezone.now():%Y-%m-%d %H:%M} UTC: {reason}"
        fresh.save(update_fields=["disabled_channels", "updated_at"])
    campaign.disabled_channels = fresh.disabled_channels
    log.warning("campaign %s: %s channel disabled after a permanent failure: %s", campaign.pk, channel, reason)


def _history_rows(campaign: Campaign, item: dict, channel: str, message: messages.Message) -> list[AlertHistory]:
    """Reserve one history row per (action, hour) of the item; an existing row means already sent."""
    rows = []
    window_start = timezone.now() - dt.timedelta(minutes=campaign.frequency_window_minutes)
    for engagement in item["engagements"]:
        if AlertHistory.objects.filter(campaign=campaign, user_id=item["user_id"], channel=channel,
                                       action_type=engagement["action_type"], status=AlertHistory.Status.SENT,
                                       sent_at__gte=window_start).exists():
            continue  # inside the frequency window
        key = {"campaign": campaign, "user_id": item["user_id"], "action_type": engagement["action_type"],
               "timestamp_hour": engagement["hour"], "channel": channel}
        try:
            with transaction.atomic():
                rows.append(AlertHistory.objects.create(
                    **key, username=storable(item["username"]), status=AlertHistory.Status.SENDING,
                    importance_score=item["importance_score"], message=storable(message.text),
                    queue_id=str(item["_id"]),
                ))
        except IntegrityError:
            left = _left_by_crashed_sender(key, str(item["_id"]))
            if left is not None:
                rows.append(left)
    return rows


def _left_by_crashed_sender(key: dict, queue_id: str) -> AlertHistory | None:
    """A reservation of this very queue item whose sender died: resend it only if nothing went out."""
    row = AlertHistory.objects.filter(**key, queue_id=queue_id, status=AlertHistory.Status.SENDING).first()
    if row is None:
        return None
    if row.delivery_started_at is None:
        return row
    row.status = AlertHistory.Status.UNKNOWN
    row.save(update_fields=["status"])
    DeliveryAttempt.objects.create(alert=row, ok=False, error="the sender stopped during delivery; "
                                   "not resent, to avoid a second message")
    log.warning("alert %s: sender died during delivery; outcome unknown, not resent", row.pk)
    return None


def send_item(item: dict, owner: str) -> str:
    campaign = Campaign.objects.filter(pk=int(item["campaign_id"])).first()
    if campaign is None:
        _finish(item, owner, "skipped", "campaign deleted")
        return "skipped"
    channels = campaign.active_channels()
    if item.get("only_channels"):  # released after a wait: the other channels had their turn already
        channels = [c for c in channels if c in item["only_channels"]]
    waiting = ["slack"] if "slack" in channels and campaign.slack_waiting else []
    channels = [c for c in channels if c not in waiting]
    if not channels:
        if waiting:
            _finish(item, owner, "waiting", "Slack has no webhook yet", waiting)
            _release_if_webhook_arrived(campaign, item)
            return "waiting"
        _finish(item, owner, "skipped", "no active channel")
        return "skipped"
    message = messages.build(item, campaign)
    delivered, reserved_any = False, False
    for channel in channels:
        rows = _history_rows(campaign, item, channel, message)
        if not rows:
            continue  # every engagement of this item was already alerted on this channel
        reserved_any = True
        try:
            code = deliver(channel, campaign, message, rows)
        except ChannelError as exc:
            for row in rows:
                DeliveryAttempt.objects.create(alert=row, ok=False, permanent=exc.permanent,
                                               status_code=exc.status_code, error=str(exc))
            if exc.permanent:
                AlertHistory.objects.filter(pk__in=[r.pk for r in rows]).update(status=AlertHistory.Status.FAILED)
                if exc.disables_channel:
                    disable_channel(campaign, channel, str(exc))
                continue
            # Transient: release the reservation so the retry can record the delivery.
            AlertHistory.objects.filter(pk__in=[r.pk for r in rows], status=AlertHistory.Status.SENDING).delete()
            raise
        now = timezone.now()
        for row in rows:
            DeliveryAttempt.objects.create(alert=row, ok=True, status_code=code)
        AlertHistory.objects.filter(pk__in=[r.pk for r in rows]).update(status=AlertHistory.Status.SENT, sent_at=now)
        delivered = True
    if delivered:
        _finish(item, owner, "sent", waiting=waiting)
    else:
        _finish(item, owner, "skipped", "already alerted" if not reserved_any else "every channel failed permanently",
                waiting)
    if waiting:
        _release_if_webhook_arrived(campaign, item)
    return "sent" if delivered else "skipped"


def _release_if_webhook_arrived(campaign: Campaign, item: dict) -> None:
    """Staff may set the webhook while this item was being sent, after the release pass ran: release it now."""
    fresh = Campaign.objects.filter(pk=campaign.pk).first()
    if fresh is not None and not fresh.slack_waiting:
        release_held_slack(fresh, item_ids=[item["_id"]])


def is_temporary(exc: BaseException) -> bool:
    """Worth retrying: a channel's transient failure, or a store or network outage. Anything else
    (a malformed item, a bug) would fail the same way on every retry."""
    if isinstance(exc, ChannelError):
        return not exc.permanent
    return isinstance(exc, TEMPORARY_ERRORS)


def describe(exc: BaseException) -> str:
    return one_line(f"{type(exc).__name__}: {exc}", max_length=500)


def _contain(item: dict, owner: str, exc: BaseException) -> None:
    """Record one item's failure on that item alone: temporary ones go back to pending (the next tick
    retries them), permanent ones are marked failed with their reason. Reservations whose delivery
    had not started are released (temporary) or failed (permanent); one whose request was under way
    has an unknown outcome and is never resent."""
    temporary, reason = is_temporary(exc), describe(exc)
    if temporary:
        log.warning("alert %s: temporary failure, retried on the next tick: %s", item["_id"], reason)
    else:
        log.exception("alert %s failed permanently: %s", item["_id"], reason, exc_info=exc)
    try:
        reserved = AlertHistory.objects.filter(queue_id=str(item["_id"]), status=AlertHistory.Status.SENDING)
        for row in reserved:
            if row.delivery_started_at is None and temporary:
                row.delete()
                continue
            row.status = AlertHistory.Status.FAILED if row.delivery_started_at is None else AlertHistory.Status.UNKNOWN
            row.save(update_fields=["status"])
            DeliveryAttempt.objects.create(alert=row, ok=False, permanent=not temporary, error=reason)
        if temporary:
            update = {"$set": {"status": "pending", "claim_until": None, "last_error": reason},
                      "$inc": {"attempts": 1}}
        else:
            update = {"$set": {"status": "failed", "claim_until": None, "skip_reason": reason, "last_error": reason}}
        mongo.collection(mongo.ALERT_QUEUE).update_one({"_id": item["_id"], "claimed_by": owner}, update)
    except Exception:  # noqa: BLE001 - a store that is down: the claim lapses and the next tick retries
        log.exception("alert %s: could not record its failure; its claim lapses and it is retried", item["_id"])


def send_due(limit: int = MAX_PER_TICK) -> SendReport:
    owner = f"{os.getpid()}:{uuid.uuid4().hex[:8]}"
    report = SendReport()
    failed_now: list = []
    for _ in range(limit):
        # The clock of each claim, not of the tick: a tick that sends for minutes (Slack's 1 message/s)
        # takes what fell due meanwhile (a spike alert goes first), and its claims do not start expired.
        item = claim_next(owner, timezone.now(), failed_now)
        if item is None:
            break
        try:
            outcome = send_item(item, owner)
        except Exception as exc:  # noqa: BLE001 - one item's failure never stops the others
            _contain(item, owner, exc)
            failed_now.append(item["_id"])
            report.failed += 1
            report.details.append(f"{item.get('username', '')}: {describe(exc)}")
            continue
        if outcome == "sent":
            report.sent += 1
        elif outcome == "waiting":
            report.waiting += 1
        else:
            report.skipped += 1
    return report
