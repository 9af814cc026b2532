"""Growth's money under random histories, and a single-use code under a race.

A Hypothesis state machine books orders, applies and re-applies codes (a
limited-use code on a small budget, a friend's referral code), credit and
points, pays, cancels, refunds in full, completes and settles, and expires
lots — and after every step checks that the codes' counts, the campaigns'
budgets, the lots and the ledger agree. Then 32 customers apply one
single-use code at once: exactly one gets it.

Runs on both databases (SQLite serialises the racing writers: IMMEDIATE
transactions with a timeout, see ``settings.DATABASES``).
"""

import itertools
import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from doorstep.core.errors import DomainError
from doorstep.growth import checkout, rewards
from doorstep.growth.models import (
    Campaign,
    Coupon,
    Redemption,
    Referral,
    ReferralCode,
    RewardLot,
    RewardMove,
)
from doorstep.orders.models import Order
from doorstep.payments import flows
from doorstep.payments.models import AccountKind as K
from doorstep.payments.models import LedgerAccount, Posting
from tests.factories import make_category, make_listing, make_order, make_user

CARD = "4242 4242 4242 4242"
TERMINAL = {"completed", "cancelled", "declined", "expired", "refunded"}
FELL_THROUGH = {"cancelled", "refunded"}
_slot = itertools.count(1)


@pytest.fixture(autouse=True)
def _money(settings):
    settings.DOORSTEP_PAYMENT_GATEWAY = "sandbox"
    settings.DOORSTEP_SANDBOX_AUTO_DELIVER = False
    settings.DOORSTEP_SANDBOX_CHAOS = False
    settings.DOORSTEP_SERVICE_FEE_BPS = 500


def _listing(price: int = 20_000):
    category = make_category()
    category.commission_bps = 1_000
    category.save(update_fields=["commission_bps"])
    return make_listing(category=category, price=price, currency="CNY")


def _set_state(order: Order, state: str) -> None:
    Order.objects.filter(pk=order.pk).update(state=state)
    order.refresh_from_db()


def _balance(kind, **party) -> int:
    return (
        LedgerAccount.objects.filter(kind=kind, **party).aggregate(s=Sum("balance"))[
            "s"
        ]
        or 0
    )


def _any(*states: str):
    """Only when some order is in one of ``states`` (no idle steps)."""
    return precondition(lambda self: bool(self._orders_in(*states)))


class Growth(RuleBasedStateMachine):
    """Two customers (one invited by a friend), one listing, one limited code
    on a small budget and the referral programme's welcome offer; rolled back
    after each example."""

    def __init__(self) -> None:
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.now = timezone.now()
        since = self.now - timedelta(days=1)
        self.listing = _listing()
        self.customers = [make_user(), make_user()]
        inviter = make_user()
        code = ReferralCode.objects.create(user=inviter, code="FRIEND1")
        Referral.objects.create(
            code=code, inviter=inviter, invitee=self.customers[0], created_at=self.now
        )
        # Two uses of 1 500 fit the 4 000 budget, the third does not; three
        # uses in all, up to three per person.
        self.promo = Campaign.objects.create(
            name="Small",
            kind=Campaign.Kind.PROMOTION,
            currency="CNY",
            budget_amount=4_000,
            starts_at=since,
        )
        self.limited = Coupon.objects.create(
            code="LIMITED",
            campaign=self.promo,
            kind=Coupon.Kind.FIXED,
            amount=1_500,
            currency="CNY",
            max_uses=3,
            per_user_limit=3,
            valid_from=since,
        )
        self.welcome_campaign = Campaign.objects.create(
            name="Friends",
            kind=Campaign.Kind.REFERRAL,
            currency="CNY",
            budget_amount=50_000,
            starts_at=since,
        )
        self.welcome = Coupon.objects.create(
            code="WELCOME",
            campaign=self.welcome_campaign,
            kind=Coupon.Kind.FIXED,
            amount=1_000,
            currency="CNY",
            max_uses=None,
            per_user_limit=5,
            valid_from=since,
        )
        self.orders: list[Order] = []
        self.settled: set[int] = set()
        self._grants = itertools.count(1)

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    def _orders_in(self, *states: str) -> list[Order]:
        # Only these rules change states (and keep ``self.orders`` in step).
        return [o for o in self.orders if o.state in states]

    def _fell_through(self, order: Order) -> None:
        """What ``growth.consumers`` does when the order's event is delivered."""
        checkout.release(order, now=self.now)

    # --- Rules ------------------------------------------------------------------

    @initialize()
    def rewards_to_spend(self):
        for customer in self.customers:
            self.grant(customer is self.customers[0], "points", 800, 0)
            self.grant(customer is self.customers[0], "credit", 1_200, 0)
            self.book(customer is self.customers[0])

    @rule(
        first=st.booleans(),
        kind=st.sampled_from(["points", "credit"]),
        amount=st.sampled_from([300, 1_000, 4_000]),
        days_ago=st.sampled_from([0, 30, 200]),
    )
    def grant(self, first, kind, amount, days_ago):
        rewards.grant(
            user=self.customers[0 if first else 1],
            kind=kind,
            source=RewardLot.Source.GOODWILL,
            source_ref=f"g{next(self._grants)}",
            amount=amount,
            currency="CNY",
            now=self.now - timedelta(days=days_ago),
        )

    @rule(first=st.booleans())
    def book(self, first):
        self.orders.append(
            make_order(
                listing=self.listing,
                customer=self.customers[0 if first else 1],
                state="awaiting_payment",
                starts_in=timedelta(days=3, hours=3 * next(_slot)),
            )
        )

    @_any("awaiting_payment")
    @rule(
        data=st.data(),
        code=st.sampled_from(["", "", "LIMITED", "LIMITED", "FRIEND1", "WELCOME"]),
        use_credit=st.booleans(),
        points=st.sampled_from([0, 0, 100, 700, 5_000]),
    )
    def apply(self, data, code, use_credit, points):
        """Apply (or re-apply with other choices): a refusal changes nothing."""
        order = data.draw(st.sampled_from(self._orders_in("awaiting_payment")))
        before = (checkout.perks_of(order, now=self.now), order.total_amount)
        try:
            perks = checkout.apply(
                order=order,
                user=order.customer,
                code=code,
                use_credit=use_credit,
                points=points,
                now=self.now,
            )
        except DomainError as refused:
            refusal = refused.code
        else:
            refusal = None
        if refusal is not None:
            assert refusal in {
                "promo_code_used_up",
                "promo_code_not_applicable",
                "not_enough_points",
            }, refusal
            order.refresh_from_db()
            assert (
                checkout.perks_of(order, now=self.now),
                order.total_amount,
            ) == before
            return
        order.refresh_from_db()
        assert perks.total_amount <= checkout.most_off(order)
        assert order.discount_amount == perks.total_amount
        assert order.total_amount == (
            order.subtotal_amount + order.service_fee_amount - perks.total_amount
        )

    @_any("awaiting_payment")
    @rule(data=st.data())
    def pay(self, data):
        orders = self._orders_in("awaiting_payment")
        if not orders:
            return
        order = data.draw(st.sampled_from(orders))
        flows.authorise_order(order=order, payment_method=CARD)
        _set_state(order, "requested")
        flows.capture_order(order=order)
        _set_state(order, "accepted")

    @_any("awaiting_payment", "requested", "accepted")
    @rule(data=st.data())
    def cancel(self, data):
        """Before payment, or after it (everything given back)."""
        orders = self._orders_in("awaiting_payment", "requested", "accepted")
        if not orders:
            return
        order = data.draw(st.sampled_from(orders))
        _set_state(order, "cancelled")
        flows.settle_cancellation(order=order)
        self._fell_through(order)

    @_any("accepted")
    @rule(data=st.data())
    def refund_in_full(self, data):
        orders = self._orders_in("accepted")
        if not orders:
            return
        order = data.draw(st.sampled_from(orders))
        _set_state(order, "refunded")
        flows.refund_in_full(order=order, reference="resolve")
        self._fell_through(order)

    @_any("accepted")
    @rule(data=st.data())
    def complete_and_settle(self, data):
        orders = self._orders_in("accepted")
        if not orders:
            return
        order = data.draw(st.sampled_from(orders))
        _set_state(order, "completed")
        flows.release_order(order=order)
        assert rewards.settle_order(order, now=self.now)
        assert not rewards.settle_order(order, now=self.now)

    @_any("accepted")
    @rule(data=st.data())
    def complete_only(self, data):
        """Completed, its rewards left to the periodic sweep."""
        orders = self._orders_in("accepted")
        if not orders:
            return
        order = data.draw(st.sampled_from(orders))
        _set_state(order, "completed")
        flows.release_order(order=order)

    @rule()
    def settle_due(self):
        rewards.settle_due(now=self.now + timedelta(days=60))

    @rule(days=st.sampled_from([10, 100, 400, 1_000]))
    def expire(self, days):
        rewards.expire_due(now=self.now + timedelta(days=days))

    # --- Invariants -------------------------------------------------------------

    @invariant()
    def every_entry_balances(self):
        assert not (
            Posting.objects.values("entry", "currency")
            .annotate(total=Sum("amount"))
            .exclude(total=0)
            .exists()
        )

    @invariant()
    def codes_count_their_active_uses(self):
        # The welcome coupon counts friends' codes and direct uses alike.
        for coupon in Coupon.objects.all():
            active = Redemption.objects.filter(
                coupon=coupon, status=Redemption.Status.ACTIVE
            ).count()
            assert coupon.uses == active, (coupon.code, coupon.uses, active)
            assert coupon.max_uses is None or coupon.uses <= coupon.max_uses

    @invariant()
    def budgets_hold(self):
        for campaign in Campaign.objects.all():
            assert campaign.spent_amount >= 0
            if campaign.budget_amount is not None:
                assert campaign.spent_amount <= campaign.budget_amount
            active = (
                Redemption.objects.filter(
                    campaign=campaign, status=Redemption.Status.ACTIVE
                ).aggregate(s=Sum("amount"))["s"]
                or 0
            )
            assert campaign.spent_amount == active, (campaign.name, active)

    @invariant()
    def liabilities_are_the_open_lots(self):
        assert not RewardLot.objects.filter(remaining__lt=0).exists()
        for kind, account in (
            (RewardLot.Kind.POINTS, K.POINTS_LIABILITY),
            (RewardLot.Kind.CREDIT, K.CREDIT_LIABILITY),
        ):
            held = (
                RewardLot.objects.filter(kind=kind, currency="CNY").aggregate(
                    s=Sum("remaining")
                )["s"]
                or 0
            )
            assert _balance(account, currency="CNY") == held, (kind, held)
        for lot in RewardLot.objects.all():
            moved = lot.moves.aggregate(s=Sum("change"))["s"] or 0
            assert moved == lot.remaining, (lot.public_id, moved, lot.remaining)

    @invariant()
    def escrow_is_zero_in_terminal_states(self):
        for account in LedgerAccount.objects.filter(
            kind=K.ORDER_ESCROW, order__state__in=TERMINAL
        ):
            assert account.balance == 0, (account.order.state, account.balance)

    @invariant()
    def orders_that_fell_through_hold_nothing(self):
        gone = Order.objects.filter(state__in=FELL_THROUGH)
        assert not Redemption.objects.filter(
            order__in=gone, status=Redemption.Status.ACTIVE
        ).exists()
        assert not RewardMove.objects.filter(
            order__in=gone, kind=RewardMove.Kind.SPENT, reversal__isnull=True
        ).exists()

    @invariant()
    def only_completed_orders_reward(self):
        assert (
            not Referral.objects.filter(
                status__in=[Referral.Status.REWARDED, Referral.Status.QUALIFIED]
            )
            .exclude(order__state="completed")
            .exists()
        )
        assert (
            not Order.objects.filter(growth_rewards__isnull=False)
            .exclude(state="completed")
            .exists()
        )


@pytest.mark.django_db
def test_codes_rewards_and_the_ledger_agree_under_random_histories():
    postgres = connection.vendor == "postgresql"
    run_state_machine_as_test(
        Growth,
        settings=settings(
            max_examples=10 if postgres else 30,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            print_blob=True,
        ),
    )


# --- A race for a single-use code ---------------------------------------------------

RACERS = 32


@pytest.mark.django_db(transaction=True)
def test_32_customers_racing_for_a_single_use_code_one_gets_it():
    listing = _listing()
    campaign = Campaign.objects.create(
        name="Once", kind=Campaign.Kind.PROMOTION, currency="CNY", budget_amount=10_000
    )
    coupon = Coupon.objects.create(
        code="ONCE",
        campaign=campaign,
        kind=Coupon.Kind.FIXED,
        amount=2_000,
        currency="CNY",
        max_uses=1,
    )
    orders = [
        make_order(
            listing=listing,
            state="awaiting_payment",
            starts_in=timedelta(days=3, hours=3 * i),
        )
        for i in range(RACERS)
    ]
    totals = {order.pk: order.total_amount for order in orders}
    barrier = threading.Barrier(RACERS)
    outcomes: dict[int, str] = {}
    errors: list[BaseException] = []
    lock = threading.Lock()

    def attempt(order: Order) -> None:
        try:
            barrier.wait()
            checkout.apply(order=order, user=order.customer, code="once")
            result = "applied"
        except DomainError as refused:
            result = refused.code
        except BaseException as error:
            result = "error"
            with lock:
                errors.append(error)
        finally:
            connection.close()
        with lock:
            outcomes[order.pk] = result

    threads = [threading.Thread(target=attempt, args=(o,)) for o in orders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    winners = [pk for pk, result in outcomes.items() if result == "applied"]
    assert len(winners) == 1
    losers = [result for result in outcomes.values() if result != "applied"]
    assert len(losers) == RACERS - 1
    assert set(losers) <= {"promo_code_used_up", "promo_code_not_applicable"}
    coupon.refresh_from_db()
    campaign.refresh_from_db()
    assert coupon.uses == 1
    assert campaign.spent_amount == 2_000
    redemption = Redemption.objects.get(status=Redemption.Status.ACTIVE)
    assert redemption.order_id == winners[0]
    assert Redemption.objects.count() == 1
    for order in Order.objects.filter(pk__in=totals):
        if order.pk == winners[0]:
            assert order.total_amount == totals[order.pk] - 2_000
        else:
            assert order.total_amount == totals[order.pk]
            assert order.discount_amount == 0


@pytest.mark.django_db
def test_a_friends_code_gives_back_the_welcome_coupons_use():
    listing = _listing()
    inviter, invitee = make_user(), make_user()
    code = ReferralCode.objects.create(user=inviter, code="FRIEND1")
    Referral.objects.create(code=code, inviter=inviter, invitee=invitee)
    since = timezone.now() - timedelta(days=1)
    campaign = Campaign.objects.create(
        name="Friends", kind=Campaign.Kind.REFERRAL, currency="CNY", starts_at=since
    )
    welcome = Coupon.objects.create(
        code="WELCOME",
        campaign=campaign,
        kind=Coupon.Kind.FIXED,
        amount=1_000,
        currency="CNY",
        valid_from=since,
    )
    order = make_order(
        listing=listing,
        customer=invitee,
        state="awaiting_payment",
        starts_in=timedelta(days=5),
    )
    checkout.apply(order=order, user=invitee, code="FRIEND1")
    checkout.apply(order=order, user=invitee, code="")  # changed their mind

    welcome.refresh_from_db()
    assert not Redemption.objects.filter(status=Redemption.Status.ACTIVE).exists()
    assert welcome.uses == 0
