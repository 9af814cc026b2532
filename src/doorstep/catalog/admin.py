from django.contrib import admin

from doorstep.catalog.models import Category


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = [
        "slug",
        "name_en",
        "name_zh_hans",
        "name_zh_hant",
        "parent",
        "position",
    ]
    list_filter = ["parent", "is_active"]
    search_fields = ["slug", "name_en", "name_zh_hans", "name_zh_hant"]
    prepopulated_fields = {"slug": ["name_en"]}
