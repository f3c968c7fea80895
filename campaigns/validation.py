"""The rules a campaign must satisfy, shared by every entry point."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator

from campaigns.inputs import (
    CATEGORY_KEYS,
    MAX_TWEETS_PER_CAMPAIGN,
    AlertPreferencesInput,
    CampaignInput,
)
from campaigns.tweet_urls import InvalidTweetUrl, parse_tweet_url
from socap_project import webhook_urls
from socap_project.text import has_control_characters
from socap_project.vocabulary import ACTIONS, CHANNELS

CONTROL_CHARACTERS_MESSAGE = ("Must not contain control characters (line breaks, tabs and the like): "
                              "it goes into email subjects and Slack messages.")
TOO_MANY_TWEETS_MESSAGE = f"At most {MAX_TWEETS_PER_CAMPAIGN} tweets per campaign."

MAX_CREDIT_BUDGET = 10_000_000_000  # $100,000 at 100,000 credits per dollar
CREDIT_BUDGET_MESSAGE = (f"A whole number of credits from 1 to {MAX_CREDIT_BUDGET:,} ($1 = 100,000 credits); "
                         "leave empty for no limit.")


def validate_credit_budget(value) -> None:
    """Form-field validator with the service's message, so every entry point says the same thing."""
    if value is not None and not 1 <= value <= MAX_CREDIT_BUDGET:
        raise ValidationError(CREDIT_BUDGET_MESSAGE)


def check_credit_budget(value, errors: Errors) -> None:
    try:
        validate_credit_budget(value)
    except ValidationError:
        errors.add("credit_budget", CREDIT_BUDGET_MESSAGE)


class Errors:
    def __init__(self):
        self.by_path: dict[str, list[str]] = defaultdict(list)

    def add(self, path: str, message: str) -> None:
        self.by_path[path].append(message)

    def __bool__(self) -> bool:
        return bool(self.by_path)


def _valid_email(value: str) -> bool:
    try:
        EmailValidator()(value)
    except ValidationError:
        return False
    return True


def check_window(start: dt.datetime | None, end: dt.datetime | None, errors: Errors) -> None:
    if start is None:
        errors.add("monitor_window.start_date", "Start date is required.")
    if end is None:
        errors.add("monitor_window.end_date", "End date is required.")
    if start is None or end is None:
        return
    if start.tzinfo is None or end.tzinfo is None:
        errors.add("monitor_window", "Dates need a time zone (e.g. 2025-01-01T00:00:00Z).")
        return
    if end <= start:
        errors.add("monitor_window.end_date", "End date must be after the start date.")
    elif end - start > dt.timedelta(days=settings.SOCAP_MAX_WINDOW_DAYS):
        errors.add(
            "monitor_window.end_date",
            f"The monitor window may be at most {settings.SOCAP_MAX_WINDOW_DAYS} days.",
        )


def check_webhook_url(url: str, errors: Errors, path: str) -> None:
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        errors.add(path, "Not a valid http(s) URL.")
        return
    try:
        webhook_urls.check(url)
    except webhook_urls.UnsafeWebhookUrl as exc:
        errors.add(path, str(exc))


def check_name(value: str, errors: Errors, path: str, label: str) -> None:
    if not value.strip():
        errors.add(path, f"{label} is required.")
    elif len(value) > 200:
        errors.add(path, "At most 200 characters.")
    elif has_control_characters(value):
        errors.add(path, CONTROL_CHARACTERS_MESSAGE)


def check_tweet_total(total: int, errors: Errors, path: str) -> None:
    """Every tracked tweet is polled on the paid API: the limit holds after every change."""
    if total > MAX_TWEETS_PER_CAMPAIGN:
        errors.add(path, f"{TOO_MANY_TWEETS_MESSAGE} This change would track {total}.")


def check_alert_preferences(prefs: AlertPreferencesInput, errors: Errors, prefix: str = "alert_preferences") -> None:
    if prefs.importance_threshold < 0:
        errors.add(f"{prefix}.importance_threshold", "Must be zero or more.")
    for category, value in prefs.category_thresholds.items():
        if category not in CATEGORY_KEYS:
            errors.add(f"{prefix}.category_thresholds", f"Unknown tweet category {category!r}.")
        elif value < 0:
            errors.add(f"{prefix}.category_thresholds.{category}", "Must be zero or more.")
    for action, value in prefs.action_thresholds.items():
        if action not in ACTIONS:
            errors.add(f"{prefix}.action_thresholds", f"Unknown action type {action!r}.")
        elif value < 0:
            errors.add(f"{prefix}.action_thresholds.{action}", "Must be zero or more.")
    unknown = [c for c in prefs.channels if c not in CHANNELS]
    if unknown:
        errors.add(f"{prefix}.channels", f"Unknown channel(s): {', '.join(map(str, unknown))}. Use slack and/or email.")
    if len(set(prefs.channels)) != len(prefs.channels):
        errors.add(f"{prefix}.channels", "A channel is listed twice.")
    if prefs.slack_webhook_url:
        check_webhook_url(prefs.slack_webhook_url, errors, f"{prefix}.slack_webhook_url")
    for address in prefs.extra_recipients:
        if not _valid_email(address):
            errors.add(f"{prefix}.extra_recipients", f"Invalid email address {address!r}.")
    if not 1 <= prefs.frequency_window_minutes <= 24 * 60:
        errors.add(f"{prefix}.frequency_window_minutes", "Must be between 1 and 1440 minutes.")
    if not 1 <= prefs.alert_spacing_minutes <= 24 * 60:
        errors.add(f"{prefix}.alert_spacing_minutes", "Must be between 1 and 1440 minutes.")
    if not (isinstance(prefs.spike_factor, int | float) and 1.5 <= prefs.spike_factor <= 100):
        errors.add(f"{prefix}.spike_factor", "Must be a number between 1.5 and 100.")
    if not 1 <= prefs.spike_min_engagements <= 1_000_000:
        errors.add(f"{prefix}.spike_min_engagements", "Must be between 1 and 1000000.")
    if not -1 <= prefs.negative_sentiment_threshold <= 0:
        errors.add(f"{prefix}.negative_sentiment_threshold", "A VADER compound score between -1 and 0.")


def check_tweet_urls(tweets, errors: Errors, existing_ids: set[str] | None = None) -> list[tuple[str, object]]:
    """Parse every URL; return (tweet_id, TweetInput) pairs, one per distinct tweet."""
    seen: dict[str, str] = {}
    parsed = []
    for tweet in tweets:
        try:
            tweet_id = parse_tweet_url(tweet.url)
        except InvalidTweetUrl as exc:
            errors.add(tweet.path, str(exc))
            continue
        if tweet_id in seen:
            errors.add(tweet.path, f"Duplicate of {seen[tweet_id]} (same tweet {tweet_id}).")
            continue
        if existing_ids and tweet_id in existing_ids:
            errors.add(tweet.path, f"Tweet {tweet_id} is already tracked by this campaign.")
            continue
        seen[tweet_id] = tweet.path
        parsed.append((tweet_id, tweet))
    return parsed


def check_campaign(data: CampaignInput, errors: Errors) -> list[tuple[str, object]]:
    check_name(data.launch_name, errors, "launch_name", "Launch name")
    check_name(data.client_name, errors, "client_info.name", "Client name")
    if not data.client_email or not _valid_email(data.client_email):
        errors.add("client_info.email", "A valid client email is required.")
    check_window(data.start_date, data.end_date, errors)
    check_alert_preferences(data.alerts, errors)
    if data.cpm_usd is not None and data.cpm_usd < 0:
        errors.add("cpm_usd", "Must be zero or more.")
    check_credit_budget(data.credit_budget, errors)
    if not data.tweets:
        errors.add("tweets", "Add at least one tweet URL (maintweets, influencer_twts or investor_twts).")
    elif len(data.tweets) > MAX_TWEETS_PER_CAMPAIGN:
        errors.add("tweets", TOO_MANY_TWEETS_MESSAGE)
        return []
    return check_tweet_urls(data.tweets, errors)
