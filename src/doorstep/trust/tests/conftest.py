from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from doorstep.trust.check_services import record_consent
from doorstep.trust.document_types import ensure_document_types
from doorstep.trust.models import DocumentRequirement, DocumentType
from tests.factories import make_provider, make_user


@pytest.fixture(autouse=True)
def _documents_required(settings):
    """The trust tests run with the publishing gate on (the suite's settings turn
    it off)."""
    settings.DOORSTEP_REQUIRE_VERIFIED_DOCUMENTS = True


def seed_document_types() -> None:
    """What trust migration 0003 seeds (a transactional test's flush removes it)."""
    ensure_document_types(DocumentType, DocumentRequirement)


def id_requirement() -> DocumentRequirement:
    seed_document_types()
    return DocumentRequirement.objects.get(
        document_type__code="id_card", category=None, region=""
    )


def require(code: str, *, category=None, region: str = "", mandatory: bool = True):
    seed_document_types()
    return DocumentRequirement.objects.create(
        document_type=DocumentType.objects.get(code=code),
        category=category,
        region=region,
        mandatory=mandatory,
    )


def pdf_upload(name: str = "id.pdf") -> SimpleUploadedFile:
    body = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    return SimpleUploadedFile(name, body, content_type="application/pdf")


def photo_upload(*, with_gps: bool = True) -> SimpleUploadedFile:
    """A JPEG whose EXIF says which phone took it and where."""
    image = Image.new("RGB", (64, 40), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Phone 12"  # Model
    if with_gps:
        gps = exif.get_ifd(0x8825)
        gps[1] = "N"
        gps[2] = (31.0, 13.0, 49.0)
        gps[3] = "E"
        gps[4] = (121.0, 28.0, 25.0)
    buffer = BytesIO()
    image.save(buffer, "JPEG", exif=exif.tobytes())
    return SimpleUploadedFile("id.jpg", buffer.getvalue(), content_type="image/jpeg")


@pytest.fixture
def provider():
    return make_provider(
        user=make_user(name="Mei Chen", email="mei@example.com"),
        display_name="Mei Chen",
    )


def consented(provider, legal_name: str = "Mei Chen"):
    """``provider`` with a recorded consent to the current text."""
    record_consent(
        provider=provider,
        user=provider.user,
        legal_name=legal_name,
        agreed=True,
        ip_address="203.0.113.7",
        user_agent="pytest",
    )
    return provider
