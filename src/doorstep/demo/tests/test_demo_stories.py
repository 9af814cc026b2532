"""The demo's stories, checked on one build of it.

``make demo`` builds the marketplace through the real services, so each area's
part of it — disputes, tickets, claims, standards, trust, money, plans, growth,
quotes, recurring series, favourites — is a story told by that area's
services, and each test below reads one story back. A build of this size takes
minutes, and every test here only reads, so the module builds the demo once
(:func:`demo`) instead of once a test.

The build commits as production does (money flows and notifications run after
commit), so it runs outside any test transaction, and the database is flushed
when the module is done (the suite's ``flush`` writes the migrations' reference
data back). Each test then runs in a transaction that is rolled back, so none
can change what the next one reads. The tests share one xdist group so that one
worker builds it.
Tests that build the demo in other ways (at another hour, at full size, twice)
live beside this module."""

import itertools
from dataclasses import dataclass
from datetime import datetime

import pytest
from django.core.management import call_command
from django.db.models import Sum
from django.utils import timezone

from doorstep.accounts.models import ProviderProfile, User
from doorstep.audit.models import AuditEntry
from doorstep.catalog.models import Listing, PricingModel
from doorstep.catalog.queries import bookable_listings
from doorstep.demo.builders import DEMO_LOGINS, BuildReport, build_demo
from doorstep.demo.data import CITIES
from doorstep.demo.support_help import ARTICLES
from doorstep.growth.models import (
    Campaign,
    CodeBatch,
    Coupon,
    Redemption,
    Referral,
    RewardLot,
    RewardMove,
    Touch,
)
from doorstep.orders.models import Order, OrderEvent
from doorstep.orders.states import OrderState
from doorstep.payments import flows
from doorstep.payments.models import AccountKind, LedgerAccount, Posting
from doorstep.payments.reconciliation import reconcile
from doorstep.quotes.models import CategoryQuestion, Invitation, JobRequest, Quote
from doorstep.recommendations.models import Favourite, ListingNeighbour
from doorstep.recommendations.queries import customer_point, recommended_for
from doorstep.recurring.models import (
    PriceChange,
    Series,
    SeriesAcceptance,
    Visit,
    VisitStatus,
)
from doorstep.scheduling.models import TimeClaim
from doorstep.subscriptions.models import Subscription, SubscriptionCharge
from doorstep.support import help as help_centre
from doorstep.support.models import (
    CannedReply,
    Dispute,
    GuaranteeClaim,
    HelpArticle,
    SurveyInvitation,
    Ticket,
    TicketMessage,
    WarrantyClaim,
)
from doorstep.taxes.models import OrderTax, TaxRegion
from doorstep.trust.check_models import BackgroundCheck, BackgroundCheckConsent
from doorstep.trust.models import BadgeKind, ProviderBadge
from doorstep.trust.standards_models import Appeal, StandingLevel, Strike

pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("demo-stories")]


@dataclass(frozen=True)
class Demo:
    report: BuildReport
    built_at: datetime


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo at the size its story tests need, built once for the module;
    the database is flushed afterwards, as a transactional test's would be."""
    with django_db_blocker.unblock():
        built_at = timezone.now()
        try:
            yield Demo(build_demo(providers=30, customers=30, orders=40), built_at)
        finally:
            # As a transactional test's teardown flushes: ids are not reset,
            # so no later test reuses one that an index still remembers.
            call_command("flush", interactive=False, verbosity=0, reset_sequences=False)


def test_the_books_balance_and_the_gateway_agrees(demo):
    """Every story moved money only through the ledger: each journal entry
    balances per currency, and the ledger matches the gateway."""
    unbalanced = (
        Posting.objects.values("entry", "currency")
        .annotate(total=Sum("amount"))
        .exclude(total=0)
    )
    assert not unbalanced.exists()
    assert reconcile() == []


def test_the_demo_has_disputes_in_every_state(demo):
    """Disputes in the demo: one in every state, about the past's delivered and
    completed jobs, made through the support services — with a delivered job
    left undisputed and the books still reconciling."""
    report = demo.report

    assert {
        "disputes_awaiting_response",
        "disputes_offer_made",
        "disputes_settled",
        "disputes_escalated",
        "disputes_decided_split",
        "disputes_decided_penalty",
    } <= report.support.keys()
    statuses = set(Dispute.objects.values_list("status", flat=True))
    assert statuses == set(Dispute.Status.values)
    # One was settled by a free redo, which is coming up on both calendars.
    redone = Dispute.objects.get(redo_order__isnull=False)
    assert redone.status == Dispute.Status.SETTLED
    assert redone.redo_order.state == OrderState.ACCEPTED
    assert redone.redo_order.total_amount == 0
    assert redone.redo_order.starts_at > timezone.now()
    decided = Dispute.objects.filter(status=Dispute.Status.DECIDED)
    assert decided.filter(outcome=Dispute.Outcome.PARTIAL_REFUND).exists()
    assert decided.filter(penalised=True).exists()
    assert all(d.decision_reason for d in decided)
    # Open claims wait for their answers, due after they were opened.
    for waiting in Dispute.objects.filter(status=Dispute.Status.AWAITING_RESPONSE):
        assert waiting.created_at < timezone.now()
        assert waiting.respond_by > waiting.created_at
    # The history's disputed jobs are disputes on evidence too.
    assert not Order.objects.filter(
        state=OrderState.DISPUTED, dispute__isnull=True
    ).exists()
    # Another demo confirms a delivered job: one is left undisputed.
    assert Order.objects.filter(
        state=OrderState.DELIVERED, dispute__isnull=True
    ).exists()
    # The money moved exactly: balanced, no escrow left in a settled order,
    # and the gateway agrees.
    settled_orders = Dispute.objects.filter(
        status__in=(Dispute.Status.SETTLED, Dispute.Status.DECIDED)
    ).values("order")
    assert not LedgerAccount.objects.filter(
        kind=AccountKind.ORDER_ESCROW, order__in=settled_orders, balance__gt=0
    ).exists()


def test_the_demo_has_strikes_an_open_appeal_and_a_restricted_provider(demo):
    """Standards enforcement in the demo: the history's provider no-shows and
    late cancellations gave strikes through the order events, the demo
    provider's appeal waits for ops, and one provider is restricted — all
    through the services, with the books still reconciling."""
    report = demo.report

    assert report.standards.appeals == 1
    assert Strike.objects.values("provider").distinct().count() >= 2
    appeal = Appeal.objects.get(status=Appeal.Status.OPEN)
    assert appeal.provider.user.email == DEMO_LOGINS[1].email
    restricted = ProviderProfile.objects.get(standing__level=StandingLevel.RESTRICTED)
    assert restricted.status == ProviderProfile.Status.RESTRICTED
    assert not bookable_listings().filter(provider=restricted).exists()
    # the fines kept the books balanced and the gateway agrees


def test_the_demo_has_tickets_in_every_status_and_a_breach(demo):
    """Support tickets in the demo: every status, from customers and providers,
    some about demo orders, with an internal note, a rating, broken SLA targets
    and the demo ops login holding them — and the books still reconciling."""
    report = demo.report

    assert report.support["tickets"] >= 7
    assert report.support["ticket_breaches"] >= 2
    statuses = set(Ticket.objects.values_list("status", flat=True))
    assert statuses == set(Ticket.Status.values)
    assert Ticket.objects.filter(first_response_breached_at__isnull=False).exists()
    assert Ticket.objects.filter(resolution_breached_at__isnull=False).exists()
    assert Ticket.objects.filter(order__isnull=False).exists()
    assert Ticket.objects.filter(requester__provider_profile__isnull=False).exists()
    assert Ticket.objects.filter(requester__provider_profile__isnull=True).exists()
    assert Ticket.objects.exclude(rating="").exists()
    assert TicketMessage.objects.filter(is_internal=True).exists()
    assert Ticket.objects.filter(assignee__email="ops@demo.doorstep.dev").exists()
    assert Ticket.objects.filter(attachments__isnull=False).exists()
    assert CannedReply.objects.count() >= 3


def test_the_demo_has_checks_in_every_state_and_badges_from_them(demo):
    """The demo's trust signals come from the real services."""
    report = demo.report

    assert report.trust["checks"] == 5
    statuses = set(BackgroundCheck.objects.values_list("status", flat=True))
    assert statuses == {"clear", "consider", "suspended"}
    live = ProviderBadge.objects.filter(revoked_at__isnull=True)
    assert live.filter(kind=BadgeKind.BACKGROUND_CHECKED).count() == 3
    assert live.filter(kind=BadgeKind.ID_VERIFIED).exists()
    started = BackgroundCheck.objects.values("provider")
    assert BackgroundCheckConsent.objects.exclude(provider__in=started).count() == 2
    assert (
        live.filter(kind=BadgeKind.TOP_PROVIDER).count() == report.trust["top_provider"]
    )


def test_the_demo_has_claims_in_every_state_and_the_books_balance(demo):
    """Claims in the demo: warranty claims in every state (the redone one's
    free order walked to completion in the past) and guarantee claims waiting,
    paid from a funded guarantee fund, and rejected — all through the services,
    with the books still balanced and the gateway agreeing."""
    report = demo.report

    for status in WarrantyClaim.Status.values:
        assert report.support[f"warranty_{status}"] >= 1, (status, report.support)
        assert WarrantyClaim.objects.filter(status=status).exists(), status
    for status in GuaranteeClaim.Status.values:
        assert GuaranteeClaim.objects.filter(status=status).exists(), status
    for redone in WarrantyClaim.objects.filter(status=WarrantyClaim.Status.REDONE):
        assert redone.redo_order.state == OrderState.COMPLETED
        assert redone.redo_order.total_amount == 0
        assert redone.redo_order.events.last().created_at < redone.closed_at
        assert not redone.redo_order.journal_entries.exists()
    assert flows.guarantee_fund_balance("CNY") > 0
    escrow = LedgerAccount.objects.filter(
        kind=AccountKind.ORDER_ESCROW, order__state=OrderState.COMPLETED
    ).aggregate(total=Sum("balance"))["total"]
    assert not escrow


def test_the_demo_has_regular_customers_with_a_history(demo):
    """Recurring bookings in the demo: series begun weeks ago through the real
    services, their past visits served and paid, visits ahead booked on the
    calendars, one skipped, one series paused, a price proposal open — with no
    provider double-booked and the books balanced."""
    report = demo.report

    assert report.recurring["series"] >= 2
    assert report.recurring["visits_completed"] >= 3
    assert report.recurring["visits_ahead"] >= 2
    customer_series = Series.objects.filter(customer__email__startswith="customer@")
    assert customer_series.exists()
    assert Visit.objects.filter(status=VisitStatus.SKIPPED).exists()
    assert not Visit.objects.filter(
        status=VisitStatus.SKIPPED, charged_at__isnull=False
    ).exists()
    assert PriceChange.objects.filter(status="pending").exists() or (
        report.recurring["series"] < 3
    )
    # The weekly clean's provider accepted its first visit, then the series:
    # the visits booked since were accepted for them, by the process.
    standing = customer_series.filter(acceptance=SeriesAcceptance.STANDING).first()
    assert standing is not None
    accepted = OrderEvent.objects.filter(
        order__series_visit__series=standing, to_state=OrderState.ACCEPTED
    )
    assert accepted.filter(transition="accept").exists()
    assert accepted.filter(transition="accept_standing", actor="system").exists()

    claims = sorted(
        TimeClaim.objects.filter(released_at__isnull=True).values_list(
            "provider_id", "staff_key", "starts_at", "ends_at"
        )
    )
    for first, second in itertools.pairwise(claims):
        if first[:2] == second[:2]:
            assert first[3] <= second[2]


def test_the_demo_has_two_tax_regions_plans_and_balanced_books(demo):
    """Money breadth in the demo: two tax regions whose orders carry their
    taxes (included in mainland China, added in New York), provider plans with
    subscribers renewed by the billing job and one past due — all through the
    services, with the books balanced and the gateway agreeing."""
    report = demo.report

    assert report.money["tax_regions"] == 2
    regions = {region.code: region for region in TaxRegion.objects.all()}
    assert regions["cn"].prices_include_tax
    assert not regions["us-ny"].prices_include_tax
    taxed = Order.objects.filter(taxes__isnull=False).distinct()
    assert taxed.exists()
    assert OrderTax.objects.exists()
    # New York adds its tax to the total; Shanghai's is inside the prices.
    for order in taxed.filter(prices_include_tax=False):
        assert order.total_amount > order.subtotal_amount + order.service_fee_amount - (
            order.discount_amount
        )

    assert report.money["plans"] == 2
    assert report.money["subscriptions"] >= 2
    assert Subscription.objects.filter(status="past_due").count() == 1
    assert SubscriptionCharge.objects.filter(
        reason="renewal", status="succeeded"
    ).exists()
    revenue = LedgerAccount.objects.filter(kind=AccountKind.SUBSCRIPTION_REVENUE)
    assert revenue.aggregate(total=Sum("balance"))["total"] > 0


def test_the_demo_customer_has_favourites_and_recommendations(demo):
    """Favourites and recommendations in the demo: the demo customer has saved
    services and a provider, and their home page suggests services they can
    book at their address."""
    report = demo.report

    assert report.favourites["favourites"] >= 1
    assert report.favourites["neighbours"] > 0
    customer = User.objects.get(email__startswith="customer@")
    assert Favourite.objects.filter(customer=customer).exists()
    assert ListingNeighbour.objects.exists()
    hits = recommended_for(customer=customer, point=customer_point(customer))
    assert hits


def test_the_demo_has_campaigns_codes_referrals_and_points(demo):
    """Growth in the demo (issue 15): campaigns, codes with uses, a partner's
    batch, referrals rewarded, joined and held for ops with their reasons,
    points with their history (an expired lot, points spent on an order),
    touches claimed by accounts — all made through the growth services, with
    the books balanced."""
    report = demo.report
    customer = next(login for login in DEMO_LOGINS if login.role == "customer")

    # then there is a referral programme per currency, with its welcome code
    programmes = Campaign.objects.filter(kind=Campaign.Kind.REFERRAL)
    assert set(programmes.values_list("currency", flat=True)) == {
        "CNY",
        "TWD",
        "HKD",
        "USD",
    }
    for programme in programmes:
        assert programme.reward_amount > 0
        assert programme.budget_amount
        assert programme.coupons.get().first_order_only
    # and the other kinds: a paused promotion, a provider's own, an influencer's
    paused = Campaign.objects.get(status=Campaign.Status.PAUSED)
    assert paused.coupons.get().uses == 1  # used before it was paused
    own = Campaign.objects.get(funded_by=Campaign.FundedBy.PROVIDER)
    assert own.provider.user.email == "provider@demo.doorstep.dev"
    influencer = Campaign.objects.get(kind=Campaign.Kind.INFLUENCER)
    assert influencer.owner_share_bps > 0
    assert influencer.owner is not None
    spring = Coupon.objects.get(code="SPRING20")
    assert spring.kind == Coupon.Kind.PERCENT
    assert spring.cap_amount
    assert spring.category is not None
    assert spring.valid_until is not None
    # and a partner's batch of fifty single-use codes, a few of them used
    batch = CodeBatch.objects.get()
    assert batch.coupons.count() == batch.count == 50
    assert all(code.max_uses == 1 for code in batch.coupons.all())
    assert 1 <= batch.coupons.filter(uses=1).count() < 50

    # and codes were used on orders, counted against their campaigns
    assert Coupon.objects.filter(uses__gt=0).count() >= 4, report.growth
    redemptions = Redemption.objects.filter(status=Redemption.Status.ACTIVE)
    assert redemptions.filter(referral__isnull=False).exists()
    assert redemptions.filter(funded_by=Campaign.FundedBy.PROVIDER).exists()
    for campaign in Campaign.objects.exclude(kind=Campaign.Kind.INFLUENCER):
        discounts = redemptions.filter(campaign=campaign).aggregate(s=Sum("amount"))
        rewards = Referral.objects.filter(
            status=Referral.Status.REWARDED, currency=campaign.currency
        ).aggregate(s=Sum("reward_amount"))
        paid = (rewards["s"] or 0) if campaign.kind == Campaign.Kind.REFERRAL else 0
        assert campaign.spent_amount == (discounts["s"] or 0) + paid, campaign
    for _order_id, discount in redemptions.values_list("order", "amount"):
        assert discount > 0

    # and the demo customer's friends: rewarded, joined, held with reasons
    mine = Referral.objects.filter(inviter__email=customer.email)
    statuses = set(mine.values_list("status", flat=True))
    assert {"rewarded", "joined", "quarantined"} <= statuses, report.growth
    rewarded = mine.get(status=Referral.Status.REWARDED)
    credit = RewardLot.objects.get(
        user__email=customer.email,
        kind=RewardLot.Kind.CREDIT,
        source_ref=rewarded.public_id,
    )
    assert credit.amount == rewarded.reward_amount > 0
    held = Referral.objects.filter(status=Referral.Status.QUARANTINED)
    assert held.count() >= 2
    for referral in held:
        assert referral.reasons
        assert referral.risk_score >= 50
    assert "shared_device" in mine.get(status="quarantined").reasons
    # and the demo provider invited a provider
    assert Referral.objects.filter(
        inviter__email="provider@demo.doorstep.dev",
        invitee__provider_profile__isnull=False,
    ).exists()

    # and points with their history: earned on orders, one lot expired, spent
    points = RewardLot.objects.filter(kind=RewardLot.Kind.POINTS)
    assert points.filter(source=RewardLot.Source.ORDER).count() >= 5
    expired = points.get(expired_at__isnull=False)
    assert expired.remaining == 0
    assert expired.moves.filter(kind=RewardMove.Kind.EXPIRED).exists()
    spent = RewardMove.objects.filter(
        kind=RewardMove.Kind.SPENT, lot__user__email=customer.email
    )
    assert spent.exists()
    assert all(move.order_id for move in spent)
    for lot in RewardLot.objects.all():
        assert lot.remaining == sum(lot.moves.values_list("change", flat=True))

    # and visitors' touches, claimed by the accounts they became
    touches = Touch.objects.all()
    assert {"referral", "coupon", "campaign"} <= set(
        touches.values_list("source", flat=True)
    )
    assert touches.filter(user__isnull=False).exists()
    assert touches.filter(user__isnull=True).exists()

    # and the books balance, the liabilities are the open lots
    for kind, account_kind in (
        (RewardLot.Kind.POINTS, AccountKind.POINTS_LIABILITY),
        (RewardLot.Kind.CREDIT, AccountKind.CREDIT_LIABILITY),
    ):
        for account in LedgerAccount.objects.filter(kind=account_kind):
            owed = RewardLot.objects.filter(
                kind=kind, currency=account.currency
            ).aggregate(s=Sum("remaining"))["s"]
            assert account.balance == (owed or 0), (kind, account.currency)
    assert report.growth["growth_stories_stopped"] == 0, report.growth
    assert report.growth["growth_codes_refused"] == 0, report.growth


def test_the_demo_has_a_help_centre_and_surveys_in_every_state(demo):
    """The help centre's articles in three languages for customers and
    providers, published by the ops login with the audit trail; the surveys of
    the past's completed orders answered, waiting, and low scores with their
    ticket."""
    report = demo.report
    assert report.support["help_articles"] == len(ARTICLES) >= 12
    articles = HelpArticle.objects.filter(is_published=True)
    assert articles.count() == len(ARTICLES)
    assert all(
        a.title_en and a.body_en and a.title_zh_hans and a.body_zh_hant
        for a in articles
    )
    assert set(articles.values_list("audience", flat=True)) == {
        "all",
        "customers",
        "providers",
    }
    assert AuditEntry.objects.filter(action="help.create_article").count() == len(
        ARTICLES
    )
    assert help_centre.search_articles("退款", language="zh-hant")
    assert help_centre.search_articles("payout", language="en")

    invitations = SurveyInvitation.objects.all()
    assert report.support["surveys"] == invitations.count() >= 3
    answered = invitations.filter(response__isnull=False)
    assert answered.filter(response__ticket__isnull=True).exists()
    low = answered.filter(response__ticket__isnull=False)
    assert low.exists()
    assert report.support["survey_tickets"] == low.count()
    assert Ticket.objects.filter(source=Ticket.Source.SURVEY).count() == low.count()
    assert invitations.filter(response__isnull=True).exists()


def test_the_demo_has_requests_for_quotes_in_every_state(demo):
    """Requests for quotes in every state, the category questions asked in
    three languages, no quote sent after the demo's now. (Whatever the hour
    the demo is built at: ``test_quotes_demo``.)"""
    statuses = set(JobRequest.objects.values_list("status", flat=True))
    assert statuses == set(JobRequest.Status.values), demo.report.quotes
    assert demo.report.quotes["quote_requests_open"] >= 3
    questions = CategoryQuestion.objects.all()
    assert questions.filter(kind="choice").exists()
    assert questions.filter(kind="number").exists()
    assert questions.filter(kind="text").exists()
    for question in questions:
        assert all((question.label_en, question.label_zh_hans, question.label_zh_hant))
    assert not Quote.objects.filter(sent_at__gt=timezone.now()).exists()


def test_the_demo_logins_see_requests_for_quotes(demo):
    """The demo customer's requests open, hired and cancelled, one with quotes
    waiting; the demo provider has invitations to answer; every city has
    listings on quote."""
    customer_email, provider_email = DEMO_LOGINS[0].email, DEMO_LOGINS[1].email
    mine = JobRequest.objects.filter(customer__email=customer_email)
    assert {
        JobRequest.Status.OPEN,
        JobRequest.Status.HIRED,
        JobRequest.Status.CANCELLED,
    } <= set(mine.values_list("status", flat=True))
    assert mine.filter(status=JobRequest.Status.OPEN, quotes__isnull=False).exists()
    assert Invitation.objects.filter(
        provider__user__email=provider_email,
        status=Invitation.Status.WAITING,
        respond_by__gt=demo.built_at,
    ).exists()
    zones = {city.time_zone for city in CITIES}
    quoted = set(
        Listing.objects.filter(
            pricing_model=PricingModel.QUOTE, status="published"
        ).values_list("provider__time_zone", flat=True)
    )
    assert zones <= quoted
