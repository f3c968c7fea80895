"""Campaign input as the three entry points (API, admin, staff page) hand it to the service.

Field paths in errors follow the JSON API's create body (docs/api.md)
(`maintweets[0].url`, `alert_preferences.channels`, ...), so every entry
point can show the same message next to the same field.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from socap_project.api_errors import ApiError
from socap_project.vocabulary import INFLUENCER_TWEET, INVESTOR_TWEET, MAIN_TWEET

# Tweet list keys of the create body (docs/api.md) -> tweet category stored on TrackedTweet.
TWEET_LIST_KEYS = {
    "maintweets": MAIN_TWEET,
    "influencer_twts": INFLUENCER_TWEET,
    "investor_twts": INVESTOR_TWEET,
}
CATEGORY_KEYS = {category: key for key, category in TWEET_LIST_KEYS.items()}
MAX_TWEETS_PER_CAMPAIGN = 500


@dataclass
class TweetInput:
    url: str
    category: str  # main_twt | influencer_twt | investor_twt
    path: str  # where it came from, e.g. "maintweets[2].url"


@dataclass
class AlertPreferencesInput:
    importance_threshold: float = 10
    category_thresholds: dict[str, float] = field(default_factory=dict)
    action_thresholds: dict[str, float] = field(default_factory=dict)
    channels: list[str] = field(default_factory=list)
    slack_webhook_url: str = ""
    extra_recipients: list[str] = field(default_factory=list)
    frequency_window_minutes: int = 30
    alert_spacing_minutes: int = 20
    spike_factor: float = 3.0
    spike_min_engagements: int = 10
    negative_sentiment_threshold: float = -0.5


@dataclass
class CampaignInput:
    launch_name: str
    client_name: str
    client_email: str
    start_date: dt.datetime | None
    end_date: dt.datetime | None
    tweets: list[TweetInput]
    alerts: AlertPreferencesInput = field(default_factory=AlertPreferencesInput)
    cpm_usd: float | None = None
    credit_budget: int | None = None  # X API credits; None = no limit


class CampaignInputError(ApiError):
    """Bad input: field path -> messages. Nothing was stored."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(f"{path}: {' '.join(msgs)}" for path, msgs in errors.items()), errors)


class TweetResolutionUnavailable(ApiError):
    """The X data API could not be asked (rate limit, credits, outage): retry later."""

    status_code = 503

    def __init__(self, reason: str, retry_after: float | None = None):
        super().__init__(
            reason,
            {"tweets": [f"The X data API is unavailable right now ({reason}); nothing was stored, try again."]},
            {"Retry-After": str(int(retry_after))} if retry_after else None,
        )
        self.reason = reason
        self.retry_after = retry_after


# Service error paths -> the form field that shows them (staff page and admin).
FIELD_OF_PATH = {
    "launch_name": "launch_name",
    "client_info.name": "client_name",
    "client_info.email": "client_email",
    "monitor_window.start_date": "start_date",
    "monitor_window.end_date": "end_date",
    "monitor_window": "end_date",
    "alert_preferences.importance_threshold": "importance_threshold",
    "alert_preferences.category_thresholds": "category_thresholds",
    "alert_preferences.action_thresholds": "action_thresholds",
    "alert_preferences.channels": "channels",
    "alert_preferences.slack_webhook_url": "slack_webhook_url",
    "alert_preferences.extra_recipients": "extra_recipients",
    "alert_preferences.frequency_window_minutes": "frequency_window_minutes",
    "alert_preferences.alert_spacing_minutes": "alert_spacing_minutes",
    "alert_preferences.spike_factor": "spike_factor",
    "alert_preferences.spike_min_engagements": "spike_min_engagements",
    "alert_preferences.negative_sentiment_threshold": "negative_sentiment_threshold",
    "cpm_usd": "cpm_usd",
    "credit_budget": "credit_budget",
}
