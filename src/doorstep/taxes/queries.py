"""Reads for the tax pages: the regions with their rules, and the tax report."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Case, F, OuterRef, Subquery, Sum, When
from django.utils import timezone

from doorstep.payments.models import AccountKind, Posting
from doorstep.taxes.models import OrderTax, TaxRegion

REPORT_COLUMNS = ("on_services", "on_fees", "returned", "net")


@dataclass(frozen=True)
class TaxReportRow:
    """Tax of one region in one currency over a period, from the ledger: what
    releases posted on services and on the platform's fees, what refunds gave
    back, and what is owed net."""

    region_code: str
    region_name: str
    currency: str
    on_services: int
    on_fees: int
    returned: int

    @property
    def net(self) -> int:
        return self.on_services + self.on_fees - self.returned


def _bounds(since: date, until: date) -> tuple[datetime, datetime]:
    zone = timezone.get_current_timezone()
    start = timezone.make_aware(datetime.combine(since, time.min), zone)
    end = timezone.make_aware(
        datetime.combine(until + timedelta(days=1), time.min), zone
    )
    return start, end


def tax_report(*, since: date, until: date) -> list[TaxReportRow]:
    """The tax postings of entries made from ``since`` to ``until`` (whole
    days in the current time zone), per region of the order (as it was
    booked) and currency — never summed across currencies."""
    start, end = _bounds(since, until)
    region = Subquery(
        OrderTax.objects.filter(order=OuterRef("entry__order"))
        .order_by("pk")
        .values("region__code")[:1]
    )
    grouped = (
        Posting.objects.filter(
            account__kind__in=(
                AccountKind.TAX_LIABILITY,
                AccountKind.FEE_TAX_LIABILITY,
            ),
            entry__created_at__gte=start,
            entry__created_at__lt=end,
        )
        .annotate(region=region)
        .values("region", "currency", "account__kind")
        .annotate(
            credits=Sum(Case(When(amount__lt=0, then=-F("amount")), default=0)),
            debits=Sum(Case(When(amount__gt=0, then=F("amount")), default=0)),
        )
    )
    totals: dict[tuple[str, str], dict[str, int]] = {}
    for row in grouped:
        key = (row["region"] or "", row["currency"])
        figures = totals.setdefault(
            key, {"on_services": 0, "on_fees": 0, "returned": 0}
        )
        column = (
            "on_services"
            if row["account__kind"] == AccountKind.TAX_LIABILITY
            else "on_fees"
        )
        figures[column] += row["credits"] or 0
        figures["returned"] += row["debits"] or 0
    names = dict(TaxRegion.objects.values_list("code", "name"))
    return [
        TaxReportRow(
            region_code=code,
            region_name=names.get(code, code),
            currency=currency,
            **figures,
        )
        for (code, currency), figures in sorted(totals.items())
    ]


def regions() -> list[TaxRegion]:
    return list(TaxRegion.objects.prefetch_related("cities", "rules").order_by("code"))
