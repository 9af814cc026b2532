"""What the platform takes from an order and what is left for the provider:
the commission (the category's rate within its per-currency limits, less a
provider's plan discount) and the taxes on the service, on the service fee
and on the commission (``taxes``). The one place these are worked out: the
release posts them, and every page that tells a provider what they will earn
shows them.

Commission is on the service price net of its tax. In a tax-inclusive region
the commission contains its tax (the platform keeps the rest); in a
tax-exclusive region the tax on the commission is added on top of it and
comes out of the provider's part.
"""

from dataclasses import dataclass
from datetime import datetime

from doorstep.accounts.models import ProviderProfile
from doorstep.commissions.models import CommissionLimit
from doorstep.marketplace import policy
from doorstep.orders.models import Order
from doorstep.orders.pricing import order_tax_lines, tax_added_on
from doorstep.subscriptions.perks import perks_of
from doorstep.taxes import rates as tax_rates
from doorstep.taxes.models import OrderTax, TaxBase
from doorstep.taxes.rates import TaxLine

BPS = 10_000


def commission_bps(order: Order) -> int:
    """The order's category's commission rate, else the operator's default."""
    if order.listing_id and order.listing.category_id:
        return order.listing.category.commission_bps
    return policy.current().default_commission_bps


def provider_commission_discount_bps(provider: ProviderProfile | None) -> int:
    """The basis points a provider's subscription plan takes off the
    commission rate now (``subscriptions.perks``, the plan's one published
    reading; no plan, no discount)."""
    if provider is None:
        return 0
    return perks_of(provider).commission_discount_bps


def commission_limit(order: Order) -> CommissionLimit | None:
    if not (order.listing_id and order.listing.category_id):
        return None
    return CommissionLimit.objects.filter(
        category_id=order.listing.category_id, currency=order.currency
    ).first()


def commission_for(
    order: Order, earned: int, *, discount_bps: int | None = None
) -> int:
    """The commission on ``earned`` (minor units of the order's currency): the
    rate (``commission_bps``) less ``discount_bps`` — by default the
    provider's plan discount, ``provider_commission_discount_bps`` — rounded
    down, then raised to the category's minimum and lowered to its maximum in
    the order's currency, and never more than ``earned``."""
    if earned <= 0:
        return 0
    if discount_bps is None:
        discount_bps = provider_commission_discount_bps(order.provider)
    rate = min(max(commission_bps(order) - discount_bps, 0), BPS)
    commission = earned * rate // BPS
    limit = commission_limit(order)
    if limit is not None:
        commission = max(commission, limit.minimum_amount)
        if limit.maximum_amount is not None:
            commission = min(commission, limit.maximum_amount)
    return min(commission, earned)


@dataclass(frozen=True)
class Split:
    """Where an order's money goes at release (minor units)."""

    provider: int  # the provider's part (an agency's before its staff share)
    commission: int  # the platform's commission revenue, net of its tax
    service_fee: int  # the platform's service fee revenue, net of its tax
    service_tax: int  # tax on the service price
    fee_tax: int  # tax on the customer's service fee
    commission_tax: int  # tax on the commission
    commission_taxes: tuple[TaxLine, ...] = ()

    @property
    def tax_on_fees(self) -> int:
        return self.fee_tax + self.commission_tax


def _share(stored: int, charged: int, full: int) -> int:
    """``stored`` tax for a part of which only ``charged`` of ``full`` is
    left (refunded before release), rounded down, never above ``charged``."""
    if charged >= full:
        return min(stored, charged)
    return min(stored * charged // full if full else 0, charged)


def split_of(
    order: Order, *, service_charged: int, fee_charged: int, at: datetime | None = None
) -> Split:
    """Split what is held for ``order``: ``service_charged`` (the service
    price as charged, with its tax added where the region adds it) and
    ``fee_charged`` (the service fee as charged, likewise). A part held only
    in part (refunded before release) carries its stored tax in proportion."""
    lines = order_tax_lines(order)
    added_service, added_fee = tax_added_on(order)
    full_service = order.subtotal_amount - order.provider_discount_amount
    full_service += added_service
    full_fee = order.service_fee_amount + added_fee
    service_tax = _share(
        tax_rates.total_of(lines, base=TaxBase.SERVICE), service_charged, full_service
    )
    fee_tax = _share(
        tax_rates.total_of(lines, base=TaxBase.SERVICE_FEE), fee_charged, full_fee
    )
    service_net = service_charged - service_tax
    commission = commission_for(order, service_net)
    commission_taxes = tax_rates.tax_lines(
        tax_rates.region_of_order(order),
        base=TaxBase.COMMISSION,
        amount=commission,
        at=at,
        currency=order.currency,
    )
    commission_tax = tax_rates.total_of(commission_taxes)
    if commission_taxes and not commission_taxes[0].inclusive:
        # Added on top of the commission, from the provider's part; where that
        # part cannot carry it (a commission of nearly everything), the
        # platform's commission does.
        provider = service_net - commission - commission_tax
        revenue = commission + min(provider, 0)
        provider = max(provider, 0)
    else:
        provider = service_net - commission
        revenue = commission - commission_tax
    return Split(
        provider=provider,
        commission=revenue,
        service_fee=fee_charged - fee_tax,
        service_tax=service_tax,
        fee_tax=fee_tax,
        commission_tax=commission_tax,
        commission_taxes=commission_taxes,
    )


def charged_parts(order: Order) -> tuple[int, int]:
    """What the order's payment charges for the provider's work and for the
    service fee, each with the tax the region adds on top (the payment's
    ``base_amount`` and ``service_fee_amount``)."""
    added_service, added_fee = tax_added_on(order)
    return (
        order.subtotal_amount - order.provider_discount_amount + added_service,
        order.service_fee_amount + added_fee,
    )


def expected_split(order: Order) -> Split:
    """The split of ``order``'s whole price, as its release will post it with
    today's rules: what pages show a provider before the job is paid out."""
    service, fee = charged_parts(order)
    return split_of(order, service_charged=service, fee_charged=fee)


def expected_earnings(order: Order) -> int:
    """What the provider will earn from ``order``'s price (before an agency's
    staff share)."""
    return expected_split(order).provider


def record_commission_taxes(order: Order, split: Split) -> None:
    """Store the commission's tax lines beside the order's other tax lines
    (at release, in its transaction), for statements and invoices."""
    OrderTax.objects.bulk_create(
        OrderTax(
            order=order,
            region_id=line.region_id,
            rule_id=line.rule_id,
            base=line.base,
            name=line.name,
            rate_bps=line.rate_bps,
            inclusive=line.inclusive,
            base_amount=line.base_amount,
            amount=line.amount,
        )
        for line in split.commission_taxes
    )
