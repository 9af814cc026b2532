"""Checking a file added to a ticket and making the copy we keep: a photo or a
PDF, at most ``MAX_ATTACHMENT_BYTES``, judged by its first bytes (never by
what the client says), then processed as providers' documents are
(``trust.files.process_document``: photos re-encoded without metadata, PDFs
checked whole)."""

from django.core.files import File
from django.utils.translation import gettext as _

from doorstep.core.errors import DomainError
from doorstep.trust.files import ProcessedDocument, process_document

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
# Per ticket, over its whole conversation.
MAX_ATTACHMENTS = 10

_MAGIC = (b"%PDF-", b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")


def _looks_allowed(head: bytes) -> bool:
    return head.startswith(_MAGIC) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")


def process_attachment(upload: File | None, *, field: str) -> ProcessedDocument:
    """The copy of ``upload`` to store. Raises ``DomainError`` 422 on ``field``:
    ``attachment_too_big`` over the limit, ``invalid_attachment`` for anything
    but a whole PDF or a readable JPEG, PNG or WebP image."""
    invalid = _("Attach a photo (JPEG, PNG or WebP) or a PDF.")
    if upload is None or not upload.size:
        raise DomainError("invalid_attachment", invalid, fields={field: [invalid]})
    if upload.size > MAX_ATTACHMENT_BYTES:
        message = _("This file is too big: attach at most %(megabytes)d MB.") % {
            "megabytes": MAX_ATTACHMENT_BYTES // (1024 * 1024)
        }
        raise DomainError("attachment_too_big", message, fields={field: [message]})
    upload.seek(0)
    if not _looks_allowed(upload.read(16)):
        raise DomainError("invalid_attachment", invalid, fields={field: [invalid]})
    try:
        return process_document(upload)
    except DomainError:
        raise DomainError(
            "invalid_attachment", invalid, fields={field: [invalid]}
        ) from None
