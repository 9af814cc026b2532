"""Orders in the Django admin: read-only. An order's state changes only through
its process (``orders.engine``); ops act from the orders back office
(``/ops/orders/``), which shows the history and the allowed actions."""

from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from doorstep.orders.models import (
    Order,
    OrderEvent,
    OrderLine,
    OrderPhoto,
    OrderTimer,
    RescheduleRequest,
)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> list[str]:
        # Every field shown read-only: then none reaches the inline's model form,
        # which refuses non-editable ones (``public_id``) with a 500.
        return list(self.fields)

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class OrderLineInline(ReadOnlyInline):
    model = OrderLine
    fields = ["kind", "description", "unit_amount", "quantity", "amount"]


class OrderEventInline(ReadOnlyInline):
    model = OrderEvent
    fields = ["created_at", "transition", "from_state", "to_state", "actor", "data"]


class OrderTimerInline(ReadOnlyInline):
    model = OrderTimer
    fields = ["name", "armed_in_state", "due_at", "fired_at", "cancelled_at"]


class RescheduleInline(ReadOnlyInline):
    model = RescheduleRequest
    fields = ["status", "proposed_by", "starts_at", "is_late", "created_at"]


class OrderPhotoInline(ReadOnlyInline):
    model = OrderPhoto
    fields = ["public_id", "image", "created_at"]


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = [
        "public_id",
        "title",
        "state",
        "starts_at",
        "customer",
        "provider",
        "total_amount",
        "currency",
        "created_at",
    ]
    list_filter = ["state", "mode"]
    search_fields = ["public_id", "customer__email", "provider__display_name"]
    date_hierarchy = "starts_at"
    list_select_related = ["customer", "provider"]
    readonly_fields = ["back_office_link"]
    exclude = ["start_code"]
    inlines = [
        OrderLineInline,
        OrderEventInline,
        OrderTimerInline,
        RescheduleInline,
        OrderPhotoInline,
    ]

    @admin.display(description=_("Back office"))
    def back_office_link(self, order: Order) -> str:
        url = reverse("orders:ops_detail", args=[order.public_id])
        return format_html('<a href="{}">{}</a>', url, _("Open the order's page"))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
