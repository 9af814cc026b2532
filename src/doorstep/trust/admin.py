"""What ops configure for onboarding, until the console's settings pages exist:
the document types and which of them each category and region requires.

Applications and documents are not here on purpose: decisions go through
``/ops/verification/`` (audited, the provider told), and document files are
opened only through the logged view."""

from django.contrib import admin

from doorstep.trust.models import DocumentRequirement, DocumentType


@admin.register(DocumentType)
class DocumentTypeAdmin(admin.ModelAdmin):
    list_display = ["code", "name_en", "has_number", "has_expiry", "grants_badge"]
    search_fields = ["code", "name_en", "name_zh_hans", "name_zh_hant"]


@admin.register(DocumentRequirement)
class DocumentRequirementAdmin(admin.ModelAdmin):
    list_display = ["document_type", "category", "region", "mandatory"]
    list_filter = ["document_type", "mandatory", "region"]
    autocomplete_fields = ["category"]
