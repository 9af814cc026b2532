"""Reads for the workers' side of dispatch: who a user works as, and the offers
waiting for their answer (the staff app's offers screen and API read these)."""

from django.db.models import Q, QuerySet
from django.utils import timezone

from doorstep.accounts.models import User
from doorstep.dispatch.models import Offer, Worker
from doorstep.orders.states import OrderState


def workers_of(user: User) -> QuerySet[Worker]:
    """The worker rows ``user`` answers for: as an independent provider (their
    own calendar) and as an active staff member of an agency."""
    if user is None or not user.is_authenticated:
        return Worker.objects.none()
    return Worker.objects.filter(
        Q(staff__isnull=True, provider__user=user)
        | Q(staff__user=user, staff__is_active=True)
    ).select_related("provider", "staff")


def worker_of(user: User) -> Worker | None:
    """The worker ``user`` acts as, if any: a person who is both an agency's
    staff member and an independent provider works as staff (the agency's jobs
    first); several staff memberships: the oldest."""
    workers = list(workers_of(user).order_by("pk"))
    staff = [worker for worker in workers if worker.staff_id is not None]
    return (staff or workers or [None])[0]


def offers_for(user: User) -> QuerySet[Offer]:
    """The live offers made to ``user``'s worker rows, soonest deadline first:
    pending, not past their window, for a job that still needs someone."""
    return (
        Offer.objects.filter(
            worker__in=workers_of(user),
            status=Offer.Status.PENDING,
            expires_at__gt=timezone.now(),
            job__order__state=OrderState.DISPATCHING,
        )
        .select_related("job__order", "job__service", "job__city", "worker")
        .order_by("expires_at", "pk")
    )
