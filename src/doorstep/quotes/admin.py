"""What ops configure for requests for quotes: the questions asked per
category (every add, change and delete audited, as all of the admin is).

Requests, invitations and quotes are read-only here: every change to one goes
through ``quotes.services`` (the parties told, the money moved through the
ledger)."""

from django.contrib import admin

from doorstep.quotes.models import CategoryQuestion, Invitation, JobRequest, Quote


@admin.register(CategoryQuestion)
class CategoryQuestionAdmin(admin.ModelAdmin):
    list_display = ["label_en", "category", "kind", "required", "position"]
    list_filter = ["kind", "required"]
    ordering = ["category", "position", "pk"]
    search_fields = ["label_en", "label_zh_hans", "label_zh_hant"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class InvitationInline(admin.TabularInline):
    model = Invitation
    fields = ["provider", "rank", "score", "distance_km", "status", "sent_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(JobRequest)
class JobRequestAdmin(ReadOnlyAdmin):
    list_display = ["public_id", "title", "category", "city", "status", "created_at"]
    list_filter = ["status", "city"]
    search_fields = ["public_id", "title", "customer__email"]
    inlines = [InvitationInline]


@admin.register(Quote)
class QuoteAdmin(ReadOnlyAdmin):
    list_display = [
        "public_id",
        "request",
        "provider",
        "pricing",
        "amount",
        "currency",
        "status",
        "lead_fee",
    ]
    list_filter = ["status", "pricing", "lead_fee"]
    search_fields = ["public_id", "request__public_id", "provider__display_name"]
