"""The common document types, and the one requirement every marketplace starts
with: an ID card from every provider, everywhere.

Written once for trust migration 0003 (which passes its historical models) and
for databases emptied since (a test's flush, the demo), which pass the real ones.
"""

DOCUMENT_TYPES = [
    # code, English, Simplified, Traditional, has number, expires, badge
    ("id_card", "ID card", "身份证", "身分證", True, False, "id_verified"),
    ("passport", "Passport", "护照", "護照", True, True, "id_verified"),
    (
        "health_certificate",
        "Health certificate",
        "健康证",
        "健康證明",
        True,
        True,
        "health_certificate",
    ),
    (
        "electrician_licence",
        "Electrician licence",
        "电工证",
        "電工執照",
        True,
        True,
        "licensed",
    ),
    (
        "plumber_licence",
        "Plumber licence",
        "水暖工证",
        "水電工執照",
        True,
        True,
        "licensed",
    ),
    (
        "business_licence",
        "Business licence",
        "营业执照",
        "營業登記",
        True,
        True,
        "",
    ),
    (
        "background_check",
        "Certificate of no criminal record",
        "无犯罪记录证明",
        "良民證",
        False,
        True,
        "background_checked",
    ),
]


def ensure_document_types(DocumentType, DocumentRequirement) -> None:  # noqa: N803
    for code, en, hans, hant, has_number, has_expiry, badge in DOCUMENT_TYPES:
        DocumentType.objects.update_or_create(
            code=code,
            defaults={
                "name_en": en,
                "name_zh_hans": hans,
                "name_zh_hant": hant,
                "has_number": has_number,
                "has_expiry": has_expiry,
                "grants_badge": badge,
            },
        )
    DocumentRequirement.objects.get_or_create(
        document_type=DocumentType.objects.get(code="id_card"),
        category=None,
        region="",
        defaults={"mandatory": True},
    )
