"""Each money flow and what it writes to the ledger."""

from datetime import timedelta

import pytest
from django.utils import timezone

from doorstep.core.errors import Conflict, DomainError
from doorstep.events.models import Event
from doorstep.payments import flows
from doorstep.payments.gateways import sandbox
from doorstep.payments.models import AccountKind as K
from doorstep.payments.models import (
    ExtraCharge,
    JournalEntry,
    PaymentStatus,
    PayoutRequest,
    SandboxCharge,
)
from doorstep.payments.tests.conftest import (
    CARD_CAPTURE_FAILS,
    CARD_DECLINED,
    CARD_OK,
    CARD_RETRY,
    balance,
    onboard,
    set_state,
)
from tests.factories import make_ops

pytestmark = pytest.mark.django_db


def test_authorise_holds_price_plus_service_fee_and_writes_no_entry(order):
    payment = flows.authorise_order(order=order, payment_method=CARD_OK)

    assert payment.status == PaymentStatus.AUTHORISED
    assert (payment.base_amount, payment.service_fee_amount, payment.amount) == (
        10_000,
        500,
        10_500,
    )
    assert payment.card_last4 == "4242"
    assert JournalEntry.objects.count() == 0
    assert SandboxCharge.objects.get().status == "authorised"


def test_a_declined_card_fails_and_another_card_may_be_tried(order):
    with pytest.raises(flows.PaymentError) as declined:
        flows.authorise_order(order=order, payment_method=CARD_DECLINED)
    assert declined.value.code == "card_declined"
    assert flows.order_payment(order).status == PaymentStatus.FAILED

    payment = flows.authorise_order(order=order, payment_method=CARD_OK)

    assert payment.status == PaymentStatus.AUTHORISED


def test_a_retry_card_succeeds_the_second_time(order):
    with pytest.raises(flows.PaymentError) as first:
        flows.authorise_order(order=order, payment_method=CARD_RETRY)
    assert first.value.retryable

    assert flows.authorise_order(order=order, payment_method=CARD_RETRY).status == (
        PaymentStatus.AUTHORISED
    )


def test_capture_moves_money_into_escrow_once(order):
    flows.authorise_order(order=order, payment_method=CARD_OK)

    flows.capture_order(order=order)
    flows.capture_order(order=order)

    assert balance(K.GATEWAY_FUNDS) == 10_500
    assert balance(K.ORDER_ESCROW, order=order) == 10_500
    assert JournalEntry.objects.filter(kind="capture").count() == 1


def test_a_capture_the_bank_refuses_posts_nothing(order):
    flows.authorise_order(order=order, payment_method=CARD_CAPTURE_FAILS)

    with pytest.raises(flows.PaymentError) as failed:
        flows.capture_order(order=order)

    assert failed.value.code == "capture_failed"
    assert JournalEntry.objects.count() == 0


def test_release_pays_provider_less_commission_and_keeps_the_fee(order, provider):
    flows.authorise_order(order=order, payment_method=CARD_OK)
    flows.capture_order(order=order)
    set_state(order, "completed")

    flows.release_order(order=order)
    flows.release_order(order=order)

    assert balance(K.ORDER_ESCROW, order=order) == 0
    assert balance(K.PROVIDER_PENDING, provider=provider) == 8_500  # 15% commission
    assert balance(K.COMMISSION_REVENUE) == 1_500
    assert balance(K.SERVICE_FEE_REVENUE) == 500


def test_release_refuses_an_order_that_is_not_completed(order):
    flows.authorise_order(order=order, payment_method=CARD_OK)
    flows.capture_order(order=order)

    with pytest.raises(Conflict):
        flows.release_order(order=order)


def test_void_releases_the_hold(order):
    flows.authorise_order(order=order, payment_method=CARD_OK)

    flows.void_order(order=order)

    assert flows.order_payment(order).status == PaymentStatus.VOIDED
    assert SandboxCharge.objects.get().status == "voided"
    assert JournalEntry.objects.count() == 0


def test_void_after_capture_refunds_everything(order):
    flows.authorise_order(order=order, payment_method=CARD_OK)
    flows.capture_order(order=order)

    flows.void_order(order=order)

    assert balance(K.ORDER_ESCROW, order=order) == 0
    assert balance(K.GATEWAY_FUNDS) == 0
    assert SandboxCharge.objects.get().refunded_amount == 10_500


def test_partial_refund_from_escrow_then_release_of_the_rest(order, provider):
    flows.authorise_order(order=order, payment_method=CARD_OK)
    flows.capture_order(order=order)

    flows.refund_order(order=order, amount=2_000, reference="dispute-1")
    flows.refund_order(order=order, amount=2_000, reference="dispute-1")  # repeat
    set_state(order, "completed")
    flows.release_order(order=order)

    assert balance(K.GATEWAY_FUNDS) == 8_500
    # 8 500 left: 500 fee, 8 000 earned, 15% commission.
    assert balance(K.PROVIDER_PENDING, provider=provider) == 6_800
    assert balance(K.COMMISSION_REVENUE) == 1_200
    assert balance(K.SERVICE_FEE_REVENUE) == 500


def test_refund_after_release_comes_back_from_the_provider(order, provider):
    flows.authorise_order(order=order, payment_method=CARD_OK)
    flows.capture_order(order=order)
    set_state(order, "completed")
    flows.release_order(order=order)

    flows.refund_order(order=order, amount=3_000, reference="goodwill")

    assert balance(K.PROVIDER_PENDING, provider=provider) == 5_500
    assert balance(K.REFUNDS_PAID) == 0
    assert balance(K.GATEWAY_FUNDS) == 7_500


def test_a_refund_larger_than_what_is_left_is_refused(order):
    flows.authorise_order(order=order, payment_method=CARD_OK)
    flows.capture_order(order=order)

    with pytest.raises(DomainError) as too_large:
        flows.refund_order(order=order, amount=10_501, reference="x")

    assert too_large.value.code == "refund_too_large"


def test_cancellation_fee_is_split_and_the_rest_refunded(order, provider):
    flows.authorise_order(order=order, payment_method=CARD_OK)
    flows.capture_order(order=order)
    set_state(order, "cancelled")
    type(order).objects.filter(pk=order.pk).update(cancellation_fee_amount=2_000)
    order.refresh_from_db()

    flows.settle_cancellation(order=order)
    flows.settle_cancellation(order=order)

    assert balance(K.ORDER_ESCROW, order=order) == 0
    assert balance(K.PROVIDER_PENDING, provider=provider) == 1_600
    assert balance(K.CANCELLATION_FEE_REVENUE) == 400
    assert balance(K.GATEWAY_FUNDS) == 2_000
    assert SandboxCharge.objects.get().refunded_amount == 8_500


def test_cancellation_fee_on_an_uncaptured_order_captures_only_the_fee(order, provider):
    flows.authorise_order(order=order, payment_method=CARD_OK)
    set_state(order, "cancelled")

    flows.settle_cancellation(order=order, fee=1_000)

    assert SandboxCharge.objects.get().captured_amount == 1_000
    assert balance(K.ORDER_ESCROW, order=order) == 0
    assert balance(K.PROVIDER_PENDING, provider=provider) == 800


def test_free_cancellation_voids(order):
    flows.authorise_order(order=order, payment_method=CARD_OK)
    set_state(order, "cancelled")

    assert flows.settle_cancellation(order=order) == 0

    assert SandboxCharge.objects.get().status == "voided"


def test_clearing_makes_pending_available_after_the_period(order, provider):
    flows.authorise_order(order=order, payment_method=CARD_OK)
    flows.capture_order(order=order)
    set_state(order, "completed")
    flows.release_order(order=order)

    assert flows.clear_pending(now=timezone.now()) == 0
    later = timezone.now() + timedelta(days=8)
    assert flows.clear_pending(now=later) == 1
    assert flows.clear_pending(now=later) == 0

    assert balance(K.PROVIDER_PENDING, provider=provider) == 0
    assert balance(K.PROVIDER_AVAILABLE, provider=provider) == 8_500


def test_tip_goes_to_the_provider_in_full(order, provider):
    flows.authorise_order(order=order, payment_method=CARD_OK)
    flows.capture_order(order=order)
    set_state(order, "completed")

    flows.add_tip(order=order, amount=1_000, reference="t1")
    flows.add_tip(order=order, amount=1_000, reference="t1")

    assert balance(K.PROVIDER_PENDING, provider=provider) == 1_000
    assert ExtraCharge.objects.get().status == ExtraCharge.Status.CAPTURED


def test_extra_charge_waits_for_approval_then_is_released_with_the_order(
    order, provider
):
    flows.authorise_order(order=order, payment_method=CARD_OK)
    flows.capture_order(order=order)
    set_state(order, "in_service")
    extra = flows.propose_extra_charge(order=order, amount=2_000, description="Pipe")
    assert balance(K.ORDER_ESCROW, order=order) == 10_500

    flows.approve_extra_charge(extra=extra)
    set_state(order, "completed")
    flows.release_order(order=order)

    assert balance(K.ORDER_ESCROW, order=order) == 0
    assert balance(K.PROVIDER_PENDING, provider=provider) == 10_200  # 12 000 - 15%


def test_platform_discount_funds_part_of_the_price(order, provider):
    flows.fund_discount(order=order, amount=1_000, reference="coupon:HELLO")
    payment = flows.authorise_order(order=order, payment_method=CARD_OK)
    flows.capture_order(order=order)
    set_state(order, "completed")
    flows.release_order(order=order)

    assert payment.amount == 9_500
    assert balance(K.GATEWAY_FUNDS) == 9_500
    assert balance(K.PROMOTIONS_EXPENSE) == 1_000
    assert balance(K.PROVIDER_PENDING, provider=provider) == 8_500


def test_full_refund_with_a_discount_returns_the_discount(order):
    flows.fund_discount(order=order, amount=1_000, reference="coupon:HELLO")
    flows.authorise_order(order=order, payment_method=CARD_OK)
    flows.capture_order(order=order)

    flows.refund_in_full(order=order, reference="resolve")

    assert balance(K.ORDER_ESCROW, order=order) == 0
    assert balance(K.PROMOTIONS_EXPENSE) == 0
    assert balance(K.GATEWAY_FUNDS) == 0


def _available(order, provider, amount):
    flows.authorise_order(order=order, payment_method=CARD_OK)
    flows.capture_order(order=order)
    set_state(order, "completed")
    flows.release_order(order=order)
    flows.clear_pending(now=timezone.now() + timedelta(days=8))
    assert balance(K.PROVIDER_AVAILABLE, provider=provider) == amount


def _available_and_onboarded(order, provider, amount):
    _available(order, provider, amount)
    onboard(provider)


def test_payout_paid_by_webhook(order, provider, django_user_model):
    _available_and_onboarded(order, provider, 8_500)
    ops = make_ops("Finance")
    payout = flows.request_payout(provider=provider, amount=8_000, currency="CNY")

    flows.approve_payouts(request_ids=[payout.pk], user=ops)
    payout.refresh_from_db()
    assert payout.status == PayoutRequest.Status.IN_TRANSIT
    assert balance(K.PROVIDER_AVAILABLE, provider=provider) == 500
    assert balance(K.PAYOUTS_IN_TRANSIT) == 8_000
    cash = balance(K.GATEWAY_FUNDS)

    sandbox.deliver_pending()
    payout.refresh_from_db()
    assert payout.status == PayoutRequest.Status.PAID
    assert balance(K.PAYOUTS_IN_TRANSIT) == 0
    assert balance(K.GATEWAY_FUNDS) == cash - 8_000
    assert list(
        Event.objects.filter(topic__startswith="payout.").values_list(
            "topic", "subject"
        )
    ) == [("payout.paid", payout.public_id)]


def test_a_payout_on_its_way_is_in_transit_at_the_gateway_too(
    order, provider, django_user_model
):
    """Until the bank answers (the webhook), the sandbox says "in transit" as
    we do, so reconciliation finds nothing to fix; its answer then pays it."""
    from doorstep.payments.reconciliation import reconcile

    _available_and_onboarded(order, provider, 8_500)
    ops = make_ops("Finance")
    payout = flows.request_payout(provider=provider, amount=8_000, currency="CNY")
    flows.approve_payouts(request_ids=[payout.pk], user=ops)

    assert reconcile() == []
    payout.refresh_from_db()
    assert payout.status == PayoutRequest.Status.IN_TRANSIT

    sandbox.deliver_pending()

    assert reconcile() == []
    payout.refresh_from_db()
    assert payout.status == PayoutRequest.Status.PAID


def test_failed_payout_returns_the_money(order, provider, django_user_model):
    _available(order, provider, 8_500)
    ops = make_ops("Finance")
    onboard(provider, account_id="acct_fail")
    payout = flows.request_payout(provider=provider, amount=8_000, currency="CNY")

    flows.approve_payouts(request_ids=[payout.pk], user=ops)
    sandbox.deliver_pending(seed=3, duplicates=True)

    payout.refresh_from_db()
    assert payout.status == PayoutRequest.Status.FAILED
    assert balance(K.PROVIDER_AVAILABLE, provider=provider) == 8_500
    assert balance(K.PAYOUTS_IN_TRANSIT) == 0
    # Delivered twice by the gateway, told once.
    assert list(
        Event.objects.filter(topic__startswith="payout.").values_list(
            "topic", "subject"
        )
    ) == [("payout.failed", payout.public_id)]


def test_a_refund_never_spends_cash_promised_to_a_payout_in_transit(
    order, provider, django_user_model
):
    """The gateway holds 10 500 and 8 000 of it is on its way to the provider:
    a refund the platform would pay beyond the other 2 500 is refused before
    the gateway moves anything, and the payout is then paid in full."""
    _available_and_onboarded(order, provider, 8_500)
    payout = flows.request_payout(provider=provider, amount=8_000, currency="CNY")
    flows.approve_payouts(request_ids=[payout.pk], user=make_ops("Finance"))
    assert flows.spendable_cash("CNY") == 10_500 - 8_000

    with pytest.raises(Conflict) as short:
        flows.refund_order(order=order, amount=2_501, reference="goodwill")

    assert short.value.code == "insufficient_platform_funds"
    assert SandboxCharge.objects.get().refunded_amount == 0
    flows.refund_order(order=order, amount=2_500, reference="goodwill")
    sandbox.deliver_pending(seed=1, duplicates=True)
    payout.refresh_from_db()
    assert payout.status == PayoutRequest.Status.PAID
    assert balance(K.GATEWAY_FUNDS) == 0


def test_a_payout_the_gateway_balance_cannot_cover_fails_and_moves_nothing(
    order, provider, settings
):
    """The platform refunded 3 000 of its own after release: the 8 500 the
    provider has is no longer all at the gateway, so an 8 000 payout fails
    (the gateway would refuse it) and the provider keeps the balance."""
    settings.DOORSTEP_REFUND_AFTER_RELEASE_FROM = "platform"
    _available_and_onboarded(order, provider, 8_500)
    flows.refund_order(order=order, amount=3_000, reference="goodwill")
    payout = flows.request_payout(provider=provider, amount=8_000, currency="CNY")

    flows.approve_payouts(request_ids=[payout.pk], user=make_ops("Finance"))

    payout.refresh_from_db()
    assert (payout.status, payout.failure_code) == (
        PayoutRequest.Status.FAILED,
        "insufficient_platform_funds",
    )
    assert balance(K.PROVIDER_AVAILABLE, provider=provider) == 8_500
    assert balance(K.PAYOUTS_IN_TRANSIT) == 0
    assert balance(K.GATEWAY_FUNDS) == 7_500


def test_reconcile_sends_a_stuck_payout_and_sees_its_outcome_at_once(
    order, provider, django_user_model
):
    """A payout the gateway refused to take ("retry later") stays approved and
    unsent; reconciliation sends it and, when the gateway already knows the
    outcome, records it in the same pass: a second pass finds nothing."""
    from doorstep.payments.reconciliation import reconcile

    _available_and_onboarded(order, provider, 8_500)
    ops = make_ops("Finance")
    payout = flows.request_payout(provider=provider, amount=8_000, currency="CNY")
    sandbox.inject_failure("payout", when="before")
    flows.approve_payouts(request_ids=[payout.pk], user=ops)
    sandbox.clear_injected_failures()
    payout.refresh_from_db()
    assert payout.status == PayoutRequest.Status.APPROVED
    assert not payout.gateway_payout_id

    reconcile(fix=True)

    assert reconcile() == []
    payout.refresh_from_db()
    assert payout.gateway_payout_id


def test_payouts_in_transit_is_a_credit_normal_liability():
    from doorstep.payments.ledger import ledger_account

    account = ledger_account(kind=K.PAYOUTS_IN_TRANSIT, currency="CNY")
    assert not account.debit_normal
    assert not account.may_go_negative


def test_payout_requests_respect_minimum_and_balance(order, provider):
    _available_and_onboarded(order, provider, 8_500)

    with pytest.raises(DomainError, match="smallest"):
        flows.request_payout(provider=provider, amount=10, currency="CNY")
    flows.request_payout(provider=provider, amount=5_000, currency="CNY")
    with pytest.raises(DomainError) as too_much:
        flows.request_payout(provider=provider, amount=5_000, currency="CNY")
    assert too_much.value.code == "insufficient_funds"
