"""Checking an uploaded document and making the copy we keep.

A document is a PDF or a photo. Nothing the client says is trusted: the kind
comes from the file's first bytes. A photo goes through the same checks and
re-encoding as every other photo (``catalog.photos.process_photo``): decoded by
Pillow, re-encoded without EXIF (the GPS position phones write), XMP or ICC
data. A PDF is kept as sent, after its header and trailer are checked; it is
only ever served as a download to the people allowed to see it.
"""

import secrets
from dataclasses import dataclass

from django.core.files import File
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from doorstep.catalog.photos import process_photo
from doorstep.core.errors import DomainError

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
PDF = "application/pdf"
WEBP = "image/webp"

_IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")


@dataclass(frozen=True)
class ProcessedDocument:
    content: ContentFile
    name: str
    content_type: str


def _invalid() -> DomainError:
    message = _("Upload a PDF, or a photo of the document (JPEG, PNG or WebP).")
    return DomainError("invalid_document", message, fields={"file": [message]})


def _is_image(head: bytes) -> bool:
    return head.startswith(_IMAGE_MAGIC) or (
        head[:4] == b"RIFF" and head[8:12] == b"WEBP"
    )


def _check_pdf(upload: File) -> bytes:
    upload.seek(0)
    data = upload.read()
    # A PDF ends with "%%EOF" (perhaps followed by a line end or two); a file cut
    # short in transfer does not, and would not open for the reviewer either.
    if not data.startswith(b"%PDF-") or b"%%EOF" not in data[-1024:]:
        raise _invalid()
    return data


def process_document(upload: File | None) -> ProcessedDocument:
    """The copy of ``upload`` to store, under a random name.

    Raises ``DomainError`` 422 on the ``file`` field (what a schema cannot
    judge): ``document_too_big`` over
    ``MAX_DOCUMENT_BYTES``, ``invalid_document`` for anything that is not a whole
    PDF or image, and the photo checks' codes for a damaged or enormous image.
    """
    if upload is None or not upload.size:
        raise _invalid()
    if upload.size > MAX_DOCUMENT_BYTES:
        message = _("This file is too big: upload at most %(megabytes)d MB.") % {
            "megabytes": MAX_DOCUMENT_BYTES // (1024 * 1024)
        }
        raise DomainError("document_too_big", message, fields={"file": [message]})
    upload.seek(0)
    head = upload.read(16)
    stem = secrets.token_urlsafe(16)
    if head.startswith(b"%PDF-"):
        return ProcessedDocument(ContentFile(_check_pdf(upload)), f"{stem}.pdf", PDF)
    if not _is_image(head):
        raise _invalid()
    try:
        photo = process_photo(upload)
    except DomainError as error:
        raise DomainError(
            error.code, str(error), fields={"file": [str(error)]}
        ) from None
    return ProcessedDocument(photo.image, f"{stem}.webp", WEBP)
