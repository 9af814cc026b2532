"""The demo's recurring bookings: a few regular customers, each series
started weeks ago through ``recurring.services`` on the moved clock, its
visits booked and charged by the same functions the periodic jobs run, and
served (accepted, started, done, confirmed) through the order process as the
time of each came — so the past visits are completed and paid, and the ones
ahead are booked on the providers' calendars.

* the demo customer's weekly clean with the demo provider's agency (one
  staff member kept): the first visit accepted on its own, the series once
  that visit went well (a standing acceptance: the visits after it are
  accepted for the provider), one visit ahead skipped;
* the demo customer's fortnightly visit with another provider, who has
  proposed a new price the customer has not answered yet;
* another customer of the demo provider on two weekdays, now paused.
"""

import logging
import random
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.test import override_settings

from doorstep.accounts.models import SavedAddress, User
from doorstep.catalog.models import Listing, PricingModel
from doorstep.catalog.services import update_listing
from doorstep.core.errors import DomainError
from doorstep.core.geo import distance_km
from doorstep.demo.clock import DemoClock, moved_clock
from doorstep.demo.history import _quiet_settings
from doorstep.orders.services import transition_order
from doorstep.orders.states import OrderState
from doorstep.payments import methods
from doorstep.recurring import services
from doorstep.recurring.models import Series, Visit, VisitStatus
from doorstep.scheduling.slots import bookable_slots, serving_staff

logger = logging.getLogger(__name__)

CARD_OK = "sbx_success_visa_4242"
STEP = timedelta(hours=6)


def _card(user: User, now: datetime) -> str:
    return methods.save_method(
        user=user,
        gateway="sandbox",
        token=CARD_OK,
        brand="visa",
        last4="4242",
        exp_month=12,
        exp_year=now.year + 3,
        make_default=True,
    ).public_id


def _offering(listing: Listing) -> Listing:
    """The provider lets the listing be paid after the service (what a
    series is paid with)."""
    if not listing.offers_pay_after_service:
        update_listing(
            actor=listing.provider.user,
            listing_id=listing.public_id,
            offers_pay_after_service=True,
        )
        listing.refresh_from_db()
    return listing


def _place_of(user: User, listing: Listing) -> tuple[str, float, float] | None:
    for address in SavedAddress.objects.filter(user=user):
        if address.latitude is None:
            continue
        distance = distance_km(
            listing.latitude, listing.longitude, address.latitude, address.longitude
        )
        if distance <= float(listing.service_radius_km):
            return address.address, address.latitude, address.longitude
    return None


def _listings_of(provider_user: User) -> list[Listing]:
    return list(
        Listing.objects.filter(
            provider__user=provider_user, status=Listing.Status.PUBLISHED
        )
        .exclude(pricing_model=PricingModel.QUOTE)
        .select_related("provider")
        .order_by("pk")
    )


def _start_time(listing: Listing, day, now: datetime, staff) -> time | None:
    try:
        slots = bookable_slots(
            listing=listing, start_date=day, end_date=day, now=now, staff=staff
        )
    except DomainError:
        return None
    zone = ZoneInfo(listing.provider.time_zone or "UTC")
    local = [slot.starts_at.astimezone(zone) for slot in slots]
    morning = [moment for moment in local if 9 <= moment.hour <= 11]
    chosen = (morning or local or [None])[0]
    return chosen.time() if chosen else None


def _serve(visit: Visit, clock: DemoClock) -> None:
    """The provider comes and does the job; the customer confirms it."""
    order = visit.order
    provider = order.provider.user
    back = clock.now
    try:
        clock.set(order.starts_at)
        order = transition_order(
            order=order,
            name="start",
            user=provider,
            data={"start_code": order.start_code},
        )
        clock.set(order.ends_at)
        order = transition_order(order=order, name="deliver", user=provider)
        clock.set(order.ends_at + timedelta(hours=2))
        transition_order(order=order, name="confirm", user=visit.series.customer)
    except DomainError as refused:
        logger.info("demo recurring: visit %s not served: %s", visit, refused)
    finally:
        clock.set(back)


def _live_through(
    series: Series, clock: DemoClock, until: datetime, *, standing: bool = False
) -> None:
    """Time passes as the scheduler sees it: the horizon and charge jobs run,
    the provider accepts each visit asked of them (with ``standing``, the
    whole series once a first visit is done), the customer takes the
    alternatives offered, and each visit whose time came is served."""
    while clock.now < until:
        clock.set(min(clock.now + STEP, until))
        services.plan_visits(now=clock.now)
        services.charge_due_visits(now=clock.now)
        visits = series.visits.select_related("order", "series__customer")
        for visit in visits.filter(status=VisitStatus.PROPOSED):
            try:
                services.accept_alternative(
                    user=series.customer, visit_id=visit.public_id
                )
            except DomainError:
                services.decline_alternative(
                    user=series.customer, visit_id=visit.public_id
                )
        series.refresh_from_db()
        if (
            standing
            and series.awaits_acceptance
            and visits.filter(order__state=OrderState.COMPLETED).exists()
        ):
            services.accept_series(
                user=series.listing.provider.user,
                series_id=series.public_id,
                now=clock.now,
            )
        for visit in visits.filter(order__state=OrderState.REQUESTED):
            transition_order(
                order=visit.order, name="accept", user=visit.order.provider.user
            )
        for visit in visits.filter(
            order__state=OrderState.ACCEPTED, order__ends_at__lte=clock.now
        ):
            _serve(visit, clock)


def _story(
    *,
    customer: User,
    listing: Listing,
    days_ago: int,
    now: datetime,
    staffed: bool = False,
    standing: bool = False,
    **schedule,
) -> Series | None:
    place = _place_of(customer, listing)
    if place is None:
        place = ("1 Demo Lane", listing.latitude, listing.longitude)
    address, latitude, longitude = place
    began = now - timedelta(days=days_ago)
    zone = ZoneInfo(listing.provider.time_zone or "UTC")
    staff = serving_staff(listing)[0] if staffed and serving_staff(listing) else None
    with moved_clock(began) as clock:
        # The first day with a free time: a listing's notice can rule out the
        # next day, depending on the hour the story begins at.
        for ahead in range(1, 8):
            first = began.astimezone(zone).date() + timedelta(days=ahead)
            start_time = _start_time(listing, first, began, staff)
            if start_time is not None:
                break
        else:
            return None
        try:
            series = services.create_series(
                customer=customer,
                listing_id=listing.public_id,
                start_date=first,
                start_time=start_time,
                address=address,
                latitude=latitude,
                longitude=longitude,
                staff_id=staff.public_id if staff else "",
                payment_method_id=_card(customer, now),
                now=clock.now,
                **schedule,
            )
        except DomainError as refused:
            logger.info("demo recurring: series not started: %s", refused)
            return None
        _live_through(series, clock, now - timedelta(minutes=10), standing=standing)
    return series


def _other_customers(listing: Listing, logins: dict[str, User]) -> list[User]:
    known = [user.pk for user in logins.values()]
    near = []
    for address in (
        SavedAddress.objects.filter(~Q(user_id__in=known), latitude__isnull=False)
        .select_related("user")
        .order_by("pk")[:2000]
    ):
        distance = distance_km(
            listing.latitude, listing.longitude, address.latitude, address.longitude
        )
        if distance <= float(listing.service_radius_km) and not address.user.is_staff:
            near.append(address.user)
    return list(dict.fromkeys(near))


def seed_recurring(
    *, logins: dict[str, User], seed: int, now: datetime
) -> dict[str, int]:
    """A few series with their past (see the module's docstring); returns
    how many series, completed visits and visits ahead it made."""
    with override_settings(**_quiet_settings()):
        return _seed(logins=logins, seed=seed, now=now)


def _seed(*, logins: dict[str, User], seed: int, now: datetime) -> dict[str, int]:
    rng = random.Random(seed + 19)
    customer = logins["customer"]
    # A request-to-book listing if the provider has one: its series is
    # accepted by the provider (instant booking needs no acceptance).
    theirs = sorted(
        _listings_of(logins["provider"]), key=lambda listing: listing.instant_book
    )
    ours = [_offering(listing) for listing in theirs[:1]]
    told: list[Series] = []
    if ours:
        weekly = _story(
            customer=customer,
            listing=ours[0],
            days_ago=36,
            now=now,
            staffed=True,
            standing=True,
            cadence="weekly",
            visit_count=16,
        )
        if weekly is not None:
            told.append(weekly)
            ahead = weekly.visits.filter(
                status=VisitStatus.BOOKED, charged_at__isnull=True
            ).order_by("occurrence")
            if ahead.count() > 1:
                with moved_clock(now - timedelta(minutes=5)):
                    services.skip_visit(user=customer, visit_id=ahead[1].public_id)
        regulars = _other_customers(ours[0], logins)
        if regulars:
            other = rng.choice(regulars[:20])
            days = "14"
            series = _story(
                customer=other,
                listing=ours[0],
                days_ago=12,
                now=now,
                cadence="weekdays",
                weekdays=days,
                visit_count=20,
            )
            if series is not None:
                told.append(series)
                with moved_clock(now - timedelta(minutes=5)):
                    services.pause_series(user=other, series_id=series.public_id)
    candidates = [
        listing
        for listing in Listing.objects.filter(status=Listing.Status.PUBLISHED)
        .exclude(provider__user=logins["provider"])
        .exclude(pricing_model=PricingModel.QUOTE)
        .select_related("provider")
        .order_by("pk")[:400]
        if _place_of(customer, listing) is not None
    ]
    if candidates:
        listing = _offering(rng.choice(candidates[:30]))
        fortnightly = _story(
            customer=customer,
            listing=listing,
            days_ago=22,
            now=now,
            cadence="every_2_weeks",
            end_date=(now + timedelta(days=120)).date(),
        )
        if fortnightly is not None:
            told.append(fortnightly)
            with moved_clock(now - timedelta(minutes=5)):
                services.propose_price(
                    user=listing.provider.user,
                    series_id=fortnightly.public_id,
                    price_amount=fortnightly.price_amount * 11 // 10,
                )
    visits = Visit.objects.filter(series__in=told)
    return {
        "series": len(told),
        "visits_completed": visits.filter(order__state=OrderState.COMPLETED).count(),
        "visits_ahead": visits.filter(
            status=VisitStatus.BOOKED, order__starts_at__gt=now
        ).count(),
    }
