"""Alert history: what was sent, on which channel, and every delivery attempt (Django database)."""

from django.db import models

from campaigns.models import Campaign


class AlertHistory(models.Model):
    class Status(models.TextChoices):
        # SENDING reserves the (account, action, hour, channel) slot before delivery, so a
        # second sender cannot send it too; delivery_started_at tells a crash before the
        # request went out (safe to resend) from one during it (outcome unknown).
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        UNKNOWN = "unknown", "Outcome unknown"

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="alert_history")
    user_id = models.CharField(max_length=32)
    username = models.CharField(max_length=100, blank=True)
    action_type = models.CharField(max_length=16)
    # The engagement's hour: the same account doing the same thing in the same hour alerts once.
    timestamp_hour = models.DateTimeField()
    channel = models.CharField(max_length=16, choices=Campaign.Channel.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SENT)
    importance_score = models.FloatField(default=0)
    message = models.TextField(blank=True)
    queue_id = models.CharField(max_length=32, blank=True, help_text="alert_queue document id")
    delivery_started_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "alert history"
        constraints = [
            models.UniqueConstraint(fields=["campaign", "user_id", "action_type", "timestamp_hour", "channel"],
                                    name="alert_once_per_account_action_hour_channel"),
        ]
        indexes = [models.Index(fields=["campaign", "-sent_at"], name="alert_campaign_sent")]

    def __str__(self) -> str:
        return f"@{self.username or self.user_id} {self.action_type} → {self.channel}"


class DeliveryAttempt(models.Model):
    alert = models.ForeignKey(AlertHistory, on_delete=models.CASCADE, related_name="attempts")
    ok = models.BooleanField()
    permanent = models.BooleanField(default=False)
    status_code = models.IntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at"]
