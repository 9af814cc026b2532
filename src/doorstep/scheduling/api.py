"""The scheduling API: a service's bookable times (public), and the calling
provider's availability. There are no provider ids on the ``/me`` endpoints: a
provider can only ever read or change their own."""

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from doorstep.accounts.models import ProviderProfile, User
from doorstep.catalog.queries import published_listing
from doorstep.core.errors import NotFound
from doorstep.orders.queries import listing_staff
from doorstep.scheduling import services
from doorstep.scheduling.queries import (
    live_calendar_feed,
    policy_for,
    provider_zone,
    upcoming_exceptions,
    weekly_rules,
)
from doorstep.scheduling.schemas import (
    AvailabilityIn,
    AvailabilityOut,
    CalendarFeedCreatedOut,
    CalendarFeedOut,
    ExceptionIn,
    ExceptionOut,
    ServingStaffOut,
    SlotOut,
    SlotsOut,
    SlotsQuery,
    WeeklyHoursOut,
    check_slot_range,
    exception_out,
    policy_out,
    wall_time_text,
)
from doorstep.scheduling.slots import bookable_slots, chosen_staff, job_minutes

router = Router(tags=["scheduling"])


def _own_provider(request: HttpRequest) -> ProviderProfile:
    user: User = request.auth  # type: ignore[attr-defined]
    profile = ProviderProfile.objects.filter(user=user).first()
    if profile is None:
        raise NotFound(
            "not_a_provider",
            _("Only providers have availability. Become a provider first."),
        )
    return profile


def _availability(provider: ProviderProfile) -> AvailabilityOut:
    zone = provider_zone(provider)
    return AvailabilityOut(
        time_zone=str(zone),
        rules=[
            WeeklyHoursOut(
                weekday=rule.weekday,
                start_time=wall_time_text(rule.start_time),
                end_time=wall_time_text(rule.end_time),
            )
            for rule in weekly_rules(provider)
        ],
        policy=policy_out(policy_for(provider)),
        exceptions=[
            exception_out(exception)
            for exception in upcoming_exceptions(
                provider, today=timezone.now().astimezone(zone).date()
            )
        ],
    )


@router.get(
    "/services/{listing_id}/slots",
    auth=None,
    response=SlotsOut,
    summary="Bookable start times of a service",
    description=(
        "Start times between `from` and `to` (dates in `tz`, both included, at "
        "most 62 days), after the provider's hours, time off, holidays, buffers, "
        "notice and existing bookings. Times are in `tz` (default: the "
        "provider's zone, given as `time_zone`)."
    ),
)
def list_slots(
    request: HttpRequest, listing_id: str, query: Query[SlotsQuery]
) -> SlotsOut:
    listing = published_listing(listing_id)
    check_slot_range(query)
    slots = bookable_slots(
        listing=listing,
        start_date=query.from_,
        end_date=query.to,
        hours=query.hours,
        viewer_tz=query.tz,
        staff=chosen_staff(listing, query.staff_id),
    )
    return SlotsOut(
        time_zone=str(provider_zone(listing.provider)),
        duration_minutes=job_minutes(listing=listing, hours=query.hours),
        slots=[
            SlotOut(starts_at=slot.local_starts_at, ends_at=slot.local_ends_at)
            for slot in slots
        ],
    )


@router.get(
    "/services/{listing_id}/staff",
    auth=None,
    response=list[ServingStaffOut],
    summary="The staff who serve an agency's service",
    description=(
        "Whom a customer may choose when booking (`staff_id` on the slots, "
        "holds and orders); empty for an individual provider's service. "
        "Without a choice, any of them who is free is booked."
    ),
)
def list_serving_staff(request: HttpRequest, listing_id: str) -> list[ServingStaffOut]:
    return [
        ServingStaffOut(
            id=card.public_id,
            display_name=card.display_name,
            initials=card.initials,
            photo_url=card.photo_url,
            languages=card.languages,
            rating=card.rating,
            review_count=card.review_count,
        )
        for card in listing_staff(published_listing(listing_id))
    ]


@router.get(
    "/me/availability",
    response=AvailabilityOut,
    summary="Your weekly hours, booking policy and upcoming exceptions",
)
def get_availability(request: HttpRequest) -> AvailabilityOut:
    return _availability(_own_provider(request))


@router.put(
    "/me/availability",
    response=AvailabilityOut,
    summary="Replace your weekly hours and booking policy",
    description=(
        "All or nothing: the weekly hours sent replace all of yours, and the "
        "policy is set (fields left out take their defaults). Exceptions are "
        "kept. On bad input nothing changes."
    ),
)
def replace_availability(
    request: HttpRequest, payload: AvailabilityIn
) -> AvailabilityOut:
    provider = _own_provider(request)
    services.replace_availability(
        provider=provider,
        rules=[
            services.WeeklyHours(rule.weekday, rule.start_time, rule.end_time)
            for rule in payload.rules
        ],
        policy=payload.policy.model_dump(),
    )
    return _availability(provider)


@router.post(
    "/me/availability/exceptions",
    response={201: ExceptionOut},
    summary="Add time off or extra hours on a date",
)
def add_exception(request: HttpRequest, payload: ExceptionIn) -> ExceptionOut:
    exception = services.add_exception(
        provider=_own_provider(request),
        day=payload.date,
        kind=payload.kind,
        start_time=payload.start_time,
        end_time=payload.end_time,
        note=payload.note,
    )
    return exception_out(exception)


@router.delete(
    "/me/availability/exceptions/{exception_id}",
    response={204: None},
    summary="Remove an exception",
)
def remove_exception(request: HttpRequest, exception_id: str) -> None:
    services.remove_exception(
        provider=_own_provider(request), exception_id=exception_id
    )


# --- The private calendar feed ------------------------------------------------------


@router.get(
    "/me/calendar-feed",
    response=CalendarFeedOut,
    summary="Whether your private calendar link is on",
)
def get_calendar_feed(request: HttpRequest) -> CalendarFeedOut:
    feed = live_calendar_feed(_own_provider(request))
    if feed is None:
        return CalendarFeedOut(live=False)
    return CalendarFeedOut(live=True, prefix=feed.prefix, created_at=feed.created_at)


@router.post(
    "/me/calendar-feed",
    response={201: CalendarFeedCreatedOut},
    summary="Make a private calendar link of your upcoming jobs",
    description="An iCal address for your calendar app. Making a new one turns "
    "the old one off; the address is shown only in this answer.",
)
def create_calendar_feed(request: HttpRequest) -> Status[CalendarFeedCreatedOut]:
    feed, raw = services.create_calendar_feed(provider=_own_provider(request))
    url = request.build_absolute_uri(
        reverse("scheduling:ical_feed", kwargs={"token": raw})
    )
    return Status(
        201,
        CalendarFeedCreatedOut(prefix=feed.prefix, created_at=feed.created_at, url=url),
    )


@router.delete(
    "/me/calendar-feed",
    response={204: None},
    summary="Turn your private calendar link off",
    description="Its address answers 404 from now on. Nothing to turn off is fine.",
)
def revoke_calendar_feed(request: HttpRequest) -> None:
    services.revoke_calendar_feed(provider=_own_provider(request))
