"""Builders for scheduling tests: a listing whose provider works given hours in a
given zone, exceptions and claims at local times."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from doorstep.catalog.models import Listing, PricingModel
from doorstep.scheduling import services
from doorstep.scheduling.models import AvailabilityException, TimeClaim
from tests.factories import make_listing, make_provider

EVERY_DAY = tuple(range(7))
NO_RULES = {
    "buffer_before_minutes": 0,
    "buffer_after_minutes": 0,
    "min_lead_minutes": 0,
    "max_days_ahead": 365,
    "slot_step_minutes": 30,
}


def clock(text: str) -> time:
    return time(23, 59) if text == "24:00" else time.fromisoformat(text)


def bookable_listing(
    *,
    zone: str = "Asia/Shanghai",
    hours: dict[int, list[tuple[str, str]]] | None = None,
    duration: int = 60,
    pricing_model: str = PricingModel.FIXED,
    min_hours: int = 1,
    **policy,
) -> Listing:
    """A published listing of a provider in ``zone`` who works ``hours``
    (weekday → ranges; default 09:00–17:00 every day), with a policy that gets in
    the way of nothing unless ``policy`` says otherwise."""
    provider = make_provider(time_zone=zone)
    if hours is None:
        hours = {day: [("09:00", "17:00")] for day in EVERY_DAY}
    services.replace_availability(
        provider=provider,
        rules=[
            services.WeeklyHours(day, clock(start), clock(end))
            for day, ranges in hours.items()
            for start, end in ranges
        ],
        policy={**NO_RULES, **policy},
    )
    return make_listing(
        provider=provider,
        duration_minutes=duration,
        pricing_model=pricing_model,
        min_hours=min_hours,
    )


def local(listing: Listing, day: date, text: str, *, fold: int = 0) -> datetime:
    """The UTC instant of wall-clock ``text`` on ``day`` in the provider's zone."""
    zone = ZoneInfo(listing.provider.time_zone)
    wall = datetime.combine(day, clock(text)).replace(tzinfo=zone, fold=fold)
    return wall.astimezone(UTC)


def wall_times(slots, zone: str | None = None) -> list[str]:
    """The slots' local start times as HH:MM (in ``zone`` if given)."""
    return [
        (
            slot.starts_at.astimezone(ZoneInfo(zone)) if zone else slot.local_starts_at
        ).strftime("%H:%M")
        for slot in slots
    ]


def exception(
    listing: Listing,
    day: date,
    kind: str = AvailabilityException.Kind.OFF,
    start: str | None = None,
    end: str | None = None,
) -> AvailabilityException:
    # Written directly: the service refuses dates before today, and these tests
    # live at fixed dates.
    return AvailabilityException.objects.create(
        provider=listing.provider,
        date=day,
        kind=kind,
        start_time=clock(start) if start else None,
        end_time=clock(end) if end else None,
    )


def claim(
    listing: Listing,
    starts_at: datetime,
    minutes: int,
    *,
    hold_until: datetime | None = None,
) -> TimeClaim:
    """A claim on the provider's time; with ``hold_until``, a hold that lapses
    then (set after the fact: the service times holds from the real clock, and
    these tests run at fixed dates)."""
    taken = services.claim_time(
        provider=listing.provider,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=minutes),
    )
    if hold_until is not None:
        taken.hold_token = "hold-" + str(taken.pk)
        taken.hold_expires_at = hold_until
        taken.save(update_fields=["hold_token", "hold_expires_at"])
    return taken


def order_at(
    listing: Listing,
    starts_at: datetime,
    minutes: int,
    *,
    state: str = "accepted",
    customer=None,
):
    """An order of ``listing`` at ``starts_at`` with its claim, as the booking
    service makes them (claim without buffers: these tests add their own)."""
    from doorstep.orders.models import BuyingMode, Order
    from tests.factories import make_user

    order = Order.objects.create(
        mode=BuyingMode.BOOK_PROVIDER,
        state=state,
        state_changed_at=starts_at - timedelta(days=1),
        customer=customer or make_user(),
        provider=listing.provider,
        listing=listing,
        title=listing.title,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=minutes),
        time_zone=listing.provider.time_zone,
        address="1 Test Road",
        latitude=listing.latitude,
        longitude=listing.longitude,
        currency=listing.currency,
        subtotal_amount=listing.price_amount or 0,
        total_amount=listing.price_amount or 0,
    )
    services.claim_time(
        provider=listing.provider,
        starts_at=order.starts_at,
        ends_at=order.ends_at,
        order=order,
    )
    return order


def agency_listing(
    *, staff: int = 2, hours: dict[int, list[tuple[str, str]]] | None = None, **kw
) -> tuple[Listing, list]:
    """A ``bookable_listing`` of an agency's provider profile, served by
    ``staff`` workers (skilled in its category), who work the agency's hours;
    and the staff members, lowest id first."""
    from doorstep.accounts.models import Agency, StaffMember
    from doorstep.dispatch.models import Worker
    from tests.factories import make_user

    listing = bookable_listing(hours=hours, **kw)
    provider = listing.provider
    agency = Agency.objects.create(name="Bright Homes", owner=provider.user)
    provider.agency = agency
    provider.save(update_fields=["agency"])
    StaffMember.objects.create(
        agency=agency,
        user=provider.user,
        display_name=provider.display_name,
        role=StaffMember.Role.OWNER,
    )
    members = []
    for n in range(staff):
        user = make_user(name=f"Staff {n + 1}")
        member = StaffMember.objects.create(
            agency=agency, user=user, display_name=user.name, languages=["zh"]
        )
        worker = Worker.objects.create(
            provider=provider,
            staff=member,
            display_name=user.name,
            base_latitude=provider.latitude,
            base_longitude=provider.longitude,
        )
        worker.categories.add(listing.category)
        members.append(member)
    return listing, members


def staff_hours(listing: Listing, member, weekday: int, start: str, end: str):
    """Give ``member`` weekly hours of their own (written directly: the
    staff side of the availability services is the agency part's)."""
    from doorstep.scheduling.models import AvailabilityRule

    return AvailabilityRule.objects.create(
        provider=listing.provider,
        staff=member,
        weekday=weekday,
        start_time=clock(start),
        end_time=clock(end),
    )


def staff_claim(listing: Listing, member, starts_at: datetime, minutes: int):
    return services.claim_time(
        provider=listing.provider,
        staff_key=member.pk,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=minutes),
    )
