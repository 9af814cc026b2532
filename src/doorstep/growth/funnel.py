"""What each campaign and code brought in, and what it cost: the growth
funnel of the back office (``/ops/growth/funnel/``), and the reads of the
campaign pages.

The definitions live here once (``DEFINITIONS``); the page shows each beside
its figure. In short, for a *source* — a campaign, a coupon code, a referral
code — over a period:

- **visits**: distinct visitors (the first-party cookie) with a touch of the
  source in the period;
- **sign-ups**: accounts opened in the period whose first (first-touch
  column) or last (last-touch column) touch before sign-up was the source;
- **attributed orders**: *paid orders* (``paid_orders``: not waiting for or
  lost before payment, not a free redo) placed in the period by an account
  after one of its touches of the source — or carrying the source's code
  (a campaign's codes, the coupon itself, the referral code's welcome
  discount); an order may count for several sources (any-touch attribution);
- **first orders**: attributed orders that were the account's first paid
  order ever; **repeat orders**: the others;
- **GMV**: the attributed orders' ``total_amount``, per currency;
- **cost**: in the period, per currency: discounts of the source's codes
  still applied (active redemptions), referral rewards paid (a referral
  code's own; for the referral programme, those in its currency decided
  while it ran), and the code owners' shares paid on orders that carried
  the source's code (ledger entries ``provider_reward`` keyed
  ``owner_share:<order>``).

Amounts in different currencies are never added up: every money figure is a
list of ``Money``, one per currency.

The figures are aggregated in the database: one query per table of rows
(campaigns, codes, referral codes), each figure a correlated subquery, plus
one for the currencies and one for the viral factor — never a query per row.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    Exists,
    F,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from doorstep.accounts.models import User
from doorstep.backoffice.access import OpsPermission, require_ops_permission
from doorstep.core.errors import NotFound
from doorstep.core.money import Money, known_currencies
from doorstep.growth.ledger import PROVIDER_REWARD
from doorstep.growth.models import (
    Campaign,
    CodeBatch,
    Coupon,
    Redemption,
    Referral,
    ReferralCode,
    Touch,
)
from doorstep.growth.services import campaign_by_id
from doorstep.orders.models import Order
from doorstep.orders.states import UNPAID_STATES
from doorstep.payments.models import Posting

PERIODS = (7, 30, 90)
DEFAULT_PERIOD = 30
# Rows of codes and referral codes shown (the busiest first): every account
# has a referral code and a partner batch holds thousands of codes.
MAX_CODE_ROWS = 100
OWNER_SHARE_KEY = "owner_share:"
# The end of a campaign that has none, for comparing in the database.
_FAR_FUTURE = datetime(9999, 12, 31, tzinfo=UTC)


@dataclass(frozen=True)
class Definition:
    label: Promise
    text: Promise


DEFINITIONS: dict[str, Definition] = {
    "paid_order": Definition(
        _("Paid order"),
        _(
            "An order past payment (not waiting for payment, not expired "
            "unpaid) that is not a free redo of another."
        ),
    ),
    "visits": Definition(
        _("Visits"),
        _("Distinct visitors (browser cookies) with a touch of this source."),
    ),
    "signups_first": Definition(
        _("Sign-ups, first touch"),
        _("Accounts opened whose first touch before sign-up was this source."),
    ),
    "signups_last": Definition(
        _("Sign-ups, last touch"),
        _("Accounts opened whose last touch before sign-up was this source."),
    ),
    "first_orders": Definition(
        _("First orders"),
        _(
            "Accounts' first paid order, placed after a touch of this source "
            "or carrying its code."
        ),
    ),
    "repeat_orders": Definition(
        _("Repeat orders"),
        _(
            "Accounts' later paid orders, placed after a touch of this source "
            "or carrying its code."
        ),
    ),
    "gmv": Definition(
        _("GMV"),
        _("Total amount of those first and repeat orders, per currency."),
    ),
    "cost": Definition(
        _("Cost"),
        _(
            "Discounts of its codes still applied, referral rewards paid and "
            "code owners' shares paid, per currency."
        ),
    ),
    "joined": Definition(
        _("Joined"),
        _("People who signed up through this referral code."),
    ),
    "viral_factor": Definition(
        _("Viral factor k"),
        _(
            "(Sign-ups through referral codes ÷ distinct inviters who brought "
            "at least one) × (share of those sign-ups who placed a paid order). "
            "Above 1, each inviter brings more than one paying customer."
        ),
    ),
}


def paid_orders() -> QuerySet[Order]:
    """Orders that count in the funnel: paid for, and not a free redo."""
    return Order.objects.exclude(state__in=UNPAID_STATES).filter(redo_of__isnull=True)


# --- Sources: how a row of a table is matched by touches and redemptions -------------


def _outer(name: str, depth: int) -> OuterRef:
    """``name`` on the row ``depth`` subqueries up."""
    ref: str | OuterRef = name
    for _level in range(depth):
        ref = OuterRef(ref)
    return ref


class _Source:
    """How a source row (``depth`` levels up) is matched: its touches, its
    redemptions (codes carried by orders), and its referral rewards."""

    def touches(self, depth: int) -> Q:
        raise NotImplementedError

    def redemptions(self, depth: int) -> Q:
        raise NotImplementedError

    def rewards(self, depth: int) -> Q | None:
        return None


class _CampaignSource(_Source):
    def touches(self, depth: int) -> Q:
        return Q(
            source=Touch.Source.CAMPAIGN, utm_campaign=_outer("utm_campaign", depth)
        ) & ~Q(utm_campaign="")

    def redemptions(self, depth: int) -> Q:
        return Q(campaign=_outer("pk", depth))

    def rewards(self, depth: int) -> Q:
        # Referrals do not name their programme: a programme's rewards are
        # those in its currency decided while it ran.
        return Q(
            currency=_outer("currency", depth),
            decided_at__gte=_outer("starts_at", depth),
        ) & (Q(decided_at__lt=Coalesce(_outer("ends_at", depth), Value(_FAR_FUTURE))))


class _CouponSource(_Source):
    def touches(self, depth: int) -> Q:
        return Q(source=Touch.Source.COUPON, code=_outer("code", depth))

    def redemptions(self, depth: int) -> Q:
        return Q(coupon=_outer("pk", depth))


class _ReferralCodeSource(_Source):
    def touches(self, depth: int) -> Q:
        return Q(source=Touch.Source.REFERRAL, code=_outer("code", depth))

    def redemptions(self, depth: int) -> Q:
        return Q(referral__code=_outer("pk", depth))

    def rewards(self, depth: int) -> Q:
        return Q(code=_outer("pk", depth))


def _count(queryset: QuerySet, column: str = "pk", *, distinct: bool = False):
    """A correlated ``COUNT`` of ``queryset`` as one value (0 when empty)."""
    template = "%(function)s(DISTINCT %(expressions)s)" if distinct else None
    extra = {"template": template} if template else {}
    counted = Func(F(column), function="COUNT", output_field=BigIntegerField(), **extra)
    return Coalesce(
        Subquery(queryset.order_by().annotate(n=counted).values("n")[:1]),
        Value(0),
        output_field=BigIntegerField(),
    )


def _sum(queryset: QuerySet, column: str):
    """A correlated ``SUM`` of ``column`` over ``queryset`` (0 when empty)."""
    summed = Func(F(column), function="SUM", output_field=BigIntegerField())
    return Coalesce(
        Subquery(queryset.order_by().annotate(total=summed).values("total")[:1]),
        Value(0),
        output_field=BigIntegerField(),
    )


@dataclass(frozen=True)
class Period:
    days: int
    since: datetime
    until: datetime

    @classmethod
    def last(cls, days: int, *, now: datetime | None = None) -> "Period":
        days = days if days in PERIODS else DEFAULT_PERIOD
        until = now or timezone.now()
        return cls(days=days, since=until - timedelta(days=days), until=until)

    def q(self, field: str) -> Q:
        return Q(**{f"{field}__gte": self.since, f"{field}__lt": self.until})


def _attributed(source: _Source, period: Period) -> QuerySet[Order]:
    """Paid orders of the period placed after a touch of the source row two
    levels up, or carrying its code."""
    touched = Touch.objects.filter(
        source.touches(2),
        user=OuterRef("customer"),
        at__lte=OuterRef("created_at"),
    )
    carried = Redemption.objects.filter(
        source.redemptions(2),
        order=OuterRef("pk"),
        status=Redemption.Status.ACTIVE,
    )
    return (
        paid_orders()
        .filter(period.q("created_at"))
        .filter(Q(Exists(touched)) | Q(Exists(carried)))
    )


def _earlier_paid_order() -> Exists:
    return Exists(
        paid_orders().filter(
            Q(created_at__lt=OuterRef("created_at"))
            | Q(created_at=OuterRef("created_at"), pk__lt=OuterRef("pk")),
            customer=OuterRef("customer"),
        )
    )


def _signup_touches(source: _Source, period: Period, *, first: bool) -> QuerySet:
    """Touches of the source that were an account's first (or last) touch
    before it signed up, for accounts opened in the period."""
    if first:
        beside = Q(at__lt=OuterRef("at")) | Q(at=OuterRef("at"), pk__lt=OuterRef("pk"))
    else:
        beside = Q(at__gt=OuterRef("at")) | Q(at=OuterRef("at"), pk__gt=OuterRef("pk"))
    other = Touch.objects.filter(
        beside, user=OuterRef("user"), at__lte=OuterRef("user__date_joined")
    )
    return Touch.objects.filter(
        source.touches(1),
        period.q("user__date_joined"),
        at__lte=F("user__date_joined"),
    ).filter(~Exists(other))


def _annotate(
    rows: QuerySet, source: _Source, period: Period, currencies: list[str]
) -> QuerySet:
    attributed = _attributed(source, period)
    earlier = _earlier_paid_order()
    figures = {
        "visits": _count(
            Touch.objects.filter(source.touches(1), period.q("at")),
            "visitor",
            distinct=True,
        ),
        "signups_first": _count(
            _signup_touches(source, period, first=True), "user", distinct=True
        ),
        "signups_last": _count(
            _signup_touches(source, period, first=False), "user", distinct=True
        ),
        "first_orders": _count(attributed.filter(~Q(earlier))),
        "repeat_orders": _count(attributed.filter(Q(earlier))),
    }
    for currency in currencies:
        key = currency.lower()
        figures[f"gmv_{key}"] = _sum(
            attributed.filter(currency=currency), "total_amount"
        )
        discounts = _sum(
            Redemption.objects.filter(
                source.redemptions(1),
                period.q("created_at"),
                status=Redemption.Status.ACTIVE,
                currency=currency,
            ),
            "amount",
        )
        shares = _sum(
            Posting.objects.filter(
                period.q("entry__created_at"),
                amount__gt=0,
                currency=currency,
                entry__kind=PROVIDER_REWARD,
                entry__idempotency_key__startswith=OWNER_SHARE_KEY,
            ).filter(
                Exists(
                    Redemption.objects.filter(
                        source.redemptions(2), order=OuterRef("entry__order")
                    )
                )
            ),
            "amount",
        )
        cost = discounts + shares
        rewards_q = source.rewards(1)
        if rewards_q is not None:
            rewards = _sum(
                Referral.objects.filter(
                    rewards_q,
                    period.q("decided_at"),
                    status=Referral.Status.REWARDED,
                    currency=currency,
                ),
                "reward_amount",
            )
            if isinstance(source, _CampaignSource):
                rewards = Case(
                    When(kind=Campaign.Kind.REFERRAL, then=rewards),
                    default=Value(0),
                    output_field=BigIntegerField(),
                )
            cost = cost + rewards
        figures[f"cost_{key}"] = cost
    return rows.annotate(**figures)


# --- The report -----------------------------------------------------------------------


@dataclass
class FunnelRow:
    label: str
    public_id: str
    visits: int
    signups_first: int
    signups_last: int
    first_orders: int
    repeat_orders: int
    gmv: list[Money]
    cost: list[Money]
    joined: int | None = None
    campaign_id: str = ""
    subject: object = None


@dataclass(frozen=True)
class ViralFactor:
    """k = (sign-ups through referral codes ÷ distinct inviters who brought at
    least one) × (share of those sign-ups who placed a paid order), over the
    referrals made in the period; a paid order placed any time up to now
    counts. It comes to paying invitees per inviter."""

    signups: int
    inviters: int
    ordered: int

    @property
    def signups_per_inviter(self) -> Decimal | None:
        if not self.inviters:
            return None
        return (Decimal(self.signups) / self.inviters).quantize(Decimal("0.01"))

    @property
    def order_share(self) -> Decimal | None:
        if not self.signups:
            return None
        return (Decimal(self.ordered) / self.signups).quantize(Decimal("0.01"))

    @property
    def k(self) -> Decimal | None:
        if not self.inviters:
            return None
        # (s / i) × (o / s) = o / i, computed once so rounding does not add up.
        return (Decimal(self.ordered) / self.inviters).quantize(Decimal("0.01"))


@dataclass
class FunnelReport:
    period: Period
    currencies: list[str]
    campaigns: list[FunnelRow] = field(default_factory=list)
    coupons: list[FunnelRow] = field(default_factory=list)
    referral_codes: list[FunnelRow] = field(default_factory=list)
    viral: ViralFactor | None = None
    definitions: dict[str, Definition] = field(default_factory=lambda: DEFINITIONS)


def currencies_of(period: Period) -> list[str]:
    """Every currency that has a figure in the period (one query)."""
    parts = [
        paid_orders().filter(period.q("created_at")).values_list("currency"),
        Redemption.objects.filter(period.q("created_at")).values_list("currency"),
        Referral.objects.filter(period.q("decided_at"), status=Referral.Status.REWARDED)
        .exclude(currency="")
        .values_list("currency"),
        Posting.objects.filter(
            period.q("entry__created_at"),
            entry__kind=PROVIDER_REWARD,
            entry__idempotency_key__startswith=OWNER_SHARE_KEY,
        ).values_list("currency"),
    ]
    first, *rest = (part.order_by() for part in parts)
    found = {currency for (currency,) in first.union(*rest)}
    # Currency codes become annotation names: only real ISO codes.
    return sorted(found & known_currencies())


def _money(row, prefix: str, currencies: list[str]) -> list[Money]:
    amounts = (
        (currency, getattr(row, f"{prefix}_{currency.lower()}"))
        for currency in currencies
    )
    return [Money(int(amount), currency) for currency, amount in amounts if amount]


def _row(row, currencies: list[str], **extra) -> FunnelRow:
    return FunnelRow(
        visits=row.visits,
        signups_first=row.signups_first,
        signups_last=row.signups_last,
        first_orders=row.first_orders,
        repeat_orders=row.repeat_orders,
        gmv=_money(row, "gmv", currencies),
        cost=_money(row, "cost", currencies),
        **extra,
    )


def viral_factor(period: Period) -> ViralFactor:
    """The referral programme's k over the referrals made in ``period``."""
    ordered = Exists(paid_orders().filter(customer=OuterRef("invitee")))
    totals = Referral.objects.filter(period.q("created_at")).aggregate(
        signups=Count("pk"),
        inviters=Count("inviter", distinct=True),
        ordered=Count("pk", filter=Q(ordered)),
    )
    return ViralFactor(**totals)


def report(*, user: User, days: int = DEFAULT_PERIOD, now=None) -> FunnelReport:
    """The funnel of the last ``days`` days (7, 30 or 90) for ops who run
    growth; raises ``PermissionDenied`` for anyone else."""
    require_ops_permission(user, OpsPermission.RUN_GROWTH)
    period = Period.last(days, now=now)
    currencies = currencies_of(period)
    result = FunnelReport(period=period, currencies=currencies)

    campaigns = Campaign.objects.filter(starts_at__lt=period.until).filter(
        Q(ends_at__isnull=True) | Q(ends_at__gte=period.since)
    )
    for row in _annotate(campaigns, _CampaignSource(), period, currencies):
        result.campaigns.append(
            _row(
                row,
                currencies,
                label=row.name,
                public_id=row.public_id,
                campaign_id=row.public_id,
                subject=row,
            )
        )

    coupons = Coupon.objects.filter(
        Q(Exists(Touch.objects.filter(period.q("at"), code=OuterRef("code"))))
        | Q(
            Exists(
                Redemption.objects.filter(period.q("created_at"), coupon=OuterRef("pk"))
            )
        )
    ).select_related("campaign")
    coupons = _annotate(coupons, _CouponSource(), period, currencies).order_by(
        "-first_orders", "-repeat_orders", "-visits", "code"
    )[:MAX_CODE_ROWS]
    for row in coupons:
        result.coupons.append(
            _row(
                row,
                currencies,
                label=row.code,
                public_id=row.public_id,
                campaign_id=row.campaign.public_id,
                subject=row,
            )
        )

    joined = Referral.objects.filter(period.q("created_at"), code=OuterRef("pk"))
    codes = ReferralCode.objects.filter(
        Q(
            Exists(
                Touch.objects.filter(
                    period.q("at"),
                    source=Touch.Source.REFERRAL,
                    code=OuterRef("code"),
                )
            )
        )
        | Q(Exists(joined))
        | Q(
            Exists(
                Redemption.objects.filter(
                    period.q("created_at"), referral__code=OuterRef("pk")
                )
            )
        )
        | Q(
            Exists(
                Referral.objects.filter(
                    period.q("decided_at"),
                    code=OuterRef("pk"),
                    status=Referral.Status.REWARDED,
                )
            )
        )
    ).select_related("user")
    codes = (
        _annotate(codes, _ReferralCodeSource(), period, currencies)
        .annotate(joined=_count(joined))
        .order_by("-joined", "-first_orders", "-visits", "code")[:MAX_CODE_ROWS]
    )
    for row in codes:
        result.referral_codes.append(
            _row(
                row,
                currencies,
                label=row.code,
                public_id=row.user.public_id,
                joined=row.joined,
                subject=row,
            )
        )

    result.viral = viral_factor(period)
    return result


# --- The campaign pages ---------------------------------------------------------------


def campaigns_overview(*, user: User) -> QuerySet[Campaign]:
    """Every campaign with its number of codes and their uses."""
    require_ops_permission(user, OpsPermission.RUN_GROWTH)
    return Campaign.objects.select_related("provider", "owner").annotate(
        code_count=Count("coupons"),
        use_count=Coalesce(Sum("coupons__uses"), 0),
    )


@dataclass
class CampaignDetail:
    campaign: Campaign
    codes: list[Coupon]
    batches: list


def campaign_detail(*, user: User, campaign_id: str) -> CampaignDetail:
    """A campaign, its own codes (batch codes are counted with their batch)
    and its batches with how many of their codes were used."""
    require_ops_permission(user, OpsPermission.RUN_GROWTH)
    campaign = campaign_by_id(campaign_id)
    codes = list(
        Coupon.objects.filter(campaign=campaign, batch__isnull=True).order_by(
            "-created_at", "-pk"
        )
    )
    batches = list(
        campaign.batches.select_related("created_by").annotate(
            made=Count("coupons"),
            used=Count("coupons", filter=Q(coupons__uses__gt=0)),
        )
    )
    return CampaignDetail(campaign=campaign, codes=codes, batches=batches)


def batch_codes(*, user: User, batch_id: str) -> tuple[CodeBatch, QuerySet[Coupon]]:
    """A batch and its codes, for the partner's CSV."""
    require_ops_permission(user, OpsPermission.RUN_GROWTH)
    batch = (
        CodeBatch.objects.select_related("campaign").filter(public_id=batch_id).first()
    )
    if batch is None:
        raise NotFound("not_found", gettext("Not found."))
    return batch, batch.coupons.order_by("code")
