"""The demo's onboarding: what ops require, and providers at every step of it.

The requirements are the operator's (a health certificate 健康证 for cleaning
and care, an electrician licence for electrical work, on top of the ID card
every provider gives). The demo provider login is verified; six applicants
stand one at each step — applying, submitted, changes requested, approved,
rejected, and approved with a certificate about to expire — all through the
real services, with small specimen PDFs for files.

The generated providers of the demo published their services before
onboarding existed here: they keep them (ops can require documents of them
later), as an operator turning the gate on would find.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from doorstep.accounts.models import User
from doorstep.accounts.services import become_provider
from doorstep.catalog.models import Category, PricingModel
from doorstep.catalog.services import create_listing, publish_listing
from doorstep.demo.history import give_listing_photos
from doorstep.trust import queries, services
from doorstep.trust.document_types import ensure_document_types
from doorstep.trust.models import DocumentRequirement, DocumentType

# Operator requirements: (document type, category slug).
REQUIREMENTS = (
    ("health_certificate", "home-cleaning"),
    ("health_certificate", "elderly-child-care"),
    ("electrician_licence", "electrical"),
)


@dataclass(frozen=True)
class Applicant:
    email: str
    name: str
    latitude: float
    longitude: float
    time_zone: str
    category: str
    title: str
    currency: str
    price: int
    step: str  # applying, submitted, changes_requested, approved, rejected, expiring
    address: str = ""
    bio: str = ""
    languages: tuple[str, ...] = ("zh-hans",)


APPLICANTS = (
    Applicant(
        "chen.xiao@applicants.demo.doorstep.dev",
        "陈晓",
        31.2304,
        121.4737,
        "Asia/Shanghai",
        "standard-cleaning",
        "日常保洁 3 小时",
        "CNY",
        15000,
        "applying",
        "上海市黄浦区南京东路",
        "新加入平台的保洁阿姨，做事细致，自带工具。",
        ("zh-hans",),
    ),
    Applicant(
        "lin.meihua@applicants.demo.doorstep.dev",
        "林美華",
        25.0478,
        121.5170,
        "Asia/Taipei",
        "deep-cleaning",
        "全室深度清潔",
        "TWD",
        320000,
        "submitted",
        "台北市中正區忠孝西路",
        "十年居家清潔經驗，擅長廚房與浴室深度清潔。",
        ("zh-hant",),
    ),
    Applicant(
        "marcus.lee@applicants.demo.doorstep.dev",
        "Marcus Lee",
        22.2819,
        114.1580,
        "Asia/Hong_Kong",
        "electrical",
        "插座及燈具維修",
        "HKD",
        45000,
        "changes_requested",
        "Central, Hong Kong",
        "Licensed electrician, fifteen years on residential jobs.",
        ("en", "zh-hant"),
    ),
    Applicant(
        "zhao.qiang@applicants.demo.doorstep.dev",
        "赵强",
        31.2001,
        121.4365,
        "Asia/Shanghai",
        "electrical",
        "电路检修与灯具安装",
        "CNY",
        20000,
        "approved",
        "上海市徐汇区衡山路",
        "持证电工，专做家庭电路检修、灯具和插座安装。",
        ("zh-hans",),
    ),
    Applicant(
        "sam.doyle@applicants.demo.doorstep.dev",
        "Sam Doyle",
        40.7128,
        -74.0060,
        "America/New_York",
        "electrical",
        "Electrical troubleshooting",
        "USD",
        12000,
        "rejected",
        "Lower Manhattan, New York, NY",
        "Handyman and electrician for apartments in Manhattan.",
        ("en",),
    ),
    Applicant(
        "zhou.min@applicants.demo.doorstep.dev",
        "周敏",
        31.2450,
        121.5050,
        "Asia/Shanghai",
        "standard-cleaning",
        "家庭保洁 2 小时",
        "CNY",
        12000,
        "expiring",
        "上海市浦东新区陆家嘴",
        "有健康证的家政服务员，周末也可以预约。",
        ("zh-hans", "en"),
    ),
)


def specimen_pdf(title: str) -> SimpleUploadedFile:
    """A one-page PDF that says what it stands for, in a viewer."""
    text = f"SPECIMEN - {title} - Doorstep demo".encode("ascii", "replace")
    stream = b"BT /F1 18 Tf 72 720 Td (" + text + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    body = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, content in enumerate(objects, start=1):
        offsets.append(len(body))
        body += b"%d 0 obj\n" % number + content + b"\nendobj\n"
    xref = len(body)
    body += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    body += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    body += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return SimpleUploadedFile("specimen.pdf", bytes(body), "application/pdf")


def ensure_requirements() -> int:
    """The operator's requirements per category (idempotent)."""
    ensure_document_types(DocumentType, DocumentRequirement)
    made = 0
    for code, slug in REQUIREMENTS:
        category = Category.objects.filter(slug=slug).first()
        if category is None:
            continue
        _requirement, created = DocumentRequirement.objects.get_or_create(
            document_type=DocumentType.objects.get(code=code),
            category=category,
            region="",
            defaults={"mandatory": True},
        )
        made += created
    return made


def _upload_everything(user: User, *, now: datetime, valid_days: int = 700) -> None:
    provider = user.provider_profile
    for row in queries.verification_rows(provider):
        document_type = row.requirement.document_type
        services.upload_document(
            actor=user,
            requirement_id=row.requirement.pk,
            upload=specimen_pdf(document_type.name_en),
            number=f"{document_type.code[:2].upper()}{provider.pk:04d}{valid_days:05d}",
            expires_on=(now + timedelta(days=valid_days)).date(),
            now=now,
        )


def verify_provider(user: User, ops: User, *, now: datetime, valid_days: int = 700):
    """Upload, submit and approve everything asked of ``user``."""
    _upload_everything(user, now=now, valid_days=valid_days)
    application = services.submit_application(actor=user, now=now)
    return services.approve_application(
        actor=ops, application_id=application.public_id, now=now
    )


def _applicant(spec: Applicant, password_hash: str) -> User:
    user = User.objects.create(
        email=spec.email,
        name=spec.name,
        password=password_hash,
        time_zone=spec.time_zone,
    )
    become_provider(
        user=user,
        display_name=spec.name,
        latitude=spec.latitude,
        longitude=spec.longitude,
        address=spec.address,
        bio=spec.bio,
        languages=list(spec.languages),
        time_zone=spec.time_zone,
    )
    listing = create_listing(
        provider=user.provider_profile,
        category=spec.category,
        title=spec.title,
        pricing_model=PricingModel.FIXED,
        currency=spec.currency,
        price_amount=spec.price,
    )
    give_listing_photos(
        [listing], seed="onboarding", own_pictures=user.provider_profile
    )
    return user


def _take_to_step(user: User, ops: User, step: str, *, now: datetime) -> None:
    if step == "applying":
        # Only the ID so far; the health certificate is still to come.
        row = next(
            row
            for row in queries.verification_rows(user.provider_profile)
            if row.requirement.document_type.code == "id_card"
        )
        services.upload_document(
            actor=user,
            requirement_id=row.requirement.pk,
            upload=specimen_pdf("ID card"),
            number="310104199203154417",
            now=now,
        )
        return
    if step in ("approved", "expiring"):
        verify_provider(
            user, ops, now=now, valid_days=12 if step == "expiring" else 700
        )
        listing = user.provider_profile.listings.get()
        publish_listing(actor=user, listing_id=listing.public_id)
        return
    _upload_everything(user, now=now)
    application = services.submit_application(actor=user, now=now)
    if step == "changes_requested":
        services.request_changes(
            actor=ops,
            application_id=application.public_id,
            reason="The licence photo is cut off at the bottom: please upload all "
            "of it, with the expiry date readable.",
            now=now,
        )
    elif step == "rejected":
        services.reject_application(
            actor=ops,
            application_id=application.public_id,
            reason="The licence number does not match the state register.",
            now=now,
        )


def build_onboarding(
    *, logins: dict[str, User], password_hash: str, now: datetime | None = None
) -> int:
    """Requirements, the demo provider verified, and the six applicants.
    Returns how many applicants were made."""
    now = now or timezone.now()
    ensure_requirements()
    ops = logins["ops"]
    verify_provider(logins["provider"], ops, now=now - timedelta(days=200))
    for spec in APPLICANTS:
        _take_to_step(_applicant(spec, password_hash), ops, spec.step, now=now)
    return len(APPLICANTS)
