"""Reads for agencies: their staff, invitations, who is qualified for a
category (for dispatch), and performance — all in one place.

Callers have checked access (``services.managed_agency`` /
``services.access_staff``); these functions take the rows they may see.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Avg, Count, Q, Sum
from django.utils import timezone

from doorstep.accounts.models import Agency, StaffMember, User
from doorstep.agencies.models import Assessment, StaffInvitation, TrainingRecord
from doorstep.catalog.models import Category
from doorstep.core.money import Money
from doorstep.orders.models import Order, OrderEvent
from doorstep.orders.states import OrderState
from doorstep.reviews.models import Direction, Review
from doorstep.scheduling.models import AvailabilityException, AvailabilityRule
from doorstep.trust import queries as trust

# A job started this long after its start time still counts as on time.
ON_TIME_GRACE = timedelta(minutes=15)
# Orders that count as a complaint against whoever served them.
COMPLAINT_STATES = (OrderState.DISPUTED, OrderState.NO_SHOW_PROVIDER)


# --- Staff and invitations ----------------------------------------------------------


def staff_of(agency: Agency, *, include_inactive: bool = False):
    members = StaffMember.objects.filter(agency=agency).select_related(
        "dispatch_worker", "user"
    )
    if not include_inactive:
        members = members.filter(is_active=True)
    return members.order_by("-is_active", "role", "display_name", "pk")


def invitations_of(agency: Agency):
    return (
        StaffInvitation.objects.filter(agency=agency)
        .select_related("invited_by")
        .order_by("-created_at", "-pk")
    )


def pending_invitations_for(user: User, *, now: datetime | None = None):
    """Open invitations sent to an address proved to be ``user``'s."""
    from allauth.account.models import EmailAddress

    now = now or timezone.now()
    emails = [
        address.lower()
        for address in EmailAddress.objects.filter(
            user=user, verified=True
        ).values_list("email", flat=True)
    ]
    contact = Q(email__in=emails)
    if user.phone and user.phone_verified:
        contact |= Q(phone=user.phone)
    return (
        StaffInvitation.objects.filter(contact)
        .filter(accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now)
        .select_related("agency")
        .order_by("-created_at")
    )


def memberships_of(user: User):
    """The agencies ``user`` works for (active), with their role."""
    return (
        StaffMember.objects.filter(user=user, is_active=True)
        .select_related("agency")
        .order_by("pk")
    )


def skills_of(staff: StaffMember) -> list[Category]:
    worker = getattr(staff, "dispatch_worker", None)
    return list(worker.categories.order_by("slug")) if worker else []


def training_of(staff: StaffMember):
    return TrainingRecord.objects.filter(staff=staff)


def assessments_of(staff: StaffMember):
    return Assessment.objects.filter(staff=staff).select_related("assessed_by")


def weekly_hours_of(staff: StaffMember):
    return AvailabilityRule.objects.filter(staff=staff).order_by(
        "weekday", "start_time"
    )


def time_off_of(staff: StaffMember, *, today: date | None = None):
    today = today or timezone.localdate()
    return AvailabilityException.objects.filter(staff=staff, date__gte=today)


def jobs_of(staff: StaffMember, *, upcoming: bool = True, limit: int = 50):
    """The staff member's orders: the coming ones first, or the past ones."""
    now = timezone.now()
    orders = Order.objects.filter(staff=staff)
    if upcoming:
        return orders.filter(ends_at__gte=now).order_by("starts_at")[:limit]
    return orders.filter(ends_at__lt=now).order_by("-starts_at")[:limit]


# --- Qualification (for dispatch) ---------------------------------------------------


def staff_qualified_for(staff: StaffMember, category: Category) -> bool:
    """Whether ``staff`` may be sent to a job in ``category``: active, skilled
    in it (their worker's categories) and holding every mandatory document for
    it, approved by ops and unexpired."""
    if not staff.is_active:
        return False
    worker = getattr(staff, "dispatch_worker", None)
    if worker is None or not worker.categories.filter(pk=category.pk).exists():
        return False
    return not trust.staff_missing_requirements(staff, category)


def qualified_staff_ids(category_id: int, *, today: date | None = None) -> set[int]:
    """The ids of every active staff member qualified for ``category_id`` (see
    ``staff_qualified_for``), in a few queries whatever their number."""
    category = Category.objects.select_related("parent").filter(pk=category_id).first()
    if category is None:
        return set()
    skilled = list(
        StaffMember.objects.filter(
            is_active=True, dispatch_worker__categories=category_id
        ).select_related("agency__owner__provider_profile")
    )
    return trust.staff_meeting_requirements(skilled, category, today=today)


# --- Performance --------------------------------------------------------------------


@dataclass
class Performance:
    """One staff member's (or the whole agency's) record over a period."""

    jobs_done: int = 0
    reviews: int = 0
    stars_total: int = 0
    started: int = 0
    started_on_time: int = 0
    complaints: int = 0
    # Served value: the subtotals of completed orders, per currency (the
    # agency/staff split of the money is the ledger's).
    earnings: dict[str, int] = field(default_factory=dict)

    @property
    def rating(self) -> float | None:
        return round(self.stars_total / self.reviews, 2) if self.reviews else None

    @property
    def on_time_rate(self) -> float | None:
        return round(self.started_on_time / self.started, 3) if self.started else None

    @property
    def earnings_list(self) -> list[Money]:
        return [
            Money(amount, currency)
            for currency, amount in sorted(self.earnings.items())
        ]

    def add(self, other: "Performance") -> None:
        self.jobs_done += other.jobs_done
        self.reviews += other.reviews
        self.stars_total += other.stars_total
        self.started += other.started
        self.started_on_time += other.started_on_time
        self.complaints += other.complaints
        for currency, amount in other.earnings.items():
            self.earnings[currency] = self.earnings.get(currency, 0) + amount


def performance_by_staff(
    staff_ids: list[int], *, since: datetime | None = None
) -> dict[int, Performance]:
    """The record of each of ``staff_ids``, in four grouped queries: orders
    starting from ``since`` (all time when ``None``)."""
    results: dict[int, Performance] = defaultdict(Performance)
    orders = Order.objects.filter(staff_id__in=staff_ids)
    if since is not None:
        orders = orders.filter(starts_at__gte=since)
    done = (
        orders.filter(state=OrderState.COMPLETED)
        .values("staff_id", "currency")
        .annotate(jobs=Count("pk"), served=Sum("subtotal_amount"))
    )
    for row in done:
        performance = results[row["staff_id"]]
        performance.jobs_done += row["jobs"]
        performance.earnings[row["currency"]] = row["served"] or 0
    reviews = (
        Review.objects.filter(
            order__in=orders,
            direction=Direction.CUSTOMER_REVIEWS_PROVIDER,
            revealed_at__isnull=False,
            hidden_at__isnull=True,
        )
        .values("order__staff_id")
        .annotate(count=Count("pk"), stars=Sum("stars"))
    )
    for row in reviews:
        performance = results[row["order__staff_id"]]
        performance.reviews = row["count"]
        performance.stars_total = row["stars"] or 0
    starts = OrderEvent.objects.filter(
        order__in=orders, transition="start"
    ).values_list("order__staff_id", "order__starts_at", "created_at")
    for staff_id, starts_at, started_at in starts:
        performance = results[staff_id]
        performance.started += 1
        if started_at <= starts_at + ON_TIME_GRACE:
            performance.started_on_time += 1
    complaints = (
        OrderEvent.objects.filter(order__in=orders, to_state__in=COMPLAINT_STATES)
        .values("order__staff_id")
        .annotate(count=Count("order_id", distinct=True))
    )
    for row in complaints:
        results[row["order__staff_id"]].complaints = row["count"]
    return {staff_id: results[staff_id] for staff_id in staff_ids}


def staff_performance(
    staff: StaffMember, *, since: datetime | None = None
) -> Performance:
    return performance_by_staff([staff.pk], since=since)[staff.pk]


@dataclass
class AgencyPerformance:
    total: Performance
    rows: list[tuple[StaffMember, Performance]]
    average_assessment: float | None


def agency_performance(
    agency: Agency, *, since: datetime | None = None
) -> AgencyPerformance:
    """Every staff member's record (the inactive ones too: their jobs were the
    agency's) and the agency's totals."""
    members = list(staff_of(agency, include_inactive=True))
    by_staff = performance_by_staff([member.pk for member in members], since=since)
    total = Performance()
    for performance in by_staff.values():
        total.add(performance)
    average = Assessment.objects.filter(staff__agency=agency).aggregate(
        average=Avg("score")
    )["average"]
    return AgencyPerformance(
        total=total,
        rows=[(member, by_staff[member.pk]) for member in members],
        average_assessment=round(average, 1) if average is not None else None,
    )
