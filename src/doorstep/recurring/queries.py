"""Reads of recurring bookings: a person's series, as customer or provider."""

from django.db.models import Q, QuerySet

from doorstep.accounts.models import User
from doorstep.recurring.models import Series, Visit


def series_of(user: User) -> QuerySet[Series]:
    """The series ``user`` is the customer or the provider of, newest first."""
    return Series.objects.filter(
        Q(customer=user) | Q(provider__user=user)
    ).select_related("listing", "provider", "customer", "staff")


def visits_of(series: Series) -> list[Visit]:
    return list(
        series.visits.select_related("order", "proposed_listing").order_by("occurrence")
    )
