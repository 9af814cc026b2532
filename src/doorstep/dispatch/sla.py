"""The promises made for dispatched orders ("a worker within 30 minutes, at the
door within 2 hours"): which policy applies, and the clocks a job starts with."""

from datetime import datetime, timedelta

from django.db.models import Q

from doorstep.dispatch.models import DispatchJob, SlaPolicy


def policy_for(*, city_id: int | None, category_id: int | None) -> SlaPolicy:
    """The most specific policy: city and category, then city, then category,
    then the marketplace's default; an unsaved default when ops set none."""
    policies = {
        (policy.city_id, policy.category_id): policy
        # ``__in=[x, None]`` would drop the None (SQL's IN never matches NULL).
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
    else:
        job.arrive_by = order.starts_at
        job.offer_seconds = policy.scheduled_offer_minutes * 60
        job.give_up_at = order.starts_at
    job.compensation_bps = policy.compensation_bps
    job.save(
        update_fields=[
            "opened_at",
            "respond_by",
            "arrive_by",
            "offer_seconds",
            "give_up_at",
            "compensation_bps",
        ]
    )
