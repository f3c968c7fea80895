"""Admin forms: validation and tweet lookup in clean(), writes in the admin's save_model()."""

from __future__ import annotations

from django import forms

from campaigns import services
from campaigns.forms import split_recipients
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
from campaigns.selectors import EARLIER_LAUNCHES
from socap_project.vocabulary import (
    ACTION_LABELS,
    ACTIONS,
    CHANNELS,
    INFLUENCER_TWEET,
    INVESTOR_TWEET,
    MAIN_TWEET,
    TWEET_CATEGORY_LABELS,
)

URL_FIELDS = {
    MAIN_TWEET: "main_tweet_urls",
    INFLUENCER_TWEET: "influencer_tweet_urls",
    INVESTOR_TWEET: "investor_tweet_urls",
}
# The alert preferences the model stores as plain fields; thresholds, channels and recipients
# have their own widgets below (staff never type JSON).
MODEL_ALERT_FIELDS = ("importance_threshold", "slack_webhook_url", "frequency_window_minutes",
                      "alert_spacing_minutes", "spike_factor", "spike_min_engagements",
                      "negative_sentiment_threshold")
CATEGORY_THRESHOLD_FIELDS = {category: f"threshold_{category}" for category in CATEGORY_KEYS}
ACTION_THRESHOLD_FIELDS = {action: f"threshold_{action}" for action in ACTIONS}
THRESHOLD_LABELS = {**TWEET_CATEGORY_LABELS, **ACTION_LABELS}
# Service error paths of these widgets -> the field that shows them.
WIDGET_FIELD_OF_PATH = {
    **{f"alert_preferences.category_thresholds.{c}": f for c, f in CATEGORY_THRESHOLD_FIELDS.items()},
    **{f"alert_preferences.action_thresholds.{a}": f for a, f in ACTION_THRESHOLD_FIELDS.items()},
}


def _threshold_field(key: str) -> forms.FloatField:
    # No min_value: the service says "Must be zero or more." exactly as the API and the create page do.
    return forms.FloatField(label=THRESHOLD_LABELS[key], required=False,
                            widget=forms.NumberInput(attrs={"step": "any", "placeholder": "campaign threshold"}),
                            help_text="Empty: the campaign threshold.")


class AlertWidgetsMixin(forms.Form):
    """Channels as checkboxes, one number per tweet category and per action, recipients as text."""

    channels = forms.MultipleChoiceField(choices=[(c, c.title()) for c in CHANNELS],
                                         widget=forms.CheckboxSelectMultiple, required=False)
    extra_recipients = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        help_text="More email addresses for alerts: comma-separated or one per line.")
    threshold_main_twt = _threshold_field("main_twt")
    threshold_influencer_twt = _threshold_field("influencer_twt")
    threshold_investor_twt = _threshold_field("investor_twt")
    threshold_retweet = _threshold_field("retweet")
    threshold_reply = _threshold_field("reply")
    threshold_quote = _threshold_field("quote")

    def init_alert_widgets(self, campaign: Campaign | None) -> None:
        if campaign is None or campaign.pk is None:
            return
        self.initial["channels"] = list(campaign.channels)
        self.initial["extra_recipients"] = "\n".join(campaign.extra_recipients)
        for category, name in CATEGORY_THRESHOLD_FIELDS.items():
            self.initial[name] = campaign.category_thresholds.get(category)
        for action, name in ACTION_THRESHOLD_FIELDS.items():
            self.initial[name] = campaign.action_thresholds.get(action)

    def alert_values(self) -> dict:
        """The AlertPreferencesInput fields, as the service takes them."""
        cleaned = self.cleaned_data
        return {
            **{name: cleaned.get(name) for name in MODEL_ALERT_FIELDS},
            "slack_webhook_url": cleaned.get("slack_webhook_url") or "",
            "channels": list(cleaned.get("channels") or []),
            "extra_recipients": split_recipients(cleaned.get("extra_recipients")),
            "category_thresholds": {c: cleaned[f] for c, f in CATEGORY_THRESHOLD_FIELDS.items()
                                    if cleaned.get(f) is not None},
            "action_thresholds": {a: cleaned[f] for a, f in ACTION_THRESHOLD_FIELDS.items()
                                  if cleaned.get(f) is not None},
        }


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
            field = WIDGET_FIELD_OF_PATH.get(path) or FIELD_OF_PATH.get(path)
            for key, category in ((k, c) for c, k in CATEGORY_KEYS.items()):
                if path.startswith(f"{key}["):
                    line = int(path[len(key) + 1 : path.index("]")]) + 1
                    field, messages = URL_FIELDS[category], [f"Line {line}: {m}" for m in messages]
            if path in ("tweets", "add_tweets"):
                field = URL_FIELDS[MAIN_TWEET]
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


class CampaignAddForm(_DefaultSentimentThreshold, _UrlListsMixin, AlertWidgetsMixin, forms.ModelForm):
    main_tweet_urls = _url_field(TWEET_CATEGORY_LABELS[MAIN_TWEET])
    influencer_tweet_urls = _url_field(TWEET_CATEGORY_LABELS[INFLUENCER_TWEET])
    investor_tweet_urls = _url_field(TWEET_CATEGORY_LABELS[INVESTOR_TWEET])

    class Meta:
        model = Campaign
        fields = ("launch_name", "client_name", "client_email", "start_date", "end_date", "cpm_usd", "credit_budget",
                  *MODEL_ALERT_FIELDS)

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
            alerts=AlertPreferencesInput(**self.alert_values()),
            cpm_usd=cleaned.get("cpm_usd"),
            credit_budget=cleaned.get("credit_budget"),
        )
        self.prepare(services.prepare_campaign, data)
        return cleaned


class CampaignChangeForm(_DefaultSentimentThreshold, _UrlListsMixin, AlertWidgetsMixin, forms.ModelForm):
    main_tweet_urls = _url_field(f"Add {TWEET_CATEGORY_LABELS[MAIN_TWEET].lower()}")
    influencer_tweet_urls = _url_field(f"Add {TWEET_CATEGORY_LABELS[INFLUENCER_TWEET].lower()}")
    investor_tweet_urls = _url_field(f"Add {TWEET_CATEGORY_LABELS[INVESTOR_TWEET].lower()}")

    class Meta:
        model = Campaign
        fields = ("launch_name", "start_date", "end_date", "cpm_usd", "credit_budget", *MODEL_ALERT_FIELDS,
                  "show_comparison_to_client", "compare_with")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.init_alert_widgets(self.instance)
        self.fields["compare_with"].queryset = Campaign.objects.exclude(pk=self.instance.pk).order_by("-start_date")

    def clean_compare_with(self):
        chosen = self.cleaned_data["compare_with"]
        if len(chosen) > EARLIER_LAUNCHES:
            raise forms.ValidationError(f"Choose at most {EARLIER_LAUNCHES} campaigns to compare with.")
        return chosen

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        campaign = Campaign.objects.get(pk=self.instance.pk)  # the stored state, not the edited instance
        changes = services.CampaignChanges(
            launch_name=cleaned["launch_name"],
            alerts=self.alert_values(),
            start_date=cleaned["start_date"],
            end_date=cleaned["end_date"],
            cpm_usd=cleaned.get("cpm_usd"),
            credit_budget=cleaned.get("credit_budget"),
            add_tweets=self.tweet_inputs(),
        )
        self.prepare(services.prepare_changes, campaign, changes)
        return cleaned
