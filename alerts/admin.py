from django.contrib import admin

from alerts.models import AlertHistory, DeliveryAttempt


class DeliveryAttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    readonly_fields = ("at", "ok", "permanent", "status_code", "error")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(AlertHistory)
class AlertHistoryAdmin(admin.ModelAdmin):
    list_display = ("created_at", "campaign", "username", "action_type", "channel", "status", "importance_score",
                    "timestamp_hour", "sent_at")
    list_filter = ("campaign", "channel", "action_type", "status")
    search_fields = ("username", "user_id")
    date_hierarchy = "created_at"
    inlines = [DeliveryAttemptInline]
    readonly_fields = [f.name for f in AlertHistory._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
