"""Admin forms: validation and tweet lookup in clean(), writes in the admin's save_model()."""

from __future__ import annotations

from django import forms

from campaigns import services
from campaigns.inputs import (
    CATEGORY_KEYS,
    FIELD_OF_PATH,
    AlertPreferencesInput,
    CampaignInput,
    CampaignInputError,
    TweetInput,
    TweetResolutionUnavailable,
)
from campaigns.models import Campaign

URL_FIELDS = {
    "main_twt": "main_tweet_urls",
    "influencer_twt": "influencer_tweet_urls",
    "investor_twt": "investor_tweet_urls",
}
ALERT_FIELDS = (
    "importance_threshold", "category_thresholds", "action_thresholds", "channels", "slack_webhook_url",
    "extra_recipients", "frequency_window_minutes", "alert_spacing_minutes", "negative_sentiment_threshold",
)


def _url_field(label: str) -> forms.CharField:
    return forms.CharField(
        label=label, required=False, widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
        help_text="Paste one tweet URL per line.",
    )


class _UrlListsMixin:
    def tweet_inputs(self) -> list[TweetInput]:
        tweets = []
        for category, field in URL_FIELDS.items():
            lines = [line.strip() for line in (self.cleaned_data.get(field) or "").splitlines() if line.strip()]
            key = CATEGORY_KEYS[category]
            tweets += [TweetInput(url=u, category=category, path=f"{key}[{i}].url") for i, u in enumerate(lines)]
        return tweets

    def prepare(self, step, *args) -> None:
        """Run a service's checks and lookups; their errors land on the form's fields."""
        try:
            self.prepared = step(*args)
        except CampaignInputError as exc:
            self.add_service_errors(exc.errors)
        except TweetResolutionUnavailable as exc:
            raise forms.ValidationError(f"The X data API is unavailable ({exc.reason}); nothing was saved.") from exc

    def add_service_errors(self, errors: dict[str, list[str]]) -> None:
        for path, messages in errors.items():
            field = FIELD_OF_PATH.get(path)
            for key, category in ((k, c) for c, k in CATEGORY_KEYS.items()):
                if path.startswith(f"{key}["):
                    line = int(path[len(key) + 1 : path.index("]")]) + 1
                    field, messages = URL_FIELDS[category], [f"Line {line}: {m}" for m in messages]
            if path == "tweets":
                field = URL_FIELDS["main_twt"]
            for message in messages:
                self.add_error(field if field in self.fields else None, message)


class _DefaultSentimentThreshold:
    """The negative-sentiment threshold may be left empty (or be missing from a scripted post): the default."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["negative_sentiment_threshold"].required = False

    def clean_negative_sentiment_threshold(self):
        value = self.cleaned_data.get("negative_sentiment_threshold")
        return Campaign._meta.get_field("negative_sentiment_threshold").default if value is None else value


class CampaignAddForm(_DefaultSentimentThreshold, _UrlListsMixin, forms.ModelForm):
    main_tweet_urls = _url_field("Main tweets")
    influencer_tweet_urls = _url_field("Influencer tweets")
    investor_tweet_urls = _url_field("Investor tweets")

    class Meta:
        model = Campaign
        fields = ("launch_name", "client_name", "client_email", "start_date", "end_date", "cpm_usd", *ALERT_FIELDS)

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        data = CampaignInput(
            launch_name=cleaned["launch_name"],
            client_name=cleaned["client_name"],
            client_email=cleaned["client_email"],
            start_date=cleaned["start_date"],
            end_date=cleaned["end_date"],
            tweets=self.tweet_inputs(),
            alerts=AlertPreferencesInput(**{name: cleaned.get(name) for name in ALERT_FIELDS}),
            cpm_usd=cleaned.get("cpm_usd"),
        )
        self.prepare(services.prepare_campaign, data)
        return cleaned


class CampaignChangeForm(_DefaultSentimentThreshold, _UrlListsMixin, forms.ModelForm):
    main_tweet_urls = _url_field("Add main tweets")
    influencer_tweet_urls = _url_field("Add influencer tweets")
    investor_tweet_urls = _url_field("Add investor tweets")

    class Meta:
        model = Campaign
        fields = ("launch_name", "start_date", "end_date", "cpm_usd", *ALERT_FIELDS)

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        campaign = Campaign.objects.get(pk=self.instance.pk)  # the stored state, not the edited instance
        changes = services.CampaignChanges(
            launch_name=cleaned["launch_name"],
            alerts={name: cleaned.get(name) for name in ALERT_FIELDS},
            start_date=cleaned["start_date"],
            end_date=cleaned["end_date"],
            cpm_usd=cleaned.get("cpm_usd"),
            add_tweets=self.tweet_inputs(),
        )
        self.prepare(services.prepare_changes, campaign, changes)
        return cleaned
