from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from doorstep.accounts.models import (
    Agency,
    ApiToken,
    ProviderProfile,
    SavedAddress,
    StaffMember,
    User,
)


class ProviderProfileInline(admin.StackedInline):
    model = ProviderProfile
    extra = 0
    fk_name = "user"


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["-date_joined"]
    list_display = ["public_id", "email", "phone", "name", "is_staff", "is_active"]
    list_filter = ["is_staff", "is_active", "language"]
    search_fields = ["public_id", "email", "phone", "name"]
    readonly_fields = ["public_id", "date_joined", "last_login", "deleted_at"]
    inlines = [ProviderProfileInline]
    fieldsets = [
        (
            None,
            {"fields": ["public_id", "email", "phone", "phone_verified", "password"]},
        ),
        (_("Profile"), {"fields": ["name", "photo", "language", "time_zone"]}),
        (
            _("Permissions"),
            {
                "fields": [
                    "is_active",
                    "is_staff",
                    "is_superuser",
                    "groups",
                    "user_permissions",
                ]
            },
        ),
        (_("Dates"), {"fields": ["date_joined", "last_login", "deleted_at"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["email", "name", "password1", "password2"],
            },
        )
    ]


@admin.register(ProviderProfile)
class ProviderProfileAdmin(admin.ModelAdmin):
    list_display = [
        "public_id",
        "display_name",
        "status",
        "years_experience",
        "created_at",
    ]
    list_filter = ["status"]
    search_fields = ["public_id", "display_name", "user__email"]
    raw_id_fields = ["user", "agency"]
    readonly_fields = ["public_id", "h3_cell"]


class StaffMemberInline(admin.TabularInline):
    model = StaffMember
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["public_id", "name", "owner"]
    search_fields = ["public_id", "name"]
    raw_id_fields = ["owner"]
    inlines = [StaffMemberInline]


@admin.register(SavedAddress)
class SavedAddressAdmin(admin.ModelAdmin):
    list_display = ["public_id", "user", "label", "address", "is_default"]
    raw_id_fields = ["user"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["public_id", "user", "name", "prefix", "created_at", "revoked_at"]
    raw_id_fields = ["user"]
    readonly_fields = ["prefix", "digest"]
