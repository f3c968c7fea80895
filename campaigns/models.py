"""Campaigns and the tweets they track (Django database: edited in the admin)."""

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from campaigns.validation import validate_credit_budget
from socap_project.vocabulary import INFLUENCER_TWEET, INVESTOR_TWEET, MAIN_TWEET, TWEET_CATEGORY_NAMES


def new_share_token() -> str:
    return secrets.token_urlsafe(24)


class Campaign(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        PAUSED = "paused", "Paused"
        COMPLETED = "completed", "Completed"

    class Channel(models.TextChoices):
        SLACK = "slack", "Slack"
        EMAIL = "email", "Email"

    launch_name = models.CharField(max_length=200)
    client_name = models.CharField(max_length=200)
    client_email = models.EmailField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE, db_index=True)
    start_date = models.DateTimeField()
    end_date = models.DateTimeField(db_index=True)

    # Alert preferences. An engagement alerts when its importance reaches the
    # threshold; a per-tweet-category or per-action override replaces it (the
    # action override wins when both are set).
    importance_threshold = models.FloatField(default=10)
    category_thresholds = models.JSONField(
        default=dict, blank=True, help_text='e.g. {"investor_twt": 5} (keys: main_twt, influencer_twt, investor_twt)'
    )
    action_thresholds = models.JSONField(
        default=dict, blank=True, help_text='e.g. {"quote": 3, "retweet": 20} (keys: retweet, reply, quote)'
    )
    channels = models.JSONField(default=list, blank=True, help_text='Any of "slack", "email".')
    slack_webhook_url = models.URLField(blank=True, max_length=500)
    extra_recipients = models.JSONField(default=list, blank=True, help_text="More email addresses for alerts.")
    frequency_window_minutes = models.PositiveIntegerField(default=30)
    alert_spacing_minutes = models.PositiveIntegerField(default=20)
    # Spike alert: a tweet (or the campaign) collecting at least spike_min_engagements new engagements
    # at spike_factor times its trailing rate (alerts/spikes.py).
    spike_factor = models.FloatField(
        default=3.0, help_text="An engagement rate this many times the trailing rate is a spike.")
    spike_min_engagements = models.PositiveIntegerField(
        default=10, help_text="Fewest new engagements (of a tweet, or of the campaign in one poll cycle) "
                              "that can be a spike.")
    # A reply or quote whose VADER compound score is at or below this, from an account at or above the
    # importance threshold, alerts as "strongly negative" (and goes out first in its run).
    negative_sentiment_threshold = models.FloatField(
        default=-0.5, help_text="VADER compound score (−1 … 0) at or below which an important account's reply "
                                "or quote alerts as strongly negative.")
    # channel -> reason, set when a channel failed permanently (e.g. webhook 404).
    disabled_channels = models.JSONField(default=dict, blank=True)

    cpm_usd = models.FloatField(null=True, blank=True, help_text="CPM for earned media value; empty = default.")
    action_values = models.JSONField(
        default=dict, blank=True,
        help_text='USD value per engagement for the engagement-based figure, '
                  'e.g. {"retweet": 0.5, "reply": 1, "quote": 2}',
    )
    # Credits this campaign may spend on the X data API ($1 = 100,000 credits); empty = no limit.
    # At 100 % polling stops (xapi/account/budget.py) until staff raise it.
    credit_budget = models.BigIntegerField(
        null=True, blank=True, validators=[validate_credit_budget],
        help_text="X API credits this campaign may spend ($1 = 100,000); empty = no limit.",
    )
    share_token = models.CharField(max_length=64, unique=True, default=new_share_token, editable=False)
    # Comparison with earlier launches (dashboard/comparison_selectors.py): staff always see it; the
    # client's dashboard and report only when this is ticked. Empty `compare_with` = the client's
    # latest earlier campaigns.
    show_comparison_to_client = models.BooleanField(
        default=False, help_text="Show the comparison with earlier launches on the client's dashboard and report.")
    compare_with = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="+",
        help_text="Up to 5 earlier campaigns to compare with; empty = the same client's latest 5 earlier ones.")

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    # Set when the final poll was asked for; the report is frozen once that poll is done.
    completion_requested_at = models.DateTimeField(null=True, blank=True)
    # The finaliser's claim (operations/completion.py): only its holder freezes, archives and completes.
    finalizing_until = models.DateTimeField(null=True, blank=True)
    # When the archive was last checked against the database; only then may its documents be purged.
    archive_verified_at = models.DateTimeField(null=True, blank=True)
    # When the archived documents were removed from MongoDB (`socap_purge_campaign`, or automatically).
    purged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "end_date"], name="campaign_status_end")]

    def __str__(self) -> str:
        return f"{self.launch_name} ({self.client_name})"

    @property
    def mongo_id(self) -> str:
        """The campaign_id stored on every MongoDB document of this campaign."""
        return str(self.pk)

    def in_window(self, now=None) -> bool:
        now = now or timezone.now()
        return self.start_date <= now < self.end_date

    def effective_cpm(self) -> float:
        return self.cpm_usd if self.cpm_usd is not None else settings.SOCAP_DEFAULT_CPM_USD

    def threshold_for(self, tweet_category: str, action_type: str) -> float:
        if action_type in self.action_thresholds:
            return float(self.action_thresholds[action_type])
        if tweet_category in self.category_thresholds:
            return float(self.category_thresholds[tweet_category])
        return float(self.importance_threshold)

    def active_channels(self) -> list[str]:
        return [c for c in self.channels if c not in self.disabled_channels]

    def slack_webhook(self) -> str:
        """The campaign's own webhook, else the deployment-wide default; empty when neither is set."""
        return self.slack_webhook_url or settings.SOCAP_DEFAULT_SLACK_WEBHOOK_URL

    @property
    def slack_waiting(self) -> bool:
        """Slack is asked for but there is no webhook to post to yet: its alerts are held, email goes out."""
        return "slack" in self.channels and not self.slack_webhook()

    def rotate_share_token(self) -> None:
        self.share_token = new_share_token()
        self.save(update_fields=["share_token", "updated_at"])


class TrackedTweet(models.Model):
    class Category(models.TextChoices):
        MAIN = MAIN_TWEET, TWEET_CATEGORY_NAMES[MAIN_TWEET].capitalize()
        INFLUENCER = INFLUENCER_TWEET, TWEET_CATEGORY_NAMES[INFLUENCER_TWEET].capitalize()
        INVESTOR = INVESTOR_TWEET, TWEET_CATEGORY_NAMES[INVESTOR_TWEET].capitalize()

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="tweets")
    tweet_id = models.CharField(max_length=32, db_index=True)
    url = models.URLField(max_length=500)
    category = models.CharField(max_length=20, choices=Category.choices)
    author_name = models.CharField(max_length=200, blank=True)
    author_username = models.CharField(max_length=100, blank=True)
    # Latest metrics baseline under SOCAP's names (socap_project/vocabulary.py METRICS: likes, retweets,
    # quotes, replies, views, bookmarks) and last_updated (ISO time). Deltas are computed against it.
    metrics = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["category", "id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "tweet_id"], name="unique_tweet_per_campaign"),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()} tweet {self.tweet_id}"


class ReportEmail(models.Model):
    """The outbox of the "final report is ready" email: written with the status flip, sent once.

    A sender claims the row (`pending` -> `sending`) before it calls SMTP and marks it `sent` after;
    an SMTP failure puts it back to `pending` for a later attempt. A `sending` row whose sender died
    is marked `unknown` rather than sent twice (the message may have left before the crash).
    """

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        UNKNOWN = "unknown", "Outcome unknown (sender died mid-send)"
        FAILED = "failed", "Failed (permanent)"

    campaign = models.OneToOneField(Campaign, on_delete=models.CASCADE, related_name="report_email")
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="report_email_due")]

    def __str__(self) -> str:
        return f"report email of campaign {self.campaign_id}: {self.state}"
