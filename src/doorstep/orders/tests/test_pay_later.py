"""Paying later: cash on completion and paying after the service with the saved
card, through the real booking process (``payments.after_service``).

The money runs as in production: each transition's flow is written down and
run after commit (``captureOnCommitCallbacks(execute=True)`` commits the test's
transaction's callbacks, the immediate task backend runs the task), and what
providers owe is netted by the periodic job's own function."""

import json
from datetime import timedelta

import pytest
from django.db.models import Sum
from django.test import TestCase
from django.utils import timezone

from doorstep.api.testing import API, JSON, bearer
from doorstep.backoffice.queues import all_queues
from doorstep.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from doorstep.events.models import Event
from doorstep.notifications.consumers import _plan_order_event
from doorstep.orders.engine import apply_transition
from doorstep.orders.models import Order, OrderEvent
from doorstep.orders.services import place_order, start_order_payment, transition_order
from doorstep.orders.tests.conftest import at, booking
from doorstep.payments import after_service
from doorstep.payments.flows import order_payment
from doorstep.payments.gateways import sandbox
from doorstep.payments.gateways.sandbox import pay_with_sandbox_card
from doorstep.payments.models import AccountKind as K
from doorstep.payments.models import (
    JournalEntry,
    LedgerAccount,
    Payment,
    PaymentStatus,
    Posting,
    SavedPaymentMethod,
)
from doorstep.trust.standards import collect_all_fine_debts
from tests.factories import make_provider, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("early_start_allowed")]

GOOD_CARD = "sbx_success_visa_4242"
REFUSED_CARD = "sbx_decline_visa_0002"


@pytest.fixture(autouse=True)
def _sandbox(settings):
    settings.DOORSTEP_PAYMENT_GATEWAY = "sandbox"
    settings.DOORSTEP_SANDBOX_AUTO_DELIVER = False
    settings.DOORSTEP_SANDBOX_CHAOS = False
    settings.DOORSTEP_CAPTURE_AT = "acceptance"
    sandbox.clear_injected_failures()


@pytest.fixture
def cash_listing(listing):
    listing.offers_cash = True
    listing.offers_pay_after_service = True
    listing.save(update_fields=["offers_cash", "offers_pay_after_service"])
    return listing


def _save_card(user, token=GOOD_CARD) -> SavedPaymentMethod:
    brand, last4 = token.split("_")[2:]
    return SavedPaymentMethod.objects.create(
        user=user,
        gateway="sandbox",
        token=token,
        brand=brand,
        last4=last4,
        is_default=True,
    )


def _fire(order, name, user, **data) -> Order:
    """A person's click, with what it scheduled run after commit."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return transition_order(order=order, name=name, user=user, data=data)


def _serve(order) -> Order:
    """The provider accepts, starts with the code and marks it done."""
    provider = order.provider.user
    _fire(order, "accept", provider)
    _fire(order, "start", provider, start_code=order.start_code)
    return _fire(order, "deliver", provider)


def _balance(kind, **party) -> int:
    return sum(
        LedgerAccount.objects.filter(kind=kind, **party).values_list(
            "balance", flat=True
        )
    )


def _assert_ledger_sound(order) -> None:
    for entry in JournalEntry.objects.all():
        assert entry.postings.aggregate(total=Sum("amount"))["total"] == 0
    assert _balance(K.ORDER_ESCROW, order=order) == 0
    for kind in (K.PROVIDER_PENDING, K.PROVIDER_AVAILABLE, K.GATEWAY_FUNDS):
        assert not LedgerAccount.objects.filter(kind=kind, balance__lt=0).exists()


def _told(user, order) -> list[str]:
    """What the notifications tell ``user`` about ``order``."""
    events = Event.objects.filter(subject=order.public_id).order_by("pk")
    return [
        planned.wording
        for event in events
        for planned in _plan_order_event(event)
        if planned.recipient == user
    ]


def _book(listing, customer, timing, **overrides) -> Order:
    with TestCase.captureOnCommitCallbacks(execute=True):
        return place_order(
            **booking(listing, customer, **overrides), payment_timing=timing
        )


# --- Cash on completion ---------------------------------------------------------------


def test_a_cash_job_is_served_unpaid_and_the_commission_is_owed(cash_listing, customer):
    # given a cash order: booked without any payment
    order = _book(cash_listing, customer, "cash")
    assert order.state == "requested"
    assert order_payment(order) is None
    assert _told(order.provider.user, order) == ["booking_requested"]

    # when the provider serves it and confirms the cash received
    _serve(order)
    order = _fire(order, "receive_cash", order.provider.user)

    # then it is complete, nothing went through the gateway, and the provider
    # owes the platform its commission and the service fee
    assert order.state == "completed"
    assert order.cash_received_at is not None
    assert not Payment.objects.filter(order=order).exists()
    shares = after_service.cash_shares(order)
    assert shares.collect == order.total_amount
    assert shares.owed == shares.commission + order.service_fee_amount > 0
    provider = order.provider
    assert _balance(K.PROVIDER_RECEIVABLE, provider=provider) == shares.owed
    assert _balance(K.COMMISSION_REVENUE) == shares.commission
    assert _balance(K.SERVICE_FEE_REVENUE) == order.service_fee_amount
    assert after_service.cash_owed(provider, order.currency) == shares.owed
    _assert_ledger_sound(order)


def test_the_cash_commission_is_taken_from_the_next_earnings(cash_listing, customer):
    # given a provider owing commission on a completed cash job
    cash = _book(cash_listing, customer, "cash")
    _serve(cash)
    _fire(cash, "receive_cash", cash.provider.user)
    owed = after_service.cash_owed(cash.provider, cash.currency)

    # when they complete a card job paid now (another slot) and the periodic
    # job nets debts
    paid = _book(cash_listing, make_user(), "", starts_at=at("14:00"))
    with TestCase.captureOnCommitCallbacks(execute=True):
        paid = pay_with_sandbox_card(paid, "4242 4242 4242 4242")
    _serve(paid)
    _fire(paid, "confirm", paid.customer)
    earned_before = _balance(K.PROVIDER_PENDING, provider=paid.provider)
    collect_all_fine_debts()

    # then the debt is paid off from those earnings
    assert after_service.cash_owed(cash.provider, cash.currency) == 0
    assert _balance(K.PROVIDER_PENDING, provider=paid.provider) == (
        earned_before - owed
    )
    _assert_ledger_sound(paid)


def test_a_customer_may_confirm_a_cash_job_and_the_commission_is_owed_once(
    cash_listing, customer
):
    order = _book(cash_listing, customer, "cash")
    _serve(order)

    order = _fire(order, "confirm", customer)

    assert order.state == "completed"
    assert order.cash_received_at is None  # the provider did not say so
    assert JournalEntry.objects.filter(kind="cash_commission").count() == 1
    assert after_service.record_cash_payment(order=order).kind == "cash_commission"
    assert JournalEntry.objects.filter(kind="cash_commission").count() == 1


def test_a_provider_owing_too_much_takes_no_more_cash_jobs(
    cash_listing, customer, settings
):
    # given a provider owing commission on a cash job, at the limit
    first = _book(cash_listing, customer, "cash")
    pending = _book(cash_listing, make_user(), "cash", starts_at=at("14:00"))
    _serve(first)
    _fire(first, "receive_cash", first.provider.user)
    settings.DOORSTEP_CASH_OWED_LIMIT = after_service.cash_owed(
        first.provider, first.currency
    )

    # when another customer books cash, or the provider accepts a cash request
    before = Order.objects.count()
    with pytest.raises(DomainError) as booked:
        _book(cash_listing, make_user(), "cash", starts_at=at("10:00", days=3))
    with pytest.raises(DomainError) as accepted:
        _fire(pending, "accept", pending.provider.user)

    # then both are refused, and card payment is still offered
    assert booked.value.code == accepted.value.code == "cash_limit_reached"
    assert Order.objects.count() == before
    pending.refresh_from_db()
    assert pending.state == "requested"
    assert _book(cash_listing, make_user(), "", starts_at=at("10:00", days=3))


def test_only_the_provider_confirms_cash_and_only_on_a_cash_order(
    cash_listing, customer
):
    order = _book(cash_listing, customer, "cash")
    _serve(order)

    with pytest.raises(PermissionDenied):
        _fire(order, "receive_cash", customer)
    with pytest.raises(NotFound):
        _fire(order, "receive_cash", make_provider().user)
    order.refresh_from_db()
    assert order.state == "delivered"

    card = _book(cash_listing, make_user(), "", starts_at=at("14:00"))
    with TestCase.captureOnCommitCallbacks(execute=True):
        card = pay_with_sandbox_card(card, "4242 4242 4242 4242")
    _serve(card)
    with pytest.raises(Conflict) as refused:
        _fire(card, "receive_cash", card.provider.user)
    assert refused.value.code == "not_cash"


def test_a_late_cancellation_of_a_cash_order_records_an_uncollected_fee(
    cash_listing, customer, settings
):
    order = _book(cash_listing, customer, "cash")
    _fire(order, "accept", order.provider.user)
    Order.objects.filter(pk=order.pk).update(
        starts_at=timezone.now() + timedelta(hours=1),
        ends_at=timezone.now() + timedelta(hours=3),
    )

    order = _fire(order, "cancel", customer)

    assert order.cancellation_fee_amount == 0
    event = order.events.get(transition="cancel")
    assert event.data["fee_not_collected"]["amount"] > 0
    assert not JournalEntry.objects.filter(order=order).exists()


# --- Pay after the service ------------------------------------------------------------


def test_pay_after_service_charges_the_saved_card_on_completion(cash_listing, customer):
    # given an order booked to pay after the service against a saved card
    _save_card(customer)
    order = _book(cash_listing, customer, "after_service")
    assert order.state == "requested"
    assert order_payment(order) is None
    assert "Visa ••4242" in after_service.payment_note(order)

    # when it is served (accepting takes nothing) and the customer confirms
    _serve(order)
    assert order_payment(order) is None
    _fire(order, "confirm", customer)

    # then the card was charged off session and the provider paid
    payment = order_payment(order)
    assert payment.status == PaymentStatus.CAPTURED
    assert payment.captured_amount == order.total_amount
    assert _balance(K.PROVIDER_PENDING, provider=order.provider) > 0
    assert JournalEntry.objects.filter(kind="release", order=order).exists()
    _assert_ledger_sound(order)


def test_a_refused_card_lets_the_customer_pay_on_the_pay_page(cash_listing, customer):
    # given an order paid after the service whose saved card is refused
    _save_card(customer, REFUSED_CARD)
    order = _book(cash_listing, customer, "after_service")
    _serve(order)

    # when it completes on its own
    with TestCase.captureOnCommitCallbacks(execute=True):
        apply_transition(
            order_id=order.pk, name="auto_complete", user=None, system=True
        )

    # then the customer is told and has time to pay; nothing is released
    order.refresh_from_db()
    assert order.state == "completed"
    assert order_payment(order).status == PaymentStatus.FAILED
    assert order.payment_due_by is not None
    assert "payment_failed" in _told(customer, order)
    assert after_service.awaits_customer_payment(order)
    assert not after_service.in_collections().filter(pk=order.pk).exists()
    assert (
        after_service.in_collections(order.payment_due_by + timedelta(minutes=1))
        .filter(pk=order.pk)
        .exists()
    )
    assert _balance(K.PROVIDER_PENDING, provider=order.provider) == 0
    queue = next(q for q in all_queues() if q.key == "unpaid_after_service")
    assert not queue.waiting().filter(pk=order.pk).exists()  # not due yet

    # when the customer pays with another card on the pay page
    with pytest.raises(NotFound):
        start_order_payment(order=order, user=make_user())
    with TestCase.captureOnCommitCallbacks(execute=True):
        pay_with_sandbox_card(order, "5555 5555 5555 4444")

    # then the money is taken and the provider paid; no longer in collections
    order.refresh_from_db()
    assert order_payment(order).status == PaymentStatus.CAPTURED
    assert _balance(K.PROVIDER_PENDING, provider=order.provider) > 0
    assert not after_service.awaits_customer_payment(order)
    assert not after_service.in_collections(
        order.payment_due_by + timedelta(days=1)
    ).exists()
    _assert_ledger_sound(order)


def test_a_split_dispute_charges_the_saved_card_and_refunds_the_part(
    cash_listing, customer
):
    # given an order paid after the service, disputed once delivered
    _save_card(customer)
    order = _book(cash_listing, customer, "after_service")
    _serve(order)
    apply_transition(
        order_id=order.pk, name="dispute", user=customer, data={"dispute": "dsp_1"}
    )

    # when the dispute is settled on a split
    refund = 2_000
    with TestCase.captureOnCommitCallbacks(execute=True):
        apply_transition(
            order_id=order.pk,
            name="resolve_split",
            user=None,
            system=True,
            data={"dispute": "dsp_1", "refund": {"amount": refund}},
        )

    # then the card was charged, the part refunded and the rest released
    payment = order_payment(order)
    assert payment.captured_amount == order.total_amount
    assert payment.refunded_amount == refund
    assert _balance(K.PROVIDER_PENDING, provider=order.provider) > 0
    _assert_ledger_sound(order)


def test_pay_after_service_needs_a_saved_card(cash_listing, customer):
    before = Order.objects.count()

    with pytest.raises(DomainError) as refused:
        _book(cash_listing, customer, "after_service")

    assert refused.value.code == "card_required"
    assert Order.objects.count() == before


def test_a_late_cancellation_fee_is_charged_to_the_saved_card(cash_listing, customer):
    _save_card(customer)
    order = _book(cash_listing, customer, "after_service")
    _fire(order, "accept", order.provider.user)
    Order.objects.filter(pk=order.pk).update(
        starts_at=timezone.now() + timedelta(hours=1),
        ends_at=timezone.now() + timedelta(hours=3),
    )

    order = _fire(order, "cancel", customer)

    fee = order.cancellation_fee_amount
    assert fee > 0
    payment = order_payment(order)
    assert payment.captured_amount - payment.refunded_amount == fee
    assert (
        _balance(K.CANCELLATION_FEE_REVENUE)
        + _balance(K.PROVIDER_PENDING, provider=order.provider)
        == fee
    )
    _assert_ledger_sound(order)


# --- Paying now cannot be skipped -----------------------------------------------------


def test_an_order_paid_now_cannot_skip_payment(client, cash_listing, customer):
    # given an order paid now, waiting for its payment, booked through the API
    response = client.post(
        f"{API}/orders",
        data=json.dumps(
            {
                "listing_id": cash_listing.public_id,
                "starts_at": at("10:00").isoformat(),
                "address": "88 Huaihai Road",
                "latitude": cash_listing.latitude,
                "longitude": cash_listing.longitude,
            }
        ),
        content_type=JSON,
        **bearer(customer),
    )
    assert response.status_code == 201, response.content
    assert response.json()["payment_timing"] == "pay_now"
    order = Order.objects.get(public_id=response.json()["id"])

    # when the customer fires the pay-later booking through the API
    for name in ("book_pay_later", "book_pay_later_instant"):
        fired = client.post(
            f"{API}/orders/{order.public_id}/transitions/{name}",
            data="{}",
            content_type=JSON,
            **bearer(customer),
        )
        assert fired.status_code == 403, fired.content

    # and even the system may not book it without the payment
    with pytest.raises(Conflict) as refused:
        apply_transition(
            order_id=order.pk, name="book_pay_later", user=None, system=True
        )

    # then it still waits for its payment
    assert refused.value.code == "payment_required"
    order.refresh_from_db()
    assert order.state == "awaiting_payment"
    assert not OrderEvent.objects.filter(order=order, transition__startswith="book_")


def test_a_timing_the_listing_does_not_offer_is_refused(listing, customer, client):
    before = Order.objects.count()

    with pytest.raises(DomainError) as refused:
        _book(listing, customer, "cash")
    response = client.post(
        f"{API}/orders",
        data=json.dumps(
            {
                "listing_id": listing.public_id,
                "starts_at": at("10:00").isoformat(),
                "address": "88 Huaihai Road",
                "latitude": listing.latitude,
                "longitude": listing.longitude,
                "payment_timing": "after_service",
            }
        ),
        content_type=JSON,
        **bearer(customer),
    )

    assert refused.value.code == "payment_timing_unavailable"
    assert response.status_code == 422, response.content
    assert response.json()["code"] == "payment_timing_unavailable"
    assert Order.objects.count() == before


def test_ops_may_switch_cash_off_for_a_category_or_everywhere(cash_listing, settings):
    assert after_service.timings_for(cash_listing) == [
        "pay_now",
        "after_service",
        "cash",
    ]
    category = cash_listing.category
    category.allows_cash = False
    category.save(update_fields=["allows_cash"])
    assert after_service.timings_for(cash_listing) == ["pay_now", "after_service"]

    settings.DOORSTEP_PAYMENT_TIMINGS = ["pay_now"]
    assert after_service.timings_for(cash_listing) == ["pay_now"]


def test_postings_of_cash_entries_name_the_order(cash_listing, customer):
    order = _book(cash_listing, customer, "cash")
    _serve(order)
    _fire(order, "receive_cash", order.provider.user)

    entry = JournalEntry.objects.get(kind="cash_commission")
    assert entry.order_id == order.pk
    assert Posting.objects.filter(entry=entry).count() >= 3
