"""Forms for the staff create page and the admin; the rules live in campaigns.validation."""

from __future__ import annotations

import json
import re

from django import forms
from django.urls import reverse

from campaigns.inputs import (
    CATEGORY_KEYS,
    FIELD_OF_PATH,
    AlertPreferencesInput,
    CampaignInput,
    TweetInput,
)
from campaigns.validation import validate_credit_budget
from socap_project.vocabulary import CHANNELS

_RECIPIENT_SEPARATORS = re.compile(r"[,\n;]+")


def split_recipients(text: str | None) -> list[str]:
    """Email addresses typed by staff: comma-separated or one per line (the service checks each)."""
    return [part.strip() for part in _RECIPIENT_SEPARATORS.split(text or "") if part.strip()]


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class CampaignForm(forms.Form):
    launch_name = forms.CharField(max_length=200)
    client_name = forms.CharField(max_length=200)
    client_email = forms.EmailField()
    start_date = forms.DateTimeField(widget=DateTimeLocalInput(), help_text="UTC")
    end_date = forms.DateTimeField(widget=DateTimeLocalInput(), help_text="UTC; typically 3 days after the start")
    importance_threshold = forms.FloatField(initial=10, min_value=0)
    channels = forms.MultipleChoiceField(
        choices=[(c, c.title()) for c in CHANNELS], widget=forms.CheckboxSelectMultiple, required=False
    )
    slack_webhook_url = forms.URLField(required=False, max_length=500)
    extra_recipients = forms.CharField(required=False, help_text="Comma-separated or one per line")
    frequency_window_minutes = forms.IntegerField(initial=30, min_value=1, max_value=1440)
    alert_spacing_minutes = forms.IntegerField(initial=20, min_value=1, max_value=1440)
    spike_factor = forms.FloatField(initial=3.0, min_value=1.5, max_value=100,
                                    help_text="Spike alert: an engagement rate this many times the trailing rate")
    spike_min_engagements = forms.IntegerField(initial=10, min_value=1, max_value=1_000_000,
                                               help_text="Spike alert: fewest new engagements that can be a spike")
    cpm_usd = forms.FloatField(required=False, min_value=0, label="CPM (USD)", help_text="Empty: the default CPM")
    credit_budget = forms.IntegerField(
        required=False, label="API credit budget", validators=[validate_credit_budget],
        help_text="X API credits ($1 = 100,000); polling stops at 100 %, staff are warned at 80 %. Empty: no limit",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        url = reverse("campaigns:create")
        for name, field in self.fields.items():
            # Each field validates itself on change: the view re-renders just that field.
            field.widget.attrs.update({
                "hx-post": url,
                "hx-trigger": "change",
                "hx-target": f"#field-{name}",
                "hx-swap": "outerHTML",
                "hx-include": "closest form",
                "hx-vals": json.dumps({"_validate": name}),
            })

    def tweet_urls(self) -> dict[str, list[str]]:
        """URL rows per category, as posted (several inputs with the same name)."""
        return {
            category: [u.strip() for u in self.data.getlist(f"tweets_{category}") if u.strip()]
            for category in CATEGORY_KEYS
        }

    def to_input(self) -> CampaignInput:
        data = self.cleaned_data
        tweets = [
            TweetInput(url=url, category=category, path=f"{CATEGORY_KEYS[category]}[{index}].url")
            for category, urls in self.tweet_urls().items()
            for index, url in enumerate(urls)
        ]
        recipients = split_recipients(data.get("extra_recipients"))
        return CampaignInput(
            launch_name=data["launch_name"],
            client_name=data["client_name"],
            client_email=data["client_email"],
            start_date=data["start_date"],
            end_date=data["end_date"],
            tweets=tweets,
            alerts=AlertPreferencesInput(
                importance_threshold=data["importance_threshold"],
                channels=list(data["channels"]),
                slack_webhook_url=data.get("slack_webhook_url") or "",
                extra_recipients=recipients,
                frequency_window_minutes=data["frequency_window_minutes"],
                alert_spacing_minutes=data["alert_spacing_minutes"],
                spike_factor=data["spike_factor"],
                spike_min_engagements=data["spike_min_engagements"],
            ),
            cpm_usd=data.get("cpm_usd"),
            credit_budget=data.get("credit_budget"),
        )

    def tweet_errors(self, errors: dict[str, list[str]]) -> dict[str, dict[int, list[str]]]:
        """Service errors about tweet rows -> {category: {row index: messages}}."""
        by_row: dict[str, dict[int, list[str]]] = {c: {} for c in CATEGORY_KEYS}
        for path, messages in errors.items():
            for category, key in CATEGORY_KEYS.items():
                if path.startswith(f"{key}["):
                    index = int(path[len(key) + 1 : path.index("]")])
                    by_row[category].setdefault(index, []).extend(messages)
        return by_row

    def apply_service_errors(self, errors: dict[str, list[str]]) -> None:
        for path, messages in errors.items():
            if path.startswith(tuple(f"{key}[" for key in CATEGORY_KEYS.values())):
                continue  # shown on the URL row itself
            field = FIELD_OF_PATH.get(path)
            for message in messages:
                self.add_error(field if field in self.fields else None, message)
