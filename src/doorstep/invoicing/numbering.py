"""Gapless document numbers: one sequence per issuer and series.

A number is taken inside the transaction that issues the document, from a
counter row locked with ``select_for_update``: concurrent issuers of the same
series wait for each other, and a transaction that fails gives its number
back with everything else it did (so no number is skipped, none is given
twice). The unique constraint on (issuer, series, number) is the last word.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction

from doorstep.invoicing.models import DocumentCounter, DocumentKind

# The series prefix per kind; the year the document is issued in follows it
# ("DS-2026"). Operators may rename them with DOORSTEP_DOCUMENT_PREFIXES.
DEFAULT_PREFIXES = {
    DocumentKind.RECEIPT: "DS",
    DocumentKind.FEE_INVOICE: "DSF",
    DocumentKind.CREDIT_NOTE: "DSC",
    DocumentKind.STATEMENT: "DSS",
}


def series_for(kind: DocumentKind | str, issued_at: datetime) -> str:
    """The series a document of ``kind`` issued at ``issued_at`` belongs to:
    the kind's prefix and the year in the platform's time zone."""
    prefixes = {
        **DEFAULT_PREFIXES,
        **getattr(settings, "DOORSTEP_DOCUMENT_PREFIXES", {}),
    }
    year = issued_at.astimezone(ZoneInfo(settings.TIME_ZONE)).year
    return f"{prefixes[kind]}-{year}"


def lock_counter(*, issuer: str, series: str) -> DocumentCounter:
    """The counter of ``issuer``'s ``series``, created at its first use and
    locked until the caller's transaction ends. Call inside
    ``transaction.atomic``."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("lock_counter must run inside the issuing transaction")
    counter = (
        DocumentCounter.objects.select_for_update()
        .filter(issuer=issuer, series=series)
        .first()
    )
    if counter is not None:
        return counter
    try:
        with transaction.atomic():
            DocumentCounter.objects.create(issuer=issuer, series=series)
    except IntegrityError:  # another transaction created it first
        pass
    return DocumentCounter.objects.select_for_update().get(issuer=issuer, series=series)


def take_number(counter: DocumentCounter) -> int:
    """The next number of a counter ``lock_counter`` returned."""
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return counter.last_number
