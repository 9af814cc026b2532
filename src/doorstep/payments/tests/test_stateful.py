"""The money under random histories: a Hypothesis state machine books, pays,
accepts, cancels, completes, disputes, refunds, tips, clears, pays out, delivers
webhooks twice and out of order, repeats requests, and makes the gateway fail at
each step — and after every step checks the ledger's invariants.

Some listings are in tax regions (one showing prices with the tax included,
one adding it on top; each with a rule on the service and a rule on the
platform's fees); a provider subscribes to plans (renewed, declined into
dunning, recovered or expired by the billing job, changed, cancelled); a
provider buys promotion (fixed days, and a daily budget whose clicks are
charged), pauses and cancels it.

Runs on both databases; fewer examples on PostgreSQL (slower per example).
"""

import itertools
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.db.models import Count, Sum
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from doorstep.core.errors import Conflict, NotFound
from doorstep.marketplace.models import City
from doorstep.orders.models import Order, RescheduleRequest
from doorstep.orders.pricing import price_booking, save_lines
from doorstep.payments import flows, methods
from doorstep.payments.gateways import sandbox
from doorstep.payments.models import AccountKind as K
from doorstep.payments.models import (
    JournalEntry,
    LedgerAccount,
    Payment,
    PaymentStatus,
    PayoutRequest,
    Posting,
    SandboxCharge,
)
from doorstep.payments.reconciliation import reconcile
from doorstep.payments.tests.conftest import (
    CARD_CAPTURE_FAILS,
    CARD_DECLINED,
    CARD_OK,
    CARD_RETRY,
    onboard,
)
from doorstep.promotions import services as promotions
from doorstep.promotions.models import Promotion
from doorstep.subscriptions import billing
from doorstep.subscriptions import services as subscriptions
from doorstep.subscriptions.models import (
    Plan,
    PlanPrice,
    Subscription,
    SubscriptionCharge,
)
from doorstep.support import claims
from doorstep.taxes.models import OrderTax, TaxBase, TaxRegion, TaxRegionCity, TaxRule
from tests.factories import (
    make_category,
    make_listing,
    make_ops,
    make_order,
    make_provider,
    make_user,
)

CURRENCY_PRICES = [(10_000, "CNY"), (7_300, "CNY"), (8_000, "JPY"), (12_345, "KWD")]
# Listings done in a tax region's city: (city, price, currency). Taipei shows
# prices with the tax included, Hong Kong adds it on top; each region taxes
# the service and (by a second rule) the platform's fees.
TAXED_PRICES = [
    ("taipei", 10_000, "CNY"),
    ("hong-kong", 9_000, "CNY"),
    ("hong-kong", 8_000, "JPY"),
]
TAX_REGIONS = {
    "taipei": (True, [("VAT", 500, True, False), ("Fee VAT", 600, False, True)]),
    "hong-kong": (False, [("GST", 888, True, False), ("Fee GST", 500, False, True)]),
}
CURRENCIES = sorted(
    {currency for _price, currency in CURRENCY_PRICES}
    | {currency for _city, _price, currency in TAXED_PRICES}
)
TAX_KINDS = (K.TAX_LIABILITY, K.FEE_TAX_LIABILITY)
# Saved cards (sandbox tokens) a subscribing provider pays their plan with.
PLAN_CARD_OK = "sbx_success_visa_4242"
PLAN_CARD_DECLINED = "sbx_decline_visa_0002"
TERMINAL = {"completed", "cancelled", "declined", "expired", "refunded"}
CARDS = [CARD_OK, CARD_OK, CARD_OK, CARD_DECLINED, CARD_RETRY, CARD_CAPTURE_FAILS]
FAILURES = st.sampled_from([None, None, None, "before", "after", "crash"])
_slot = itertools.count(1)


def _set_state(order: Order, state: str, fee: int = 0) -> None:
    Order.objects.filter(pk=order.pk).update(state=state, cancellation_fee_amount=fee)
    order.refresh_from_db()


def _die(*args, **kwargs):
    raise SystemExit("worker killed between the gateway call and the posting")


class Money(RuleBasedStateMachine):
    """One marketplace, rolled back after each example."""

    def __init__(self) -> None:
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        category = make_category()
        category.commission_bps = 1500
        category.save(update_fields=["commission_bps"])
        # Money in three currencies, never summed together: yuan (two
        # decimals), yen (none) and Kuwaiti dinar (three).
        self.listings = [
            make_listing(category=category, price=price, currency=currency)
            for price, currency in CURRENCY_PRICES
        ]
        self.customer = make_user()
        self.ops = make_ops("Finance")
        self.orders: list[Order] = []
        self.fines: list[tuple[Order, str]] = []
        self.now = timezone.now()
        self._taxes(category)
        self._plans()
        # Promotion is bought for a listing of its own provider's.
        self.promoted = self.listings[1]
        self.promoter = self.promoted.provider.user

    def _taxes(self, category) -> None:
        """Two tax regions, in force since yesterday, and listings done in
        their cities (booked and priced as the booking service prices them)."""
        since = self.now - timedelta(days=1)
        for slug, (inclusive, rules) in TAX_REGIONS.items():
            region = TaxRegion.objects.create(
                code=slug, name=slug, prices_include_tax=inclusive
            )
            city = City.objects.get(slug=slug)
            TaxRegionCity.objects.create(region=region, city=city)
            for name, rate, on_service, on_fees in rules:
                TaxRule.objects.create(
                    region=region,
                    name=name,
                    rate_bps=rate,
                    on_service=on_service,
                    on_platform_fees=on_fees,
                    valid_from=since,
                )
        self.taxed = set()
        for slug, price, currency in TAXED_PRICES:
            city = City.objects.get(slug=slug)
            provider = make_provider(at=(city.latitude, city.longitude))
            listing = make_listing(
                provider=provider, category=category, price=price, currency=currency
            )
            self.taxed.add(listing.pk)
            self.listings.append(listing)

    def _plans(self) -> None:
        """Two plans in CNY (the dearer one takes 3% off the commission), and
        a subscribing provider (the first listing's) with a good card and a
        card the bank declines."""
        self.plans = []
        for name, amount, discount in (("Basic", 3_000, 0), ("Pro", 9_000, 300)):
            plan = Plan.objects.create(name_en=name, commission_discount_bps=discount)
            PlanPrice.objects.create(
                plan=plan, currency="CNY", interval="month", amount=amount
            )
            self.plans.append(plan)
        self.subscriber = self.listings[0].provider.user
        self.plan_cards = [
            methods.save_method(
                user=self.subscriber,
                gateway="sandbox",
                token=token,
                brand="visa",
                last4=token[-4:],
                make_default=token == PLAN_CARD_OK,
            )
            for token in (PLAN_CARD_OK, PLAN_CARD_DECLINED)
        ]

    def teardown(self) -> None:
        sandbox.clear_injected_failures()
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    # --- Helpers ----------------------------------------------------------------

    def _run(self, flow, failure: str | None, operation: str, **kwargs):
        """Run a flow with a failure injected at ``operation``; like the task
        queue, try again until it is done (every flow is idempotent)."""
        if failure in {"before", "after"}:
            sandbox.inject_failure(operation, when=failure)
        if failure == "crash":
            original = flows.record_capture
            flows.record_capture = _die
            try:
                flow(**kwargs)
            except SystemExit:
                pass
            except flows.PaymentError:
                pass
            finally:
                flows.record_capture = original
        for _attempt in range(3):
            try:
                return flow(**kwargs)
            except flows.PaymentError as error:
                if not error.retryable:
                    raise
        sandbox.clear_injected_failures()
        return flow(**kwargs)

    def _orders_in(self, *states: str) -> list[Order]:
        for order in self.orders:
            order.refresh_from_db()
        return [o for o in self.orders if o.state in states]

    # --- Rules ------------------------------------------------------------------

    @initialize()
    def first_orders(self):
        self.book(0, CARD_OK, 0, None)
        self.book(1, CARD_OK, 0, None)
        # In a tax region: one with the tax included, done and paid out (its
        # taxes owed); one with the tax added on top, booked.
        self.book(len(CURRENCY_PRICES), CARD_OK, 0, None)
        done = self.orders[-1]
        flows.capture_order(order=done)
        _set_state(done, "completed")
        flows.release_order(order=done)
        self.book(len(CURRENCY_PRICES) + 1, CARD_OK, 0, None)
        self.subscribe_to_plan(0, 0)

    def _make_order(self, listing) -> Order:
        """An order of ``listing``; in a tax region, priced and stored with its
        tax lines as the booking service does."""
        order = make_order(
            listing=listing,
            customer=self.customer,
            starts_in=timedelta(days=3, hours=3 * next(_slot)),
        )
        if listing.pk not in self.taxed:
            return order
        breakdown = price_booking(listing=listing, hours=None, add_ons=[])
        figures = breakdown.order_figures()
        figures.pop("currency")
        Order.objects.filter(pk=order.pk).update(**figures)
        order.refresh_from_db()
        order.lines.all().delete()
        save_lines(order, breakdown)
        assert order.taxes.exists()
        return order

    @rule(
        which=st.integers(0, len(CURRENCY_PRICES) + len(TAXED_PRICES) - 1),
        card=st.sampled_from(CARDS),
        discount=st.sampled_from([0, 0, 700]),
        failure=FAILURES,
    )
    def book(self, which, card, discount, failure):
        order = self._make_order(self.listings[which])
        self.orders.append(order)
        if discount:
            flows.fund_discount(order=order, amount=discount, reference="coupon")
        try:
            self._run(
                flows.authorise_order,
                None if failure == "crash" else failure,
                "authorise",
                order=order,
                payment_method=card,
            )
        except flows.PaymentError:
            _set_state(order, "declined")  # the booking is refused

    @rule(data=st.data(), failure=FAILURES)
    def accept(self, data, failure):
        orders = [
            o
            for o in self._orders_in("requested")
            if (flows.order_payment(o) or Payment(status="x")).status
            == PaymentStatus.AUTHORISED
        ]
        if not orders:
            return
        order = data.draw(st.sampled_from(orders))
        try:
            self._run(flows.capture_order, failure, "capture", order=order)
        except flows.PaymentError:
            # The bank refused the capture: the order cannot go ahead.
            _set_state(order, "cancelled")
            self._run(flows.void_order, None, "void", order=order)
            return
        _set_state(order, "accepted")

    @rule(data=st.data(), failure=FAILURES)
    def decline_or_expire(self, data, failure):
        orders = self._orders_in("requested")
        if orders:
            order = data.draw(st.sampled_from(orders))
            _set_state(order, data.draw(st.sampled_from(["declined", "expired"])))
            self._run(flows.void_order, failure, "void", order=order)

    @rule(data=st.data(), late=st.booleans(), failure=FAILURES)
    def cancel(self, data, late, failure):
        orders = self._orders_in("requested", "accepted")
        if orders:
            order = data.draw(st.sampled_from(orders))
            fee = (
                order.subtotal_amount // 5 if late and order.state == "accepted" else 0
            )
            _set_state(order, "cancelled", fee)
            self._run(
                flows.settle_cancellation,
                failure,
                "refund" if fee else "void",
                order=order,
            )

    @rule(data=st.data(), amount=st.integers(100, 3_000), failure=FAILURES)
    def extra_charge(self, data, amount, failure):
        orders = self._orders_in("accepted", "completed")
        if orders:
            order = data.draw(st.sampled_from(orders))
            extra = flows.propose_extra_charge(
                order=order, amount=amount, description="Parts"
            )
            self._run(flows.approve_extra_charge, failure, "capture", extra=extra)

    @rule(data=st.data(), failure=FAILURES)
    def late_reschedule_fee(self, data, failure):
        """The provider accepted a late reschedule: the policy's fee is charged
        (by the same flow the orders app queues after commit)."""
        orders = [
            o
            for o in self._orders_in("accepted")
            if (flows.order_payment(o) or Payment()).payment_method
        ]
        if orders:
            order = data.draw(st.sampled_from(orders))
            request = RescheduleRequest.objects.create(
                order=order,
                status=RescheduleRequest.Status.ACCEPTED,
                proposed_by="customer",
                proposed_by_user=order.customer,
                starts_at=order.starts_at + timedelta(hours=1),
                ends_at=order.ends_at + timedelta(hours=1),
                previous_starts_at=order.starts_at,
                is_late=True,
                fee_amount=order.subtotal_amount // 5,
                created_at=self.now,
            )
            self._run(
                flows.charge_late_change_fee,
                failure,
                "capture",
                order=order,
                request_id=request.public_id,
            )

    @rule(data=st.data(), failure=FAILURES)
    def complete(self, data, failure):
        orders = self._orders_in("accepted", "disputed")
        if orders:
            order = data.draw(st.sampled_from(orders))
            _set_state(order, "completed")
            self._run(flows.release_order, failure, "capture", order=order)

    @rule(data=st.data(), share=st.integers(1, 60), failure=FAILURES)
    def dispute_with_partial_refund(self, data, share, failure):
        orders = self._orders_in("accepted")
        if orders:
            order = data.draw(st.sampled_from(orders))
            _set_state(order, "disputed")
            payment = flows.order_payment(order)
            left = payment.captured_amount - payment.refunded_amount
            amount = max(1, left * share // 100)
            self._run(
                flows.refund_order,
                failure,
                "refund",
                order=order,
                amount=amount,
                reference=f"dispute-{order.pk}",
            )

    @rule(data=st.data(), failure=FAILURES)
    def resolve_with_full_refund(self, data, failure):
        orders = self._orders_in("disputed")
        if orders:
            order = data.draw(st.sampled_from(orders))
            _set_state(order, "refunded")
            self._run(
                flows.refund_in_full,
                failure,
                "refund",
                order=order,
                reference="resolve",
            )

    @rule(data=st.data(), share=st.integers(1, 100), failure=FAILURES)
    def refund_after_release(self, data, share, failure):
        orders = self._orders_in("completed")
        payments = [
            p
            for p in Payment.objects.filter(order__in=orders, kind="order")
            if p.status == PaymentStatus.CAPTURED
        ]
        if payments:
            payment = data.draw(st.sampled_from(payments))
            left = payment.captured_amount - payment.refunded_amount
            try:
                self._run(
                    flows.refund_order,
                    failure,
                    "refund",
                    order=payment.order,
                    amount=max(1, left * share // 100),
                    reference=f"late-{JournalEntry.objects.count()}",
                )
            except flows.Conflict as refused:
                # The provider was paid out and the platform's cash is short:
                # refused before the gateway moved anything.
                if refused.code != "insufficient_platform_funds":
                    raise
                sandbox.clear_injected_failures()

    @rule(data=st.data(), amount=st.integers(100, 2_000), failure=FAILURES)
    def tip(self, data, amount, failure):
        orders = [
            o
            for o in self._orders_in("completed")
            if (flows.order_payment(o) or Payment()).payment_method
        ]
        if orders:
            order = data.draw(st.sampled_from(orders))
            self._run(
                flows.add_tip,
                failure,
                "capture",
                order=order,
                amount=amount,
                reference=f"tip-{amount}",
            )

    # --- Fines (standards enforcement) -------------------------------------------

    @rule(data=st.data(), amount=st.integers(1, 12_000))
    def fine(self, data, amount):
        """A fine on any order of a provider: from their balances, the rest
        owed; charged twice by a repeated delivery, posted once."""
        if self.orders:
            order = data.draw(st.sampled_from(self.orders))
            fine_id = f"fin_{next(_slot)}"
            self.fines.append((order, fine_id))
            flows.charge_fine(order=order, fine_id=fine_id, amount=amount)
            flows.charge_fine(order=order, fine_id=fine_id, amount=amount)

    @rule(data=st.data())
    def overturn_fine(self, data):
        if self.fines:
            order, fine_id = data.draw(st.sampled_from(self.fines))
            flows.refund_fine(order=order, fine_id=fine_id)

    @rule()
    def collect_fine_debts(self):
        flows.collect_fine_debts()

    @rule(days=st.sampled_from([1, 8]))
    def clear(self, days):
        self.now += timedelta(days=days)
        flows.clear_pending(now=self.now)

    @rule(fail_account=st.booleans(), failure=FAILURES)
    def payout(self, fail_account, failure):
        for account in LedgerAccount.objects.filter(
            kind=K.PROVIDER_AVAILABLE, balance__gte=1_000
        ):
            provider = account.provider
            onboard(
                provider,
                account_id=f"acct_{'fail' if fail_account else 'ok'}_{provider.pk}",
            )
            try:
                request = flows.request_payout(
                    provider=provider,
                    amount=account.balance // 2 or account.balance,
                    currency=account.currency,
                )
            except flows.DomainError:
                continue
            if failure in {"before", "after"}:
                sandbox.inject_failure("payout", when=failure)
            flows.approve_payouts(request_ids=[request.pk], user=self.ops)
            sandbox.clear_injected_failures()

    @rule(seed=st.integers(0, 10_000))
    def deliver_webhooks(self, seed):
        sandbox.deliver_pending(seed=seed, duplicates=True)

    @rule()
    def reconcile_and_fix(self):
        reconcile(fix=True)
        assert reconcile() == []

    @rule(data=st.data())
    def repeat_a_request(self, data):
        """The same step again (a retried task, a double click): nothing new."""
        if not self.orders:
            return
        order = data.draw(st.sampled_from(self.orders))
        order.refresh_from_db()
        before = JournalEntry.objects.count()
        charges = list(
            SandboxCharge.objects.values_list("captured_amount", "refunded_amount")
        )
        repeat = {
            "completed": flows.release_order,
            "cancelled": flows.settle_cancellation,
            "declined": flows.void_order,
            "expired": flows.void_order,
        }.get(order.state)
        if repeat is not None:
            repeat(order=order)
            assert JournalEntry.objects.count() == before
            assert (
                list(
                    SandboxCharge.objects.values_list(
                        "captured_amount", "refunded_amount"
                    )
                )
                == charges
            )

    # --- Provider plans (subscriptions) -------------------------------------------
    #
    # Charged off session to the provider's saved card by the billing job, with
    # the machine's clock: a declined renewal goes past due (dunning) and is
    # tried again; it recovers when a good card is set, or expires after the
    # grace period (the provider is back on no plan).

    def _subscription(self) -> Subscription | None:
        return Subscription.objects.filter(
            provider__user=self.subscriber,
            status__in=["trialing", "active", "past_due"],
        ).first()

    @rule(plan=st.integers(0, 1), card=st.integers(0, 1))
    def subscribe_to_plan(self, plan, card):
        try:
            subscriptions.subscribe(
                user=self.subscriber,
                plan_id=self.plans[plan].public_id,
                interval="month",
                currency="CNY",
                method_id=self.plan_cards[card].public_id,
                now=self.now,
            )
        except flows.PaymentError:
            if card != 1:  # only the declining card is refused
                raise
        except Conflict as refused:
            if refused.code != "subscription_active":
                raise

    @rule(action=st.sampled_from(["Basic", "Pro", "cancel", "cancel at once"]))
    def change_or_cancel_plan(self, action):
        """Up (the difference charged at once), down (the unused part of the
        dearer plan refunded to the card), or cancel (at the period's end, or
        at once)."""
        try:
            if action.startswith("cancel"):
                subscriptions.cancel_subscription(
                    user=self.subscriber, at_once=action.endswith("once"), now=self.now
                )
                return
            plan = self.plans[0 if action == "Basic" else 1]
            subscriptions.change_plan(
                user=self.subscriber, plan_id=plan.public_id, now=self.now
            )
        except NotFound:
            assert self._subscription() is None
        except Conflict as refused:
            # The same plan again, or a failed renewal to pay first.
            if refused.code not in {"plan_unchanged", "conflict"}:
                raise
        except flows.PaymentError:
            pass  # a dearer plan on the declining card: nothing changes

    @rule(
        step=st.sampled_from(["period_end", "period_end", "1", "3", "8"]),
        card=st.sampled_from([None, None, 0, 1]),
        failure=FAILURES,
    )
    def run_plan_billing(self, step, card, failure):
        """The billing job, at the end of the period or some days later (the
        dunning retries and the grace period), with the gateway failing or
        the worker dying between the gateway's charge and the posting; the
        provider may have set a card first (one the bank declines, or a good
        one to recover a past-due plan)."""
        subscription = self._subscription()
        if card is not None and subscription is not None:
            subscriptions.set_subscription_card(
                user=self.subscriber, method_id=self.plan_cards[card].public_id
            )
        if step == "period_end":
            if subscription is not None:
                end = subscription.current_period_end + timedelta(minutes=1)
                self.now = max(self.now, end)
        else:
            self.now += timedelta(days=int(step))
        if failure in {"before", "after"}:
            sandbox.inject_failure("capture", when=failure)
        if failure == "crash":
            original = billing.record_paid
            billing.record_paid = _die
            try:
                billing.run_billing(now=self.now)
            except SystemExit:
                pass
            finally:
                billing.record_paid = original
        billing.run_billing(now=self.now)
        sandbox.clear_injected_failures()

    # --- Paid promotion ----------------------------------------------------------
    #
    # Taken from the provider's balances (what they cannot cover is owed), the
    # unused whole days refunded on cancelling; a daily budget's clicks are
    # charged once their day is over.

    @rule(
        days=st.integers(1, 5),
        budget=st.sampled_from([None, 300, 1_000]),
        cost=st.sampled_from([100, 250]),
    )
    def buy_promotion(self, days, budget, cost):
        """Fixed days (charged at once), or a daily budget (``budget``) whose
        clicks cost ``cost`` each."""
        if budget is None:
            promotions.buy_promotion(
                user=self.promoter,
                listing_id=self.promoted.public_id,
                days=days,
                request_key=f"buy-{next(_slot)}",
            )
            return
        try:
            promotions.buy_promotion(
                user=self.promoter,
                listing_id=self.promoted.public_id,
                days=days,
                mode=Promotion.Mode.DAILY_BUDGET,
                daily_budget=budget,
                cost_per_click=cost,
            )
        except Conflict as refused:
            if refused.code != "promotion_budget_running":
                raise

    @rule(clicks=st.integers(0, 6), days_later=st.sampled_from([None, 0, 1, 2]))
    def click_promoted(self, clicks, days_later):
        """Visitors open the promoted listing; then maybe the periodic job
        runs (as if ``days_later`` days had passed): the daily budgets'
        finished days are charged, finished promotions end."""
        for _click in range(clicks):
            promotions.count_click(
                listing_id=self.promoted.pk, visitor=f"visitor-{next(_slot)}"
            )
        if days_later is not None:
            promotions.end_finished_promotions(
                now=timezone.now() + timedelta(days=days_later)
            )

    @rule(data=st.data(), action=st.sampled_from(["pause", "resume", "cancel"]))
    def stop_promotion(self, data, action):
        ids = list(
            Promotion.objects.filter(listing=self.promoted).values_list(
                "public_id", flat=True
            )
        )
        if not ids:
            return
        service = {
            "pause": promotions.pause_promotion,
            "resume": promotions.resume_promotion,
            "cancel": promotions.cancel_promotion,
        }[action]
        try:
            service(user=self.promoter, promotion_id=data.draw(st.sampled_from(ids)))
        except Conflict as refused:
            if refused.code not in {"promotion_not_active", "promotion_not_paused"}:
                raise

    # --- Invariants -------------------------------------------------------------

    @invariant()
    def every_entry_balances(self):
        unbalanced = (
            Posting.objects.values("entry", "currency")
            .annotate(total=Sum("amount"))
            .exclude(total=0)
        )
        assert not unbalanced.exists()
        # One grouped read: every account's balance beside its postings' sum.
        for account in LedgerAccount.objects.annotate(total=Sum("postings__amount")):
            total = account.total or 0
            assert account.balance == (total if account.debit_normal else -total)

    @invariant()
    def escrow_is_zero_in_terminal_states(self):
        for account in LedgerAccount.objects.filter(
            kind=K.ORDER_ESCROW, order__state__in=TERMINAL
        ):
            assert account.balance == 0, (account.order.state, account.balance)

    @invariant()
    def no_restricted_balance_is_negative(self):
        assert not LedgerAccount.objects.filter(
            may_go_negative=False, balance__lt=0
        ).exists()

    @invariant()
    def money_is_conserved(self):
        # Two grouped reads per step (the balances by kind and currency, the
        # gateway's postings by entry kind and currency), then per currency.
        by_kind: dict[tuple[str, str], int] = {
            (kind, currency): total
            for kind, currency, total in LedgerAccount.objects.values_list(
                "kind", "currency"
            ).annotate(total=Sum("balance"))
        }
        at_gateway: dict[tuple[str, str], int] = {
            (kind, currency): total
            for kind, currency, total in Posting.objects.filter(
                account__kind=K.GATEWAY_FUNDS
            )
            .values_list("entry__kind", "account__currency")
            .annotate(total=Sum("amount"))
        }
        for currency in CURRENCIES:
            self._money_is_conserved_in(currency, by_kind, at_gateway)
        # The gateway never took more than we know of.
        for payment in Payment.objects.exclude(gateway_charge_id=""):
            charge = SandboxCharge.objects.get(charge_id=payment.gateway_charge_id)
            assert charge.refunded_amount <= charge.captured_amount <= charge.amount

    def _money_is_conserved_in(
        self,
        currency: str,
        by_kind: dict[tuple[str, str], int],
        at_gateway: dict[tuple[str, str], int],
    ) -> None:
        def gateway(kinds) -> int:
            return sum(at_gateway.get((kind, currency)) or 0 for kind in kinds)

        def balances(*kinds) -> int:
            return sum(by_kind.get((kind, currency)) or 0 for kind in kinds)

        captured = gateway(["capture"])
        refunded = -gateway(["refund"])
        paid_out = -gateway(["payout_paid", "payout_returned"])
        in_transit = balances(K.PAYOUTS_IN_TRANSIT)
        released = (
            balances(K.PROVIDER_PENDING, K.PROVIDER_AVAILABLE) + in_transit + paid_out
        )
        # Fines move provider balances to revenue; what a provider could not pay
        # is revenue the platform is owed (the receivable), not money it holds.
        # Promotion is paid from what providers hold (or owe): revenue moved
        # from their balances, never money from outside.
        revenue = balances(
            K.COMMISSION_REVENUE,
            K.SERVICE_FEE_REVENUE,
            K.CANCELLATION_FEE_REVENUE,
            K.PENALTY_REVENUE,
            K.PROMOTION_REVENUE,
        ) - balances(K.PROMOTIONS_EXPENSE, K.REFUNDS_PAID, K.PROVIDER_RECEIVABLE)
        escrow = balances(K.ORDER_ESCROW)
        # Tax collected is held for the tax authorities, not earned.
        tax = balances(*TAX_KINDS)
        assert captured == released + revenue + tax + refunded + escrow
        # Guarantee payouts are the platform's money, from the fund finance
        # put in: what left the gateway is what the fund lost.
        guaranteed = -gateway(["guarantee_payout"])
        assert guaranteed == balances(K.GUARANTEE_FUNDING) - balances(K.GUARANTEE_FUND)
        # Plans are charged to providers' cards: what the gateway took for
        # them, less what it gave back, is the subscription revenue.
        plans = gateway(["subscription_charge"]) + gateway(["subscription_refund"])
        assert plans == balances(K.SUBSCRIPTION_REVENUE)
        assert balances(K.GATEWAY_FUNDS) == (
            captured - refunded - paid_out - guaranteed + plans
        )

    @invariant()
    def tax_owed_is_the_orders_tax_lines(self):
        """Tax is owed from the release on (nothing while the money is held
        or for a cancelled order), per currency it is the sum of what each
        order owes, and an order owes at most its tax lines (``OrderTax``):
        exactly them when nothing of it was refunded, less the customer's
        share of what was."""
        postings = Posting.objects.filter(account__kind__in=TAX_KINDS)
        assert not postings.filter(entry__order=None).exists()
        per_order: dict[tuple[int, str], int] = {}
        per_currency: dict[str, int] = {}
        for order_id, kind, currency, total in postings.values_list(
            "entry__order", "account__kind", "currency"
        ).annotate(total=Sum("amount")):
            per_order[order_id, kind] = per_order.get((order_id, kind), 0) - total
            per_currency[currency] = per_currency.get(currency, 0) - total
        owed = dict(
            LedgerAccount.objects.filter(kind__in=TAX_KINDS)
            .values_list("currency")
            .annotate(total=Sum("balance"))
        )
        for currency in CURRENCIES:
            assert (owed.get(currency) or 0) == per_currency.get(currency, 0)
        lines: dict[tuple[int, str], int] = {}
        for order_id, base, amount in OrderTax.objects.values_list(
            "order_id", "base", "amount"
        ):
            kind = K.TAX_LIABILITY if base == TaxBase.SERVICE else K.FEE_TAX_LIABILITY
            lines[order_id, kind] = lines.get((order_id, kind), 0) + amount
        released = set(
            JournalEntry.objects.filter(kind="release").values_list(
                "order_id", flat=True
            )
        )
        refunded = set(
            Payment.objects.filter(refunded_amount__gt=0).values_list(
                "order_id", flat=True
            )
        )
        discounted = set(
            Order.objects.filter(discount_amount__gt=0).values_list("pk", flat=True)
        )
        for order_id in {order.pk for order in self.orders}:
            for kind in TAX_KINDS:
                posted = per_order.get((order_id, kind), 0)
                due = lines.get((order_id, kind), 0)
                assert 0 <= posted <= due, (order_id, kind, posted, due)
                if order_id not in released:
                    assert posted == 0, (order_id, kind, posted)
                elif order_id not in refunded | discounted:
                    assert posted == due, (order_id, kind, posted, due)

    @invariant()
    def plan_charges_are_posted_once(self):
        """A plan charge the gateway took is posted once; one it refused (or
        a dead worker left, until the job or reconcile finishes it) is not
        posted; refunds never pass what was paid."""
        posted = set(
            JournalEntry.objects.filter(
                kind__in=["subscription_charge", "subscription_refund"]
            ).values_list("idempotency_key", flat=True)
        )
        for charge in SubscriptionCharge.objects.all():
            key = billing.ledger_key(charge)
            if charge.status == SubscriptionCharge.Status.SUCCEEDED and charge.amount:
                assert key in posted, charge.idempotency_key
            elif charge.status != SubscriptionCharge.Status.PENDING:
                assert key not in posted, charge.idempotency_key
            assert charge.refunded_amount <= charge.amount

    @invariant()
    def promotions_are_charged_what_they_cost(self):
        """A fixed-days promotion is charged its price once and refunded its
        unused whole days at most once; a daily budget's day never spends
        past the budget and is charged what it spent."""
        revenue = dict(
            Posting.objects.filter(account__kind=K.PROMOTION_REVENUE)
            .values_list("entry__idempotency_key")
            .annotate(total=Sum("amount"))
        )
        for promotion in Promotion.objects.prefetch_related("days_counted"):
            charged = -revenue.get(flows.promotion_key(promotion.public_id), 0)
            refunded = revenue.get(promotions.refund_key(promotion.public_id), 0)
            assert charged == promotion.total
            assert refunded == promotion.refunded_days * promotion.day_price
            assert refunded <= charged
            for day in promotion.days_counted.all():
                assert day.spend <= day.budget
                if day.charged_entry_key:
                    charge_id = promotions.day_charge_id(promotion, day.day)
                    assert -revenue[flows.promotion_key(charge_id)] == day.spend

    @invariant()
    def no_idempotency_key_posted_twice(self):
        assert not (
            JournalEntry.objects.exclude(idempotency_key=None)
            .values("idempotency_key")
            .annotate(n=Count("pk"))
            .filter(n__gt=1)
            .exists()
        )

    @invariant()
    def payouts_in_transit_are_the_open_payouts(self):
        for currency in CURRENCIES:
            open_payouts = (
                PayoutRequest.objects.filter(
                    currency=currency,
                    status__in=[
                        PayoutRequest.Status.APPROVED,
                        PayoutRequest.Status.IN_TRANSIT,
                    ],
                ).aggregate(s=Sum("amount"))["s"]
                or 0
            )
            in_transit = (
                LedgerAccount.objects.filter(
                    kind=K.PAYOUTS_IN_TRANSIT, currency=currency
                ).aggregate(s=Sum("balance"))["s"]
                or 0
            )
            assert in_transit == open_payouts, currency

    @invariant()
    def payouts_end_paid_or_returned(self):
        for payout in PayoutRequest.objects.filter(status=PayoutRequest.Status.FAILED):
            returned = JournalEntry.objects.filter(
                idempotency_key=f"payout_returned:{payout.public_id}"
            ).exists()
            sent = JournalEntry.objects.filter(
                idempotency_key=f"payout:{payout.public_id}"
            ).exists()
            assert returned == sent

    # --- Disputes on evidence (support) -----------------------------------------
    #
    # The money side of ``support.disputes``: a dispute opened on a delivered
    # job holds its escrow; an offer accepted or an ops split settles it
    # through ``settle_dispute`` (``resolve_split``) or ``refund_in_full``
    # (``resolve_refund``); after completion the refund is taken back from the
    # provider, and what they no longer have becomes their debt.

    @rule(data=st.data())
    def open_dispute(self, data):
        orders = self._orders_in("accepted")
        if orders:
            _set_state(data.draw(st.sampled_from(orders)), "disputed")

    @rule(data=st.data(), share=st.integers(0, 100), failure=FAILURES)
    def settle_dispute_by_offer_or_ops_split(self, data, share, failure):
        orders = self._orders_in("disputed")
        if not orders:
            return
        order = data.draw(st.sampled_from(orders))
        payment = flows.order_payment(order)
        left = payment.captured_amount - payment.refunded_amount
        amount = left * share // 100
        if left and amount >= left:
            _set_state(order, "refunded")
            self._run(
                flows.refund_in_full,
                failure,
                "refund",
                order=order,
                reference="dispute",
            )
            return
        _set_state(order, "completed")
        self._run(
            flows.settle_dispute,
            failure,
            "refund" if amount else "capture",
            order=order,
            refund_amount=amount,
            reference=f"dsp_{order.pk}",
        )

    @rule(data=st.data(), share=st.integers(1, 100), failure=FAILURES)
    def settle_dispute_after_completion(self, data, share, failure):
        orders = self._orders_in("completed")
        payments = [
            p
            for p in Payment.objects.filter(order__in=orders, kind="order")
            if p.status == PaymentStatus.CAPTURED
        ]
        if not payments:
            return
        payment = data.draw(st.sampled_from(payments))
        left = payment.captured_amount - payment.refunded_amount
        try:
            self._run(
                flows.settle_dispute,
                failure,
                "refund",
                order=payment.order,
                refund_amount=max(1, left * share // 100),
                reference=f"dsp_late_{JournalEntry.objects.count()}",
            )
        except flows.Conflict as refused:
            if refused.code != "insufficient_platform_funds":
                raise
            sandbox.clear_injected_failures()

    # --- Claims (support): a warranty refund decided by ops, a guarantee payout

    def _support(self):
        if not hasattr(self, "support"):
            self.support = make_ops("Support")
            for listing in self.listings:
                listing.category.warranty_days = 365
                listing.category.save(update_fields=["warranty_days"])
        return self.support

    def _completed_and_captured(self) -> list[Payment]:
        return [
            p
            for p in Payment.objects.filter(
                order__in=self._orders_in("completed"), kind="order"
            )
            if p.status == PaymentStatus.CAPTURED
            and p.captured_amount > p.refunded_amount
        ]

    @rule(data=st.data(), share=st.integers(1, 100), failure=FAILURES)
    def warranty_refund(self, data, share, failure):
        """A warranty claim on a completed order, declined by the provider and
        refunded in part by ops: the flow the decision schedules, run."""
        payments = self._completed_and_captured()
        if not payments:
            return
        order = data.draw(st.sampled_from(payments)).order
        ops = self._support()
        try:
            claim = claims.file_warranty_claim(
                customer=order.customer, order_id=order.public_id, description="Drips"
            )
            left = claims.refundable(order)
            claim = claims.decide_warranty_claim(
                claim_id=claim.public_id,
                user=ops,
                outcome="refund",
                amount=max(1, left * share // 100),
                reason="Fitting fault",
            )
        except Conflict as refused:
            if refused.code != "claim_exists":  # one open claim per order
                raise
            return
        try:
            self._run(
                flows.refund_order,
                failure,
                "refund",
                order=order,
                amount=claim.refund_amount,
                reference=f"warranty:{claim.public_id}",
            )
        except flows.Conflict as refused:
            if refused.code != "insufficient_platform_funds":
                raise
            sandbox.clear_injected_failures()

    @rule(
        data=st.data(),
        fund=st.sampled_from([0, 500, 5_000]),
        share=st.integers(1, 100),
        failure=FAILURES,
    )
    def guarantee_payout(self, data, fund, share, failure):
        """Finance funds the guarantee; a damage claim on a completed order is
        approved by ops (at most the fund) and paid from it."""
        ops = self._support()
        if fund:
            flows.fund_guarantee(
                currency="CNY",
                amount=fund,
                user=self.ops,
                reason="reserve",
                key=f"fund-{next(_slot)}",
            )
        payments = self._completed_and_captured()
        if not payments:
            return
        order = data.draw(st.sampled_from(payments)).order
        available = min(
            claims.refundable(order),
            flows.guarantee_fund_balance(order.currency),
            claims.guarantee_cap(order.currency),
        )
        if available <= 0:
            return
        try:
            claim = claims.file_guarantee_claim(
                customer=order.customer,
                order_id=order.public_id,
                description="Scratched floor",
                amount=available,
            )
        except Conflict:
            return
        claim = claims.decide_guarantee_claim(
            claim_id=claim.public_id,
            user=ops,
            outcome="approve",
            amount=max(1, available * share // 100),
            reason="Photos",
        )
        try:
            self._run(
                flows.pay_guarantee,
                failure,
                "refund",
                order=order,
                amount=claim.approved_amount,
                reference=claim.public_id,
            )
        except flows.Conflict as refused:
            if refused.code != "insufficient_platform_funds":
                raise
            sandbox.clear_injected_failures()


@pytest.mark.django_db
def test_the_ledger_holds_under_random_histories():
    postgres = connection.vendor == "postgresql"
    run_state_machine_as_test(
        Money,
        settings=settings(
            max_examples=10 if postgres else 30,
            stateful_step_count=50,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            print_blob=True,
        ),
    )
