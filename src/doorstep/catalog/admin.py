"""The catalogue in the back office: the category tree, every listing (for
moderation) and the platform's own catalogue services.

Ops edit listings here directly, not through ``services.py`` (which only lets
owners act); what search shows is kept in step by re-indexing after each save.
"""

from django.contrib import admin
from django.db.models import F, QuerySet
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from doorstep.catalog.models import (
    CatalogueService,
    Category,
    Listing,
    ListingAddOn,
    ListingPhoto,
)
from doorstep.search.indexing import index_category, index_listing, remove_listing


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = [
        "tree_name",
        "slug",
        "parent",
        "position",
        "commission_percent",
        "warranty_days",
        "is_active",
    ]
    list_editable = ["position", "is_active"]
    list_filter = ["is_active", ("parent", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["slug", "name_en", "name_zh_hans", "name_zh_hant"]
    prepopulated_fields = {"slug": ["name_en"]}
    autocomplete_fields = ["parent"]
    readonly_fields = ["public_id"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "public_id",
                    "parent",
                    "slug",
                    "icon",
                    "position",
                    "is_active",
                ]
            },
        ),
        (_("Names"), {"fields": ["name_en", "name_zh_hans", "name_zh_hant"]}),
        (
            _("Descriptions"),
            {
                "fields": [
                    "description_en",
                    "description_zh_hans",
                    "description_zh_hant",
                ]
            },
        ),
        (
            _("Service standard"),
            {
                "fields": [
                    "standard_en",
                    "standard_zh_hans",
                    "standard_zh_hant",
                    "warranty_days",
                ]
            },
        ),
        (_("Money"), {"fields": ["commission_bps"]}),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Category]:
        return super().get_queryset(request).select_related("parent")

    def get_ordering(self, request: HttpRequest) -> list:
        # Roots in their order, each followed by its children in theirs.
        return [
            Coalesce("parent__position", "position"),
            Coalesce("parent__slug", "slug"),
            F("parent").asc(nulls_first=True),
            "position",
            "slug",
        ]

    def save_model(
        self, request: HttpRequest, obj: Category, form: object, change: bool
    ) -> None:
        super().save_model(request, obj, form, change)
        # Names, the tree and switching a category off all show in search. This
        # rewrites every listing below it: slow for a huge category, and rare.
        if change:
            index_category(obj)

    @admin.display(description=_("category"))
    def tree_name(self, category: Category) -> str:
        return f"— {category.name_en}" if category.parent_id else category.name_en

    @admin.display(description=_("commission"), ordering="commission_bps")
    def commission_percent(self, category: Category) -> str:
        return f"{category.commission_bps / 100:g}%"


class ListingAddOnInline(admin.TabularInline):
    model = ListingAddOn
    extra = 0
    fields = ["name", "price_amount", "extra_minutes", "position"]


class ListingPhotoInline(admin.TabularInline):
    model = ListingPhoto
    extra = 0
    fields = ["image", "thumbnail", "width", "height", "alt_text", "position"]
    readonly_fields = ["image", "thumbnail", "width", "height"]

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        # Uploads go through the checks and re-encoding in ``photos.py``.
        return False


@admin.register(Listing)
class ListingAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "public_id",
        "provider",
        "category",
        "status",
        "pricing_model",
        "price_display",
        "instant_book",
        "rating_count",
        "published_at",
    ]
    list_filter = [
        "status",
        ("category", admin.RelatedOnlyFieldListFilter),
        "pricing_model",
        "instant_book",
        "currency",
    ]
    search_fields = [
        "=public_id",
        "title",
        "provider__display_name",
        "=provider__public_id",
        "provider__user__email",
    ]
    raw_id_fields = ["provider", "category"]
    list_select_related = ["provider", "category"]
    readonly_fields = [
        "public_id",
        "h3_cell",
        "promoted_until",
        "rating_count",
        "rating_mean",
        "created_at",
        "updated_at",
        "published_at",
    ]
    inlines = [ListingAddOnInline, ListingPhotoInline]
    show_full_result_count = False  # COUNT(*) over a million rows on every page

    @admin.display(description=_("price"), ordering="price_amount")
    def price_display(self, listing: Listing) -> str:
        return "—" if listing.price is None else listing.price.format()

    def save_model(
        self, request: HttpRequest, obj: Listing, form: object, change: bool
    ) -> None:
        obj.locate(obj.latitude, obj.longitude)
        super().save_model(request, obj, form, change)

    def save_related(
        self, request: HttpRequest, form: object, formsets: object, change: bool
    ) -> None:
        super().save_related(request, form, formsets, change)
        index_listing(form.instance)  # type: ignore[attr-defined]

    def delete_model(self, request: HttpRequest, obj: Listing) -> None:
        remove_listing(obj.pk)
        super().delete_model(request, obj)

    def delete_queryset(
        self, request: HttpRequest, queryset: QuerySet[Listing]
    ) -> None:
        for listing_id in queryset.values_list("pk", flat=True):
            remove_listing(listing_id)
        super().delete_queryset(request, queryset)


@admin.register(CatalogueService)
class CatalogueServiceAdmin(admin.ModelAdmin):
    list_display = [
        "title_en",
        "title_zh_hans",
        "title_zh_hant",
        "category",
        "price_amount",
        "currency",
        "duration_minutes",
        "is_active",
    ]
    list_filter = [
        "is_active",
        "currency",
        ("category", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["=public_id", "title_en", "title_zh_hans", "title_zh_hant"]
    autocomplete_fields = ["category"]
    readonly_fields = ["public_id"]
    list_select_related = ["category"]
