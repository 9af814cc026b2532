"""Builders for the ticket desk's tests: people, files and tickets, made
through the real services."""

from datetime import UTC, datetime

from django.core.files.uploadedfile import SimpleUploadedFile

from doorstep.catalog.tests.images import image_bytes
from doorstep.support.tickets import open_ticket
from tests.factories import make_ops

OPENED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def photo(name: str = "photo.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, image_bytes("JPEG", (200, 150)), "image/jpeg")


def pdf(name: str = "receipt.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF_BYTES, "application/pdf")


def agent(**fields):
    """Ops in the Support role (handles tickets)."""
    return make_ops("Support", **fields)


def ticket_for(requester, *, now=OPENED, **fields):
    values = {"subject": "Help", "body": "Something went wrong.", **fields}
    return open_ticket(requester=requester, now=now, **values)
