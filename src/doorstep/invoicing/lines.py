"""What a receipt lists, built in one place.

Call under ``translation.override(recipient's language)``: labels are issued
in it. Tax is shown from ``order.tax_amount`` by
``tax_lines``; per-rule tax lines belong there when orders carry them.
"""

from django.utils.translation import gettext as _

from doorstep.orders.models import Order
from doorstep.payments.models import ExtraCharge, Payment, PaymentKind


def line(code: str, label: str, amount: int) -> dict:
    return {"code": code, "label": str(label), "amount": int(amount)}


def tax_lines(order: Order) -> tuple[list[dict], list[dict]]:
    """The order's tax as ``(lines added to the total, figures included in
    it)``: under the total when prices include tax, a line of its own when
    the tax is added to them (``prices_include_tax``, set by the taxes app;
    without it, ``tax_amount`` is in the total)."""
    if not order.tax_amount:
        return [], []
    if getattr(order, "prices_include_tax", True):
        return [], [line("tax", _("Tax (included)"), order.tax_amount)]
    return [line("tax", _("Tax"), order.tax_amount)], []


def receipt_lines(payment: Payment) -> tuple[list[dict], list[dict]]:
    """The lines and figures of the receipt for ``payment``'s capture: the
    order's priced lines, the service fee, discounts and the tax included for
    the order's own payment taken in full; one line for a tip, an extra
    charge, or a part of the price taken (a cancellation fee)."""
    order = payment.order
    captured = payment.captured_amount
    if payment.kind == PaymentKind.ORDER and captured == payment.amount:
        lines = [
            line(
                order_line.kind,
                order_line.description
                if order_line.quantity == 1
                else f"{order_line.description} × {order_line.quantity}",
                order_line.amount,
            )
            for order_line in order.lines.all()
        ]
        if not lines:
            lines = [line("service", order.title, order.subtotal_amount)]
        if order.service_fee_amount:
            lines.append(
                line("service_fee", _("Service fee"), order.service_fee_amount)
            )
        if order.discount_amount:
            lines.append(line("discount", _("Discount"), -order.discount_amount))
        added, included = tax_lines(order)
        totals = [line("total", _("Total paid"), captured), *included]
        return [*lines, *added], totals
    if payment.kind == PaymentKind.ORDER:
        label = _("Charged for %(title)s") % {"title": order.title}
        lines = [line("charge", label, captured)]
    else:
        extra = ExtraCharge.objects.filter(payment=payment).first()
        if extra is not None and extra.kind == ExtraCharge.Kind.EXTRA:
            label = extra.description
        else:
            label = PaymentKind(payment.kind).label
        lines = [line(payment.kind, label, captured)]
    return lines, [line("total", _("Total paid"), captured)]


def paid_by(payment: Payment) -> list[str]:
    """How the customer paid, as printed under the figures."""
    if payment.card_last4:
        return [
            _("Paid with %(brand)s ending in %(last4)s")
            % {
                "brand": (payment.card_brand or _("card")).title(),
                "last4": payment.card_last4,
            }
        ]
    return []
