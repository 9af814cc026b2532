from django.contrib import admin

from doorstep.promotions.models import Promotion


@admin.register(Promotion)
class PromotionAdmin(admin.ModelAdmin):
    """Read-only: a promotion is bought by its provider and charged through the
    ledger; nothing here changes one."""

    list_display = [
        "public_id",
        "listing",
        "mode",
        "status",
        "days",
        "starts_at",
        "ends_at",
        "total",
        "daily_budget",
        "refunded_days",
    ]
    list_filter = ["status", "mode"]
    search_fields = ["public_id", "listing__public_id", "listing__title"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
