"""The promises made for dispatched orders ("a worker within 30 minutes, at the
door within 2 hours"): which policy applies, the clocks a job starts with, the
times that show whether the promise was kept, and what happens when it is not.

Ops set the policies per city and category (``save_policy``, ``delete_policy``:
``MANAGE_SETTINGS``, audited). ``check_promises`` is the periodic job that finds
broken promises; each breach is claimed with a conditional UPDATE, so two
workers running it at once act on it once:

* **response**: still dispatching at ``assignment_due_at`` (``respond_by``, or
  a fresh window after the job went back to dispatching) — marked, ops see it in the
  "late dispatch" queue (and its digest), the customer is told we keep looking;
* **arrival**: nobody started the job by ``arrive_by`` — marked, the customer
  told; a worker who has not set off loses the job to the cascade (``unassign``
  as the system) when the policy says so, else ops see it in their queue; and
  when the policy pays compensation, the platform refunds that share of the
  price from its own funds (``payments.flows.compensate_customer``, after
  commit, once per order).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.audit.services import record
from doorstep.backoffice.access import OpsPermission, require_ops_permission
from doorstep.catalog.models import Category
from doorstep.core.errors import Conflict, DomainError, NotFound
from doorstep.dispatch import audit_actions
from doorstep.dispatch.models import DispatchJob, SlaPolicy
from doorstep.events.services import record_event
from doorstep.marketplace.models import City
from doorstep.orders.models import Order
from doorstep.orders.states import OrderState

# Breaches handled per run of the periodic job (the rest wait for the next run).
BATCH = 200
# The order was unassigned because its worker would not make it in time.
REDISPATCH_REASON = "arrival_promise_broken"
# The one arrival breach an order can have: its compensation's reference.
ARRIVAL = "arrival"
# Order states in which a worker has the job and has not started it yet.
ASSIGNED_STATES = (OrderState.ACCEPTED, OrderState.ON_THE_WAY)


# --- Which promise applies ------------------------------------------------------------


def policy_for(*, city_id: int | None, category_id: int | None) -> SlaPolicy:
    """The most specific policy: city and category, then city, then category,
    then the marketplace's default; an unsaved default when ops set none."""
    policies = {
        (policy.city_id, policy.category_id): policy
        # ``__in`` with None would drop the None: the open rows are asked for
        # by ``isnull``.
        for policy in SlaPolicy.objects.filter(
            Q(city_id=city_id) | Q(city__isnull=True),
            Q(category_id=category_id) | Q(category__isnull=True),
        )
    }
    for key in (
        (city_id, category_id),
        (city_id, None),
        (None, category_id),
        (None, None),
    ):
        if key in policies:
            return policies[key]
    return SlaPolicy()


def open_job(*, job: DispatchJob, now: datetime) -> None:
    """Fix the job's promise from the policy in force when it is paid for."""
    policy = policy_for(city_id=job.city_id, category_id=job.category_id)
    order = job.order
    job.opened_at = now
    job.respond_by = now + timedelta(minutes=policy.respond_minutes)
    if job.is_asap:
        job.arrive_by = now + timedelta(minutes=policy.arrive_minutes)
        job.offer_seconds = policy.asap_offer_seconds
        job.give_up_at = job.arrive_by
        # The batch round matches jobs and workers one to one.
        job.offers_at_once = 1
    else:
        job.arrive_by = order.starts_at
        job.offer_seconds = policy.scheduled_offer_minutes * 60
        job.give_up_at = order.starts_at
        job.offers_at_once = policy.offers_at_once
    job.compensation_bps = policy.compensation_bps
    job.assignment_due_at = job.respond_by
    job.save(
        update_fields=[
            "opened_at",
            "respond_by",
            "arrive_by",
            "offer_seconds",
            "offers_at_once",
            "give_up_at",
            "compensation_bps",
            "assignment_due_at",
        ]
    )


def reopen_job(*, job: DispatchJob, now: datetime) -> None:
    """The job is back to dispatching (its worker handed it back, ops took it
    from them, its arrival promise broke): a fresh window to find someone,
    from the policy in force, so the response check and the give-up timer do
    not act at once on a promise window that ran out while it was taken. It
    is a new search: an escalation before it no longer stands (ops were
    alerted once, ``cascade.escalate``)."""
    policy = policy_for(city_id=job.city_id, category_id=job.category_id)
    job.assignment_due_at = now + timedelta(minutes=policy.respond_minutes)
    if job.is_asap:
        fresh_give_up = now + timedelta(minutes=policy.arrive_minutes)
    else:
        fresh_give_up = job.assignment_due_at
    job.give_up_at = max(filter(None, (job.give_up_at, fresh_give_up)))
    job.escalated_at = None
    job.save(update_fields=["assignment_due_at", "give_up_at", "escalated_at"])


# --- What happened, and when (effects of the dispatch process) ------------------------


def record_departure(*, order: Order, now: datetime) -> None:
    """The worker set off (``depart``). The first departure of a worker counts;
    a new worker after a reassignment starts from a cleared time."""
    DispatchJob.objects.filter(order=order, departed_at__isnull=True).update(
        departed_at=now
    )


def record_arrival(*, order: Order, now: datetime) -> None:
    """The worker is at the door and started with the customer's code (``start``)."""
    DispatchJob.objects.filter(order=order, arrived_at__isnull=True).update(
        arrived_at=now
    )


# --- Broken promises (the periodic job) -----------------------------------------------


def compensation_for(job: DispatchJob) -> int:
    """What the platform pays for a late arrival: the job's share (fixed when it
    opened) of the service's price, in minor units, rounded down."""
    return job.order.subtotal_amount * job.compensation_bps // 10_000


def check_promises(*, now: datetime | None = None) -> dict[str, int]:
    """Find the promises broken by ``now`` and act on each once (see the
    module's docstring). Returns how many breaches of each kind this run
    handled."""
    now = now or timezone.now()
    late_responses = DispatchJob.objects.filter(
        order__state=OrderState.DISPATCHING,
        response_breached_at__isnull=True,
        assignment_due_at__lte=now,
    )
    late_arrivals = DispatchJob.objects.filter(
        order__state__in=ASSIGNED_STATES,
        arrival_breached_at__isnull=True,
        arrived_at__isnull=True,
        arrive_by__lte=now,
    )
    counts = {"response": 0, "arrival": 0, "redispatched": 0, "compensated": 0}
    for job_id in _ids(late_responses):
        counts["response"] += _breach_response(job_id=job_id, now=now)
    for job_id in _ids(late_arrivals):
        outcome = _breach_arrival(job_id=job_id, now=now)
        if outcome is not None:
            counts["arrival"] += 1
            counts["redispatched"] += outcome.redispatched
            counts["compensated"] += outcome.compensation > 0
    return counts


def _ids(jobs) -> list[int]:
    return list(jobs.order_by("pk").values_list("pk", flat=True)[:BATCH])


@transaction.atomic
def _breach_response(*, job_id: int, now: datetime) -> bool:
    # The claim: a conditional UPDATE on the job's own columns only, so that on
    # PostgreSQL a second worker waiting on the row lock re-checks them and
    # finds the mark (a condition on a joined table would not be re-checked).
    claimed = DispatchJob.objects.filter(
        pk=job_id, response_breached_at__isnull=True
    ).update(response_breached_at=now)
    if not claimed:
        return False  # another worker had it
    job = DispatchJob.objects.select_related("order").get(pk=job_id)
    if job.order.state != OrderState.DISPATCHING:
        transaction.set_rollback(True)  # someone took it meanwhile
        return False
    record_event(
        topic="order.response_late",
        subject=job.order.public_id,
        payload={
            "respond_by": job.assignment_due_at.isoformat(),
            "offers": job.offers_made,
        },
    )
    return True


@dataclass(frozen=True)
class ArrivalBreach:
    redispatched: bool
    compensation: int


def _breach_arrival(*, job_id: int, now: datetime) -> ArrivalBreach | None:
    from doorstep.orders.engine import apply_transition
    from doorstep.payments.pending_flows import schedule_money_flow

    try:
        with transaction.atomic():
            # The claim, on the job's own columns (see ``_breach_response``).
            claimed = DispatchJob.objects.filter(
                pk=job_id, arrival_breached_at__isnull=True, arrived_at__isnull=True
            ).update(arrival_breached_at=now)
            if not claimed:
                return None
            job = DispatchJob.objects.select_related("order").get(pk=job_id)
            order = job.order
            if order.state not in ASSIGNED_STATES:
                # Moved on meanwhile: undo the claim (caught below).
                raise Conflict(
                    "state_changed",
                    _("This order has changed in the meantime. Reload and try again."),
                )
            policy = policy_for(city_id=job.city_id, category_id=job.category_id)
            compensation = 0 if job.compensated_amount else compensation_for(job)
            record_event(
                topic="order.arrival_late",
                subject=order.public_id,
                payload={
                    "arrive_by": job.arrive_by.isoformat(),
                    "compensation": compensation,
                    "currency": order.currency,
                },
            )
            if compensation:
                schedule_money_flow(
                    order=order,
                    flow="compensate_customer",
                    arguments={"amount": compensation, "reference": ARRIVAL},
                )
            redispatch = (
                policy.redispatch_on_breach
                and job.departed_at is None
                and order.state == OrderState.ACCEPTED
            )
            if redispatch:
                # A fresh window to find someone: ``unassign`` reopens the job
                # (``reopen_job``) before the give-up timer is armed again.
                apply_transition(
                    order_id=order.pk,
                    name="unassign",
                    user=None,
                    system=True,
                    data={"reason": REDISPATCH_REASON},
                    expected_state=OrderState.ACCEPTED,
                )
    except Conflict:
        # The order moved on between the query and the claim (the worker set
        # off or started): the next run sees it as it is now.
        return None
    return ArrivalBreach(redispatched=redispatch, compensation=compensation)


def late_jobs(kind: str):
    """Open jobs whose ``kind`` promise ("response" or "arrival") was broken,
    for the ops queues."""
    return DispatchJob.objects.filter(
        order__state__in=(OrderState.DISPATCHING, *ASSIGNED_STATES),
        **{f"{kind}_breached_at__isnull": False},
    )


# --- Ops edit the promises (the settings section) -------------------------------------

POLICY_FIELDS = (
    "respond_minutes",
    "arrive_minutes",
    "asap_offer_seconds",
    "scheduled_offer_minutes",
    "offers_at_once",
    "compensation_bps",
    "redispatch_on_breach",
)


def policies() -> list[SlaPolicy]:
    """Every policy, the default first, then by city and category."""
    return sorted(
        SlaPolicy.objects.select_related("city", "category"),
        key=lambda policy: (
            policy.city_id is not None,
            policy.city.slug if policy.city_id else "",
            policy.category_id is not None,
            policy.category.slug if policy.category_id else "",
        ),
    )


def _values(policy: SlaPolicy) -> dict[str, object]:
    return {
        "city": policy.city.slug if policy.city_id else None,
        "category": policy.category.slug if policy.category_id else None,
        **{field: getattr(policy, field) for field in POLICY_FIELDS},
    }


def _invalid(errors: dict[str, list[str]]) -> DomainError:
    return DomainError(
        "invalid_input", _("Some fields are not valid."), status=400, fields=errors
    )


def _check_numbers(values: dict[str, object]) -> None:
    """The model's own limits, as field errors."""
    errors: dict[str, list[str]] = {}
    for name in POLICY_FIELDS:
        if name == "redispatch_on_breach":
            continue
        field = SlaPolicy._meta.get_field(name)
        value = values.get(name)
        if not isinstance(value, int) or isinstance(value, bool):
            errors[name] = [_("Enter a whole number.")]
            continue
        for validator in field.validators:
            try:
                validator(value)
            except Exception as error:  # Django's ValidationError
                errors[name] = [str(message) for message in error.messages]
                break
    if errors:
        raise _invalid(errors)


@transaction.atomic
def save_policy(
    *,
    actor,
    city_slug: str = "",
    category_id: str = "",
    respond_minutes: int,
    arrive_minutes: int,
    asap_offer_seconds: int,
    scheduled_offer_minutes: int,
    compensation_bps: int,
    redispatch_on_breach: bool,
    offers_at_once: int = SlaPolicy._meta.get_field("offers_at_once").default,
    reason: str = "",
) -> SlaPolicy:
    """Set the promise for ``city_slug`` (a city's slug; every city when blank)
    and ``category_id`` (a category's public id; every category when blank),
    creating the policy or changing it. Applies to jobs opened from now on
    (an open job keeps the promise it was sold with). Raises 403 without
    ``MANAGE_SETTINGS``, 400 ``invalid_input`` for an unknown city or
    category or a number out of range."""
    require_ops_permission(actor, OpsPermission.MANAGE_SETTINGS)
    values = {
        "respond_minutes": respond_minutes,
        "arrive_minutes": arrive_minutes,
        "asap_offer_seconds": asap_offer_seconds,
        "scheduled_offer_minutes": scheduled_offer_minutes,
        "offers_at_once": offers_at_once,
        "compensation_bps": compensation_bps,
        "redispatch_on_breach": bool(redispatch_on_breach),
    }
    errors: dict[str, list[str]] = {}
    city = category = None
    if city_slug:
        city = City.objects.filter(slug=city_slug).first()
        if city is None:
            errors["city"] = [_("Choose one of the cities.")]
    if category_id:
        category = Category.objects.filter(public_id=category_id).first()
        if category is None:
            errors["category"] = [_("Choose one of the categories.")]
    if errors:
        raise _invalid(errors)
    _check_numbers(values)
    # The NULL-safe unique constraint keeps one row per pair; locking the
    # existing one makes two ops saving the same pair take turns.
    policy = (
        SlaPolicy.objects.select_for_update()
        .filter(city=city, category=category)
        .first()
    )
    before = _values(policy) if policy is not None else {}
    if policy is None:
        policy = SlaPolicy(city=city, category=category)
    for name, value in values.items():
        setattr(policy, name, value)
    policy.save()
    record(
        actor=actor,
        action=audit_actions.SAVE_SLA_POLICY,
        target=policy,
        reason=reason,
        before=before,
        after=_values(policy),
    )
    return policy


@transaction.atomic
def delete_policy(*, actor, policy_id: int, reason: str = "") -> None:
    """Remove a policy: its city and category fall back to the next most
    specific one. Raises 403 without ``MANAGE_SETTINGS``, 404
    ``sla_policy_not_found``."""
    require_ops_permission(actor, OpsPermission.MANAGE_SETTINGS)
    policy = (
        # Only the policy's row: PostgreSQL refuses FOR UPDATE on the nullable
        # side of the joins.
        SlaPolicy.objects.select_for_update(of=("self",))
        .select_related("city", "category")
        .filter(pk=policy_id)
        .first()
    )
    if policy is None:
        raise NotFound("sla_policy_not_found", _("No such service promise."))
    record(
        actor=actor,
        action=audit_actions.DELETE_SLA_POLICY,
        target=policy,
        reason=reason,
        before=_values(policy),
    )
    policy.delete()
