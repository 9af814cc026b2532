"""Thresholds, suspension and appeals: strikes that add up warn, restrict (no
new orders) or suspend; a suspension hides the listings and cancels and refunds
the future orders through the order process; lifting restores the listings;
strikes expire; an appeal overturned removes the strike and returns the fine
through the ledger. Every ops action is checked per role and audited."""

import itertools
from datetime import timedelta

import pytest
from django.utils import timezone

from doorstep.accounts.models import ProviderProfile
from doorstep.audit.models import AuditEntry
from doorstep.catalog.queries import bookable_listings
from doorstep.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from doorstep.notifications.models import Kind, Notification
from doorstep.orders.models import Order, OrderEvent
from doorstep.orders.states import OrderState
from doorstep.payments import flows
from doorstep.payments.models import AccountKind as K
from doorstep.payments.models import PaymentStatus
from doorstep.search.models import SearchDocument
from doorstep.trust import standards
from doorstep.trust.standards_models import (
    Appeal,
    PenaltyRule,
    PenaltyTrigger,
    ProviderStanding,
    ReasonCode,
    StandingLevel,
    Strike,
)
from doorstep.trust.tests.standards.helpers import (
    accepted_order,
    assert_ledger_balanced,
    balance,
    paid_order,
    started_late,
)
from tests.factories import make_ops, make_order, make_provider, make_user

pytestmark = pytest.mark.django_db
_days = itertools.count(10)


def _done_order(listing, customer) -> Order:
    """A finished job (each at its own time: a provider's times never overlap)."""
    return make_order(
        listing=listing,
        customer=customer,
        state="completed",
        starts_in=timedelta(days=next(_days)),
    )


@pytest.fixture
def enforcer():
    return make_ops("Trust & safety")


def _strike(provider, listing, customer, *, points: int = 1) -> Strike:
    """A quality complaint upheld on a delivered order (the cheap trigger)."""
    standards.penalty_rules()
    PenaltyRule.objects.filter(trigger=PenaltyTrigger.QUALITY_COMPLAINT).update(
        strikes=points
    )
    order = _done_order(listing, customer)
    return standards.uphold_quality_complaint(
        user=make_ops("Trust & safety"), order=order, reason="Left the job half done"
    )


def _level(provider) -> int:
    return ProviderStanding.objects.get(provider=provider).level


def test_strikes_warn_then_restrict_then_suspend(provider, listing, customer):
    _strike(provider, listing, customer, points=2)
    assert _level(provider) == StandingLevel.WARNED
    assert bookable_listings().filter(pk=listing.pk).exists()

    _strike(provider, listing, customer, points=2)
    provider.refresh_from_db()
    assert _level(provider) == StandingLevel.RESTRICTED
    assert provider.status == ProviderProfile.Status.RESTRICTED
    assert not bookable_listings().filter(pk=listing.pk).exists()
    standing = ProviderStanding.objects.get(provider=provider)
    assert standing.reason_code == ReasonCode.STRIKES_RESTRICTION

    _strike(provider, listing, customer, points=2)
    provider.refresh_from_db()
    assert _level(provider) == StandingLevel.SUSPENDED
    assert provider.status == ProviderProfile.Status.SUSPENDED
    assert AuditEntry.objects.filter(action="standards.standing_changed").count() == 3


def test_strikes_expire_and_the_periodic_review_restores_the_listings(
    provider, listing, customer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _strike(provider, listing, customer, points=4)
    assert _level(provider) == StandingLevel.RESTRICTED
    assert not SearchDocument.objects.filter(pk=listing.pk).exists()

    # When the job runs after the strike window
    later = timezone.now() + standards.STRIKE_WINDOW + timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert standards.review_standing_of_all(now=later) == {"lowered": 1}

    provider.refresh_from_db()
    assert _level(provider) == StandingLevel.GOOD
    assert provider.status == ProviderProfile.Status.ACTIVE
    assert bookable_listings().filter(pk=listing.pk).exists()
    assert SearchDocument.objects.filter(pk=listing.pk).exists()


def test_suspension_cancels_and_refunds_future_orders_and_offers_to_rebook(
    provider, listing, customer, fire, enforcer, django_capture_on_commit_callbacks
):
    # Given a confirmed (captured) job and a request (held) in the future
    accepted = accepted_order(listing, customer, fire)
    requested = paid_order(listing, make_user(), starts_in=timedelta(days=4))
    assert flows.order_payment(accepted).status == PaymentStatus.CAPTURED

    # When trust & safety suspend the provider
    with django_capture_on_commit_callbacks(execute=True):
        standards.set_standing(
            user=enforcer,
            provider=provider,
            level=StandingLevel.SUSPENDED,
            reason_code=ReasonCode.SAFETY,
            reason="Reported for threatening a customer",
        )

    # Then both orders were cancelled by the system through the order process
    for order in (accepted, requested):
        order.refresh_from_db()
        assert order.state == OrderState.CANCELLED
        assert order.cancellation_fee_amount == 0
        event = OrderEvent.objects.get(order=order, transition="cancel")
        assert (event.actor, event.data["reason"]) == ("system", "provider_suspended")
    # refunded in full: the captured money went back, the hold was released
    assert balance(K.ORDER_ESCROW, order=accepted) == 0
    payment = flows.order_payment(accepted)
    assert payment.refunded_amount == payment.captured_amount
    assert flows.order_payment(requested).status == PaymentStatus.VOIDED
    assert_ledger_balanced()
    # the customers were told, with a link to the same category
    notice = Notification.objects.get(
        recipient=customer, title="Your booking was cancelled and refunded"
    )
    assert notice.url.endswith("?category=deep-cleaning")
    assert Notification.objects.filter(
        recipient=provider.user, kind=Kind.STANDARDS, title="Your account is suspended"
    ).exists()
    # and the listings are hidden
    assert not bookable_listings().filter(pk=listing.pk).exists()
    assert not SearchDocument.objects.filter(pk=listing.pk).exists()

    # When ops lift the suspension
    with django_capture_on_commit_callbacks(execute=True):
        standards.lift_standing(
            user=enforcer, provider=provider, reason="Investigated: not confirmed"
        )

    # Then the published listings are bookable and searchable again
    provider.refresh_from_db()
    assert provider.status == ProviderProfile.Status.ACTIVE
    assert bookable_listings().filter(pk=listing.pk).exists()
    assert SearchDocument.objects.filter(pk=listing.pk).exists()
    assert AuditEntry.objects.filter(action="standards.standing_lifted").exists()


def test_past_and_started_orders_are_left_alone_by_a_suspension(
    provider, listing, customer, fire, enforcer
):
    started = started_late(accepted_order(listing, customer, fire))
    fire(started, "start", user=provider.user, data={"start_code": started.start_code})

    standards.set_standing(
        user=enforcer,
        provider=provider,
        level=StandingLevel.SUSPENDED,
        reason_code=ReasonCode.FRAUD,
        reason="Asked customers to pay outside the platform",
    )

    started.refresh_from_db()
    assert started.state == OrderState.IN_SERVICE


def test_lifting_a_provider_in_good_standing_is_refused(provider, enforcer):
    with pytest.raises(Conflict) as refused:
        standards.lift_standing(user=enforcer, provider=provider, reason="No reason")
    assert refused.value.code == "standing_already_good"


def test_a_manual_level_needs_a_reason_code_and_a_reason(provider, enforcer):
    for bad in (
        {"level": StandingLevel.GOOD, "reason_code": "safety", "reason": "x"},
        {"level": StandingLevel.WARNED, "reason_code": "lifted", "reason": "x"},
        {"level": StandingLevel.WARNED, "reason_code": "safety", "reason": " "},
    ):
        with pytest.raises(DomainError):
            standards.set_standing(user=enforcer, provider=provider, **bad)
    assert not AuditEntry.objects.exists()
    assert not ProviderStanding.objects.filter(level__gt=0).exists()


# --- Appeals -----------------------------------------------------------------------


def test_an_overturned_appeal_removes_the_strike_and_returns_the_fine(
    provider, listing, customer, fire, enforcer, django_capture_on_commit_callbacks
):
    # Given a no-show strike (2 points: warned) whose fine the provider owes
    order = started_late(accepted_order(listing, customer, fire))
    fire(order, "report_provider_no_show", user=customer)
    strike = Strike.objects.get(provider=provider)
    assert _level(provider) == StandingLevel.WARNED
    assert balance(K.PROVIDER_RECEIVABLE, provider=provider) == 2_000

    # When the provider appeals and ops overturn it
    appeal = standards.file_appeal(
        user=provider.user,
        strike_id=strike.public_id,
        text="The customer changed the address; I was at the old one.",
    )
    with django_capture_on_commit_callbacks(execute=True):
        standards.decide_appeal(
            user=enforcer,
            appeal_id=appeal.public_id,
            overturn=True,
            reason="The messages show the address changed an hour before.",
        )

    # Then the strike is gone, the debt forgiven, the standing good again
    strike.refresh_from_db()
    assert strike.removed_at is not None
    assert strike.fine.refunded_at is not None
    assert balance(K.PROVIDER_RECEIVABLE, provider=provider) == 0
    assert balance(K.PENALTY_REVENUE) == 0
    assert _level(provider) == StandingLevel.GOOD
    assert_ledger_balanced()
    assert AuditEntry.objects.filter(action="standards.appeal_overturned").exists()
    assert Notification.objects.filter(
        recipient=provider.user, title="Your appeal was accepted"
    ).exists()
    # and deciding again is refused
    with pytest.raises(Conflict):
        standards.decide_appeal(
            user=enforcer, appeal_id=appeal.public_id, overturn=False, reason="x"
        )


def test_a_fine_taken_from_the_balance_is_credited_back_when_overturned(
    provider, listing, customer, fire, enforcer
):
    from doorstep.trust.tests.standards.helpers import earned

    earned(listing, customer, fire)
    pending = balance(K.PROVIDER_PENDING, provider=provider)
    order = started_late(accepted_order(listing, customer, fire))
    fire(order, "report_provider_no_show", user=customer)
    assert balance(K.PROVIDER_PENDING, provider=provider) == pending - 2_000
    strike = Strike.objects.get(provider=provider)

    appeal = standards.file_appeal(
        user=provider.user, strike_id=strike.public_id, text="I was there."
    )
    standards.decide_appeal(
        user=enforcer, appeal_id=appeal.public_id, overturn=True, reason="Photos."
    )

    assert balance(K.PROVIDER_AVAILABLE, provider=provider) == 2_000
    assert balance(K.PENALTY_REVENUE) == 0
    assert_ledger_balanced()


def test_an_upheld_appeal_keeps_the_strike(provider, listing, customer, enforcer):
    strike = _strike(provider, listing, customer)
    appeal = standards.file_appeal(
        user=provider.user, strike_id=strike.public_id, text="It was fine."
    )

    standards.decide_appeal(
        user=enforcer, appeal_id=appeal.public_id, overturn=False, reason="Photos."
    )

    strike.refresh_from_db()
    appeal.refresh_from_db()
    assert strike.removed_at is None
    assert appeal.status == Appeal.Status.UPHELD


def test_appeals_are_the_providers_own_once_and_need_a_text(
    provider, listing, customer
):
    strike = _strike(provider, listing, customer)
    other_provider = make_provider()
    for stranger in (other_provider.user, customer, make_ops("Ops admin")):
        with pytest.raises(NotFound):
            standards.file_appeal(
                user=stranger, strike_id=strike.public_id, text="Not mine"
            )
    with pytest.raises(DomainError) as empty:
        standards.file_appeal(user=provider.user, strike_id=strike.public_id, text=" ")
    assert empty.value.code == "text_missing"
    assert not Appeal.objects.exists()

    standards.file_appeal(user=provider.user, strike_id=strike.public_id, text="No")
    with pytest.raises(Conflict) as again:
        standards.file_appeal(user=provider.user, strike_id=strike.public_id, text="2")
    assert again.value.code == "appeal_exists"


# --- Permissions per ops role ------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("Support", False),
        ("Finance", False),
        ("Trust & safety", True),
        ("Ops admin", True),
    ],
)
def test_only_roles_that_enforce_standards_may_act(
    provider, listing, customer, role, allowed
):
    strike = _strike(provider, listing, customer)
    appeal = standards.file_appeal(
        user=provider.user, strike_id=strike.public_id, text="Please look again"
    )
    order = _done_order(listing, customer)
    user = make_ops(role)
    audited = AuditEntry.objects.count()
    calls = [
        lambda: standards.update_penalty_rule(
            user=user,
            trigger=PenaltyTrigger.NO_SHOW,
            active=True,
            fine_bps=2500,
            fine_fixed={"CNY": 3000},
            strikes=2,
            reason="Policy review",
        ),
        lambda: standards.uphold_quality_complaint(
            user=user, order=order, reason="Upheld"
        ),
        lambda: standards.set_standing(
            user=user,
            provider=provider,
            level=StandingLevel.WARNED,
            reason_code=ReasonCode.CONDUCT,
            reason="Rude to a customer",
        ),
        lambda: standards.lift_standing(user=user, provider=provider, reason="Ok"),
        lambda: standards.decide_appeal(
            user=user, appeal_id=appeal.public_id, overturn=False, reason="Stands"
        ),
    ]
    for call in calls:
        if allowed:
            call()
        else:
            with pytest.raises(PermissionDenied):
                call()
    if allowed:
        assert AuditEntry.objects.count() > audited + len(calls)
        assert PenaltyRule.objects.get(trigger="no_show").fine_bps == 2500
    else:
        assert AuditEntry.objects.count() == audited
        assert Appeal.objects.get().status == Appeal.Status.OPEN
        assert Strike.objects.count() == 1


def test_a_bad_rule_is_refused_and_nothing_changes(enforcer):
    before = [
        (r.trigger, r.fine_bps, r.fine_fixed, r.strikes)
        for r in standards.penalty_rules()
    ]
    for bad in (
        {"fine_bps": 10_001, "fine_fixed": {}, "strikes": 1},
        {"fine_bps": 100, "fine_fixed": {"yuan": 5}, "strikes": 1},
        {"fine_bps": 100, "fine_fixed": {"CNY": -5}, "strikes": 1},
        {"fine_bps": 100, "fine_fixed": {}, "strikes": 11},
    ):
        with pytest.raises(DomainError):
            standards.update_penalty_rule(
                user=enforcer,
                trigger=PenaltyTrigger.NO_SHOW,
                active=True,
                reason="Try",
                **bad,
            )
    after = [
        (r.trigger, r.fine_bps, r.fine_fixed, r.strikes)
        for r in standards.penalty_rules()
    ]
    assert before == after
    assert not AuditEntry.objects.exists()


def test_a_rule_change_is_audited_with_before_and_after(enforcer):
    standards.update_penalty_rule(
        user=enforcer,
        trigger=PenaltyTrigger.LATE_CANCELLATION,
        active=True,
        fine_bps=1500,
        fine_fixed={"cny": 2000},
        strikes=1,
        reason="Too many late cancellations this month",
    )
    entry = AuditEntry.objects.get(action="standards.rule_changed")
    assert entry.before["fine_bps"] == 1000
    assert entry.after == {
        "active": True,
        "fine_bps": 1500,
        "fine_fixed": {"CNY": 2000},
        "strikes": 1,
    }
    assert entry.actor == enforcer


def test_orders_of_other_states_are_not_complaints(provider, listing, customer):
    order = make_order(listing=listing, customer=customer, state="accepted")
    with pytest.raises(Conflict):
        standards.uphold_quality_complaint(
            user=make_ops("Trust & safety"), order=order, reason="Too early"
        )
    assert not Strike.objects.exists()
    assert Order.objects.get(pk=order.pk).state == "accepted"
