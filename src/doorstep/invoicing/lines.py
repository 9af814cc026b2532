"""What a receipt lists, built in one place.

Call under ``translation.override(recipient's language)``: labels are issued
in it. Tax is shown from ``order.tax_amount`` (included in the price) by
``tax_lines``; per-rule tax lines belong there when orders carry them.
"""

from django.utils.translation import gettext as _

from doorstep.orders.models import Order
from doorstep.payments.models import ExtraCharge, Payment, PaymentKind


def line(code: str, label: str, amount: int) -> dict:
    return {"code": code, "label": str(label), "amount": int(amount)}


def tax_lines(order: Order) -> list[dict]:
    """The tax included in the order's total, as figures under the total."""
    if not order.tax_amount:
        return []
    return [line("tax", _("Tax (included)"), order.tax_amount)]


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
        totals = [line("total", _("Total paid"), captured), *tax_lines(order)]
        return lines, totals
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
