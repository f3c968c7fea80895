"""Writes for campaigns: create, update, pause/resume, complete, delete.

Every entry point (JSON API, admin, staff page) goes through these functions,
so the rules and the all-or-nothing guarantee hold the same everywhere.

All or nothing across two stores: input is validated and every tweet resolved
before anything is written; then the Django rows and, last, the Mongo worker
states are written inside one transaction. If the Mongo write or the commit
fails, the transaction rolls back and the Mongo documents of those tweets are
removed before the error propagates.
"""

from __future__ import annotations

import datetime as dt
import logging
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

from django.db import transaction

from campaigns import signals
from campaigns.inputs import (
    MAX_TWEETS_PER_CAMPAIGN,
    AlertPreferencesInput,
    CampaignInput,
    CampaignInputError,
    TweetInput,
)
from campaigns.models import Campaign, TrackedTweet
from campaigns.resolution import ResolvedTweet, resolve_tweets
from campaigns.validation import (
    Errors,
    check_alert_preferences,
    check_campaign,
    check_credit_budget,
    check_name,
    check_tweet_total,
    check_tweet_urls,
    check_window,
)

log = logging.getLogger(__name__)

Parsed = list[tuple[str, TweetInput]]


def _resolve_or_fail(parsed: Parsed, errors: Errors) -> dict[str, ResolvedTweet]:
    """Look every tweet up in one batched call; report each one that is missing."""
    resolved = resolve_tweets([tweet_id for tweet_id, _ in parsed])
    for tweet_id, tweet in parsed:
        if tweet_id not in resolved:
            errors.add(tweet.path, f"Tweet {tweet_id} was not found or is not accessible (deleted or protected).")
    if errors:
        raise CampaignInputError(dict(errors.by_path))
    return resolved


@contextmanager
def _mongo_undone_on_failure(campaign_id_holder: list, tweet_ids: list[str]):
    try:
        yield
    except Exception:
        if campaign_id_holder:
            try:
                signals.tweets_untracked.send(sender=Campaign, campaign_id=campaign_id_holder[0],
                                              tweet_ids=tweet_ids)
            except Exception:  # noqa: BLE001 - report the original failure, log the cleanup one
                log.exception("could not remove worker states of a failed campaign write")
        raise


def _write_tweets(campaign: Campaign, parsed: Parsed, resolved: dict[str, ResolvedTweet]) -> None:
    TrackedTweet.objects.bulk_create(
        TrackedTweet(
            campaign=campaign,
            tweet_id=tweet_id,
            url=tweet.url,
            category=tweet.category,
            author_name=resolved[tweet_id].author_name,
            author_username=resolved[tweet_id].author_username,
            metrics=resolved[tweet_id].metrics,
        )
        for tweet_id, tweet in parsed
    )
    signals.tweets_tracked.send(sender=Campaign, campaign=campaign, tweet_ids=[tweet_id for tweet_id, _ in parsed])


def _apply_alerts(campaign: Campaign, prefs: AlertPreferencesInput) -> None:
    campaign.importance_threshold = prefs.importance_threshold
    campaign.category_thresholds = prefs.category_thresholds
    campaign.action_thresholds = prefs.action_thresholds
    campaign.channels = prefs.channels
    campaign.slack_webhook_url = prefs.slack_webhook_url
    campaign.extra_recipients = prefs.extra_recipients
    campaign.frequency_window_minutes = prefs.frequency_window_minutes
    campaign.alert_spacing_minutes = prefs.alert_spacing_minutes
    campaign.spike_factor = prefs.spike_factor
    campaign.spike_min_engagements = prefs.spike_min_engagements
    campaign.negative_sentiment_threshold = prefs.negative_sentiment_threshold


def alert_preferences_of(campaign: Campaign) -> AlertPreferencesInput:
    return AlertPreferencesInput(
        importance_threshold=campaign.importance_threshold,
        category_thresholds=dict(campaign.category_thresholds),
        action_thresholds=dict(campaign.action_thresholds),
        channels=list(campaign.channels),
        slack_webhook_url=campaign.slack_webhook_url,
        extra_recipients=list(campaign.extra_recipients),
        frequency_window_minutes=campaign.frequency_window_minutes,
        alert_spacing_minutes=campaign.alert_spacing_minutes,
        spike_factor=campaign.spike_factor,
        spike_min_engagements=campaign.spike_min_engagements,
        negative_sentiment_threshold=campaign.negative_sentiment_threshold,
    )


@dataclass
class PreparedCampaign:
    """Checked input with every tweet resolved: storing it needs no more lookups."""

    data: CampaignInput
    parsed: Parsed
    resolved: dict[str, ResolvedTweet]


def prepare_campaign(data: CampaignInput) -> PreparedCampaign:
    errors = Errors()
    parsed = check_campaign(data, errors)
    if errors:
        raise CampaignInputError(dict(errors.by_path))
    return PreparedCampaign(data, parsed, _resolve_or_fail(parsed, errors))


def store_campaign(prepared: PreparedCampaign) -> Campaign:
    data, parsed = prepared.data, prepared.parsed
    holder: list[str] = []
    with _mongo_undone_on_failure(holder, [tweet_id for tweet_id, _ in parsed]):
        with transaction.atomic():
            campaign = Campaign(
                launch_name=data.launch_name.strip(),
                client_name=data.client_name.strip(),
                client_email=data.client_email,
                start_date=data.start_date,
                end_date=data.end_date,
                cpm_usd=data.cpm_usd,
                credit_budget=data.credit_budget,
                status=Campaign.Status.ACTIVE,
            )
            _apply_alerts(campaign, data.alerts)
            campaign.save()
            holder.append(campaign.mongo_id)
            _write_tweets(campaign, parsed, prepared.resolved)
    log.info("campaign %s created with %d tweets", campaign.pk, len(parsed))
    return campaign


def create_campaign(data: CampaignInput) -> Campaign:
    return store_campaign(prepare_campaign(data))


UNCHANGED = object()


@dataclass
class CampaignChanges:
    """A partial update; None / empty means "leave as it is"."""

    launch_name: str | None = None
    alerts: dict | None = None  # a subset of AlertPreferencesInput's fields
    start_date: dt.datetime | None = None
    end_date: dt.datetime | None = None
    cpm_usd: float | None = None
    # None is a value here (no limit): UNCHANGED leaves the budget as it is.
    credit_budget: int | None | object = UNCHANGED
    status: str | None = None
    add_tweets: list[TweetInput] = field(default_factory=list)
    remove_tweet_ids: list[str] = field(default_factory=list)


def _check_changes(campaign: Campaign, changes: CampaignChanges, errors: Errors):
    if changes.launch_name is not None:
        check_name(changes.launch_name, errors, "launch_name", "Launch name")
    prefs = None
    if changes.alerts:
        prefs = replace(alert_preferences_of(campaign), **changes.alerts)
        check_alert_preferences(prefs, errors)
    if changes.start_date is not None or changes.end_date is not None:
        check_window(changes.start_date or campaign.start_date, changes.end_date or campaign.end_date, errors)
    if changes.cpm_usd is not None and changes.cpm_usd < 0:
        errors.add("cpm_usd", "Must be zero or more.")
    if changes.credit_budget is not UNCHANGED:
        check_credit_budget(changes.credit_budget, errors)
    if changes.status is not None:
        allowed = {Campaign.Status.ACTIVE, Campaign.Status.PAUSED}
        if changes.status not in allowed:
            errors.add("status", "Use active or paused; completion has its own action.")
        elif campaign.status == Campaign.Status.COMPLETED and changes.status != campaign.status:
            errors.add("status", "A completed campaign cannot be paused or resumed.")
    tracked = set(campaign.tweets.values_list("tweet_id", flat=True))
    removing = set(changes.remove_tweet_ids)
    if unknown := removing - tracked:
        errors.add("remove_tweet_ids", f"Not tracked by this campaign: {', '.join(sorted(unknown))}.")
    if len(tracked - removing) + len(changes.add_tweets) > MAX_TWEETS_PER_CAMPAIGN:
        check_tweet_total(len(tracked - removing) + len(changes.add_tweets), errors, "add_tweets")
        return prefs, []  # not worth parsing (or looking up) tweets that cannot be added
    parsed = check_tweet_urls(changes.add_tweets, errors, existing_ids=tracked - removing)
    if len(tracked - removing) + len(parsed) < 1:
        errors.add("remove_tweet_ids", "A campaign keeps at least one tweet.")
    return prefs, parsed


@dataclass
class PreparedChanges:
    changes: CampaignChanges
    prefs: AlertPreferencesInput | None
    parsed: Parsed
    resolved: dict[str, ResolvedTweet]


def prepare_changes(campaign: Campaign, changes: CampaignChanges) -> PreparedChanges:
    """Every check and tweet lookup of an update, before any write."""
    errors = Errors()
    prefs, parsed = _check_changes(campaign, changes, errors)
    if errors:
        raise CampaignInputError(dict(errors.by_path))
    resolved = _resolve_or_fail(parsed, errors) if parsed else {}
    return PreparedChanges(changes, prefs, parsed, resolved)


def apply_changes(campaign: Campaign, prepared: PreparedChanges) -> Campaign:
    changes, prefs, parsed = prepared.changes, prepared.prefs, prepared.parsed
    with _mongo_undone_on_failure([campaign.mongo_id], [tweet_id for tweet_id, _ in parsed]):
        with transaction.atomic():
            if parsed:
                Campaign.objects.select_for_update().filter(pk=campaign.pk).first()  # one tweet change at a time
            if changes.launch_name is not None:
                campaign.launch_name = changes.launch_name.strip()
            if prefs is not None:
                # A disabled Slack channel gets another chance once staff change its webhook.
                if prefs.slack_webhook_url != campaign.slack_webhook_url:
                    campaign.disabled_channels.pop("slack", None)
                _apply_alerts(campaign, prefs)
            for name in ("start_date", "end_date", "cpm_usd", "status"):
                if getattr(changes, name) is not None:
                    setattr(campaign, name, getattr(changes, name))
            if changes.credit_budget is not UNCHANGED:
                campaign.credit_budget = changes.credit_budget  # a raised budget resumes polling next cycle
            campaign.save()
            if changes.remove_tweet_ids:
                campaign.tweets.filter(tweet_id__in=changes.remove_tweet_ids).delete()
            if parsed:
                _write_tweets(campaign, parsed, prepared.resolved)
                # Two changes checked side by side could each fit and together not: count again, under the lock.
                errors = Errors()
                check_tweet_total(campaign.tweets.count(), errors, "add_tweets")
                if errors:
                    raise CampaignInputError(dict(errors.by_path))
    if prefs is not None and "slack" in campaign.channels and not campaign.slack_waiting:
        # Slack has somewhere to go now (a webhook set here, or the deployment default set
        # since): the alerts held while it waited go out.
        signals.slack_ready.send(sender=Campaign, campaign=campaign)
    if changes.remove_tweet_ids:
        signals.tweets_untracked.send(sender=Campaign, campaign_id=campaign.mongo_id,
                                      tweet_ids=list(changes.remove_tweet_ids))
    return campaign


def update_campaign(campaign: Campaign, changes: CampaignChanges) -> Campaign:
    """Apply every change or none."""
    return apply_changes(campaign, prepare_changes(campaign, changes))


def set_status(campaign: Campaign, status: str) -> Campaign:
    """Pause or resume. Completion goes through the completion service (final report)."""
    return update_campaign(campaign, CampaignChanges(status=status))


def rotate_share_token(campaign: Campaign) -> str:
    campaign.rotate_share_token()
    return campaign.share_token


def delete_campaign(campaign: Campaign) -> dict[str, int]:
    """Remove the campaign, its tweets and every Mongo document that carries its id."""
    mongo_id = campaign.mongo_id
    removed: dict[str, int] = {}
    for _receiver, counts in signals.campaign_deleted.send(sender=Campaign, campaign_id=mongo_id):
        removed.update(counts)
    campaign.delete()
    log.info("campaign %s deleted (%s)", mongo_id, removed)
    return removed
