"""Shared set-up for the dispute tests: orders delivered or completed on the
sandbox gateway the way customers and providers get there, small valid
photos, and the ledger read back."""

from datetime import timedelta
from io import BytesIO

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.utils import timezone
from PIL import Image

from doorstep.orders.models import Order
from doorstep.payments.models import AccountKind, LedgerAccount
from doorstep.payments.reconciliation import reconcile
from doorstep.payments.tests.conftest import set_state
from doorstep.trust.tests.standards.helpers import (
    accepted_order,
    assert_ledger_balanced,
    balance,
    earned,
)

__all__ = [
    "assert_books_closed",
    "balance",
    "completed_order",
    "delivered_order",
    "escrow",
    "photo",
    "settled",
]


def photo(name: str = "proof.png", colour: str = "red") -> SimpleUploadedFile:
    buffer = BytesIO()
    Image.new("RGB", (64, 48), colour).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def delivered_order(
    listing, customer, fire, *, starts_in: timedelta = timedelta(days=4)
) -> Order:
    """Paid, accepted (the money captured into escrow) and marked as done."""
    order = accepted_order(listing, customer, fire, starts_in=starts_in)
    set_state(order, "delivered")
    Order.objects.filter(pk=order.pk).update(state_changed_at=timezone.now())
    order.refresh_from_db()
    return order


def completed_order(listing, customer, fire) -> Order:
    """Confirmed by the customer: released to the provider's pending balance."""
    order = earned(listing, customer, fire)
    order.refresh_from_db()
    return order


def settled(call, **kwargs):
    """Run a dispute service the way a request does, then what it scheduled
    after commit (money flows, notices)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return call(**kwargs)


def escrow(order: Order) -> int:
    account = LedgerAccount.objects.filter(
        kind=AccountKind.ORDER_ESCROW, order=order
    ).first()
    return account.balance if account else 0


def assert_books_closed(order: Order) -> None:
    """The ledger balances, the order holds nothing, and the gateway agrees."""
    assert_ledger_balanced()
    assert escrow(order) == 0
    assert reconcile() == []
