from django.contrib import admin, messages
from django.db.models import Count
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from alerts.holding import held_counts
from campaigns import services
from campaigns.admin_forms import CampaignAddForm, CampaignChangeForm
from operations.completion import request_completion
from campaigns.inputs import CampaignInputError
from campaigns.models import Campaign, ReportEmail, TrackedTweet
from alerts.report_email import resend
from campaigns.selectors import campaign_spend, slack_status
from ingestion import selectors as ingestion_selectors
from ingestion import services as ingestion_services


class TrackedTweetInline(admin.TabularInline):
    model = TrackedTweet
    extra = 0
    can_delete = True
    fields = ("category", "tweet_link", "author_username", "metrics_summary", "created_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False  # tweets are added through the URL boxes, which check them against X

    @admin.display(description="Tweet")
    def tweet_link(self, obj):
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', obj.url, obj.tweet_id)

    @admin.display(description="Metrics baseline")
    def metrics_summary(self, obj):
        m = obj.metrics or {}
        if not m:
            return "—"
        return (f"♥ {m.get('likes', 0)} · RT {m.get('retweets', 0)} · Q {m.get('quotes', 0)} · "
                f"R {m.get('replies', 0)} · views {m.get('views', 0)}")


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ("launch_name", "client_name", "status", "start_date", "end_date", "tweet_count",
                    "channel_state", "dashboard_link")
    list_filter = ("status", "client_name")
    search_fields = ("launch_name", "client_name", "client_email")
    date_hierarchy = "start_date"
    actions = ["pause", "resume", "complete_now", "rotate_share_link", "recheck_parked"]
    inlines = [TrackedTweetInline]
    readonly_fields = ("status", "share_link", "slack_state", "disabled_channels_display", "api_spend",
                       "worker_state_table", "created_at", "updated_at", "completed_at")

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = CampaignChangeForm if obj else CampaignAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fieldsets(self, request, obj=None):
        launch = ("launch_name", "client_name", "client_email") if obj is None else ("launch_name",)
        fieldsets = [
            ("Launch", {"fields": (*launch, ("start_date", "end_date"), "cpm_usd", "credit_budget")}),
            ("Tweets" if obj is None else "Add tweets",
             {"fields": ("main_tweet_urls", "influencer_tweet_urls", "investor_tweet_urls")}),
            ("Alerts", {"fields": ("importance_threshold", "channels", "slack_webhook_url", "extra_recipients",
                                   ("frequency_window_minutes", "alert_spacing_minutes"),
                                   ("spike_factor", "spike_min_engagements"), "negative_sentiment_threshold")}),
            ("Thresholds per tweet category", {
                "fields": (("threshold_main_twt", "threshold_influencer_twt", "threshold_investor_twt"),),
                "description": "An engagement on this kind of tweet alerts from this importance on; "
                               "empty = the campaign threshold."}),
            ("Thresholds per action", {
                "fields": (("threshold_retweet", "threshold_reply", "threshold_quote"),),
                "description": "Wins over the tweet-category threshold when both are set; "
                               "empty = not overridden."}),
        ]
        if obj is not None:
            fieldsets.append(("Comparison with earlier launches", {
                "fields": ("show_comparison_to_client", "compare_with"),
                "description": "Staff always see this launch beside earlier ones on the dashboard and report; "
                               "the client only when ticked. No campaign chosen = the same client's latest 5 "
                               "earlier campaigns."}))
            fieldsets.insert(0, ("State", {"fields": ("status", "api_spend", "share_link", "slack_state",
                                                      "disabled_channels_display",
                                                      ("created_at", "updated_at", "completed_at"))}))
            fieldsets.append(("Worker state (MongoDB)", {"fields": ("worker_state_table",),
                                                         "classes": ("collapse",)}))
        return fieldsets

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_tweet_count=Count("tweets"))

    def get_inlines(self, request, obj):
        return self.inlines if obj else []

    def save_model(self, request, obj, form, change):
        if change:
            services.apply_changes(obj, form.prepared)
        else:
            created = services.store_campaign(form.prepared)
            obj.pk = created.pk
            obj.refresh_from_db()

    def save_related(self, request, form, formsets, change):
        if change:
            super().save_related(request, form, formsets, change)  # deletions from the tweets inline

    def delete_model(self, request, obj):
        services.delete_campaign(obj)

    def delete_queryset(self, request, queryset):
        for campaign in queryset:
            services.delete_campaign(campaign)

    @admin.display(description="Tweets", ordering="_tweet_count")
    def tweet_count(self, obj):
        return obj._tweet_count

    @admin.display(description="Channels")
    def channel_state(self, obj):
        parts = []
        for channel in obj.channels:
            problem = " (disabled)" if channel in obj.disabled_channels else ""
            if channel == "slack" and obj.slack_waiting:
                problem = " (waiting for a webhook)"
            parts.append(format_html('<span style="color:{}">{}{}</span>', "#c0392b" if problem else "inherit",
                                     channel, problem))
        return format_html_join(", ", "{}", ((p,) for p in parts)) if parts else "—"

    @admin.display(description="Dashboard")
    def dashboard_link(self, obj):
        return format_html('<a href="{}">Open</a>', reverse("dashboard:staff", args=[obj.pk]))

    @admin.display(description="Client share link")
    def share_link(self, obj):
        path = reverse("dashboard:client", args=[obj.share_token])
        return format_html('<a href="{}" target="_blank">{}</a><br><small>Use the "Rotate client share link" '
                           'action to invalidate it.</small>', path, path)

    @admin.display(description="Slack")
    def slack_state(self, obj):
        status = slack_status(obj)
        try:
            counts = held_counts(obj)
        except Exception:  # noqa: BLE001 - the page must render while Mongo is down
            counts = None
        held = ""
        if counts and (counts["held"] or counts["skipped"]):
            held = f" {counts['held']} alert(s) held for Slack; {counts['skipped']} skipped (older than 24 h)."
        if status == "waiting_for_webhook":
            return format_html('<strong style="color:#c0392b">Waiting for a webhook.</strong> Email alerts go out '
                               'meanwhile; Slack alerts are held and sent once the webhook below is set.{}', held)
        labels = {"not_used": "Not used", "disabled": "Disabled (see below)", "webhook": "Campaign webhook",
                  "default_webhook": "Deployment default webhook (SOCAP_DEFAULT_SLACK_WEBHOOK_URL)"}
        return labels[status] + held

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.slack_waiting and request.method == "GET":
            self.message_user(request, "Slack is waiting for a webhook: set “Slack webhook url” below to start "
                              "Slack delivery (held alerts are sent then). Email alerts go out meanwhile.",
                              messages.WARNING)
        return super().render_change_form(request, context, add, change, form_url, obj)

    @admin.display(description="Disabled channels")
    def disabled_channels_display(self, obj):
        if not obj.disabled_channels:
            return "None"
        return format_html_join(format_html("<br>"), "<b>{}</b>: {}", obj.disabled_channels.items())

    @admin.display(description="X API spend")
    def api_spend(self, obj):
        try:
            spend = campaign_spend(obj)
        except Exception as exc:  # noqa: BLE001 - the page must render while Mongo is down
            return f"MongoDB unavailable: {exc}"
        budget = spend["budget"]
        used = (f" of a {budget['credits']:,}-credit budget ({budget['used_percent']}%)" if budget["credits"]
                else " (no budget)")
        return format_html(
            "{}{} credits (${}) in {} requests; {} credits (${}) projected by the end of the window.{}",
            format_html('<strong style="color:#c0392b">Polling blocked: {}</strong><br>', spend["blocked_reason"])
            if spend["blocked"] else "",
            f"{spend['credits']:,}{used}", f"{spend['usd']:.2f}", f"{spend['requests']:,}",
            f"{spend['projection']['credits_at_end']:,}", f"{spend['projection']['usd_at_end']:.2f}",
            format_html('<br><a href="{}">Details on the dashboard</a>', reverse("dashboard:staff", args=[obj.pk])),
        )

    @admin.display(description="Worker state per tweet")
    def worker_state_table(self, obj):
        try:
            states = ingestion_selectors.states_for_campaign(obj.mongo_id)
        except Exception as exc:  # noqa: BLE001 - the page must render while Mongo is down
            return f"MongoDB unavailable: {exc}"
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (s["tweet_id"], s["job_type"], s.get("last_success") or "never", s.get("cursor") or "—",
                 "—" if ingestion_selectors.is_parked(s) else (s.get("blocked_until") or "—"),
                 format_html('<b style="color:#c0392b">PARKED</b> since {}: {}', s["parked"]["at"],
                             s["parked"]["reason"]) if ingestion_selectors.is_parked(s) else "—",
                 s.get("last_error") or "—", s.get("retry_count", 0))
                for s in states
            ),
        )
        return format_html(
            "<table><thead><tr><th>Tweet</th><th>Job</th><th>Last success</th><th>Cursor</th>"
            "<th>Blocked until</th><th>Parked (permanent error)</th><th>Last error</th><th>Retries</th></tr>"
            "</thead><tbody>{}</tbody></table><small>A parked job sends no request until the "
            "\"Re-check parked tweets\" action lifts it and polls the tweet once.</small>",
            rows,
        )

    def _set_status(self, request, queryset, status, verb):
        done = 0
        for campaign in queryset:
            try:
                services.set_status(campaign, status)
                done += 1
            except CampaignInputError as exc:
                self.message_user(request, f"{campaign}: {exc}", messages.WARNING)
        self.message_user(request, f"{verb} {done} campaign(s).", messages.SUCCESS)

    @admin.action(description="Pause selected campaigns")
    def pause(self, request, queryset):
        self._set_status(request, queryset, Campaign.Status.PAUSED, "Paused")

    @admin.action(description="Resume selected campaigns")
    def resume(self, request, queryset):
        self._set_status(request, queryset, Campaign.Status.ACTIVE, "Resumed")

    @admin.action(description="Complete now (last poll, then the final report)")
    def complete_now(self, request, queryset):
        open_ones = list(queryset.exclude(status=Campaign.Status.COMPLETED))
        started = sum(request_completion(campaign) for campaign in open_ones)
        self.message_user(request, f"Completion started for {started} campaign(s): a last poll runs, then "
                          "the report is frozen and the events archived.", messages.SUCCESS)

    @admin.action(description="Rotate client share link")
    def rotate_share_link(self, request, queryset):
        for campaign in queryset:
            services.rotate_share_token(campaign)
        self.message_user(request, f"New share links for {queryset.count()} campaign(s); old links now 404.",
                          messages.SUCCESS)

    @admin.action(description="Re-check parked tweets (lift the park and poll once)")
    def recheck_parked(self, request, queryset):
        total = 0
        for campaign in queryset:
            tweets = ingestion_services.recheck_parked(campaign.pk, campaign.mongo_id)
            total += len(tweets)
            if tweets:
                self.message_user(request, f"{campaign}: re-checking {', '.join(tweets)}; a tweet still deleted "
                                  "or protected is parked again.", messages.SUCCESS)
        if not total:
            self.message_user(request, "No parked tweet in the selected campaign(s).", messages.INFO)


@admin.register(ReportEmail)
class ReportEmailAdmin(admin.ModelAdmin):
    """The "final report is ready" emails: sent once; an `unknown` one can be sent again here."""

    list_display = ("campaign", "state", "attempts", "sent_at", "next_attempt_at", "last_error")
    list_filter = ("state",)
    readonly_fields = ("campaign", "state", "attempts", "next_attempt_at", "started_at", "sent_at", "last_error",
                       "created_at")
    actions = ["send_again"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Send the report email again")
    def send_again(self, request, queryset):
        queued = sum(resend(row.campaign) for row in queryset.select_related("campaign"))
        self.message_user(request, f"{queued} report email(s) will be sent within a minute.", messages.SUCCESS)
