"""Recurring bookings in the API: a customer's and a provider's series, their
visits, and every change the web offers. Someone else's series, visit or
price proposal is a 404 (``series_not_found``, ``visit_not_found``,
``price_change_not_found``)."""

from datetime import date, datetime, time
from typing import Literal

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from doorstep.api.schemas import InputSchema, MoneyOut
from doorstep.recurring import queries, services
from doorstep.recurring.models import PriceChange, Series, Visit

router = Router(tags=["recurring bookings"])


class RecurringVisitOut(Schema):
    id: str
    occurrence: date = Field(description="The date of the occurrence (local).")
    starts_at: datetime
    status: str = Field(
        description="booked, skipped, proposed (another time or provider is "
        "offered: accept or decline) or not_served."
    )
    order: str | None = Field(description="The visit's order, once booked.")
    charged: bool = Field(description="The price is held on the card.")
    proposed_starts_at: datetime | None
    proposed_listing: str | None
    problem: str = Field(description="Why the usual time could not be booked.")


class RecurringPriceChangeOut(Schema):
    id: str
    status: str
    price: MoneyOut
    previous: MoneyOut
    created_at: datetime


class RecurringSeriesOut(Schema):
    id: str
    role: str = Field(description="customer or provider: how you take part.")
    listing: str
    provider: str
    staff: str | None
    cadence: str
    weekdays: list[int] = Field(description="Monday 0 … Sunday 6 (weekdays only).")
    start_time: time = Field(description="Local time in `time_zone`.")
    time_zone: str
    start_date: date
    end_date: date | None
    visit_count: int | None
    address: str
    price: MoneyOut = Field(description="The provider's price per visit, fixed.")
    payment_method: str | None
    status: str = Field(description="active, paused or ended.")
    acceptance: str = Field(
        description="The provider's word on the series: not_needed (the listing "
        "books instantly), pending (a request-to-book listing's series waiting "
        "for the provider: its visits are requests meanwhile), standing (accepted "
        "once: visits booked from then on are accepted for the provider), "
        "withdrawn (each visit is a request again) or declined (the series ended)."
    )
    visits: list[RecurringVisitOut]
    price_changes: list[RecurringPriceChangeOut]


class RecurringSeriesIn(InputSchema):
    listing: str
    cadence: Literal["weekly", "every_2_weeks", "every_4_weeks", "weekdays"]
    weekdays: list[int] = Field(default_factory=list)
    start_date: date
    start_time: time
    end_date: date | None = None
    visit_count: int | None = None
    address: str
    latitude: float
    longitude: float
    notes: str = ""
    staff: str = ""
    hours: int | None = None
    payment_method: str = Field(
        default="", description="A saved card's id; your default card if empty."
    )


class VisitMoveIn(InputSchema):
    starts_at: datetime


class SeriesCardIn(InputSchema):
    payment_method: str


class SeriesPriceIn(InputSchema):
    amount: int = Field(description="The new price per visit, in minor units.")


class VisitMoveOut(Schema):
    reschedule_request: str = Field(
        description="The order's reschedule request the provider answers."
    )
    status: str


def _money(amount: int, currency: str) -> dict:
    return {"amount": amount, "currency": currency}


def _visit_out(visit: Visit) -> dict:
    return {
        "id": visit.public_id,
        "occurrence": visit.occurrence,
        "starts_at": visit.starts_at,
        "status": visit.status,
        "order": visit.order.public_id if visit.order else None,
        "charged": visit.charged_at is not None,
        "proposed_starts_at": visit.proposed_starts_at,
        "proposed_listing": (
            visit.proposed_listing.public_id if visit.proposed_listing else None
        ),
        "problem": visit.problem,
    }


def _change_out(change: PriceChange, currency: str) -> dict:
    return {
        "id": change.public_id,
        "status": change.status,
        "price": _money(change.price_amount, currency),
        "previous": _money(change.previous_amount, currency),
        "created_at": change.created_at,
    }


def _out(series: Series, user) -> dict:
    series.refresh_from_db()
    return {
        "id": series.public_id,
        "role": "customer" if series.customer_id == user.pk else "provider",
        "listing": series.listing.public_id,
        "provider": series.provider.public_id,
        "staff": series.staff.public_id if series.staff else None,
        "cadence": series.cadence,
        "weekdays": series.weekday_numbers,
        "start_time": series.start_time,
        "time_zone": series.time_zone,
        "start_date": series.start_date,
        "end_date": series.end_date,
        "visit_count": series.visit_count,
        "address": series.address,
        "price": _money(series.price_amount, series.currency),
        "payment_method": (
            series.payment_method.public_id
            if series.customer_id == user.pk and series.payment_method
            else None
        ),
        "status": series.status,
        "acceptance": series.acceptance,
        "visits": [_visit_out(v) for v in queries.visits_of(series)],
        "price_changes": [
            _change_out(c, series.currency) for c in series.price_changes.all()
        ],
    }


def _user(request: HttpRequest):
    return request.auth  # type: ignore[attr-defined]


@router.get(
    "/recurring/series", response=list[RecurringSeriesOut], summary="Your series"
)
def list_series(request: HttpRequest, acceptance: str = "") -> list[dict]:
    """``?acceptance=pending``: the series requests waiting for your answer
    (as their provider) or the provider's (as their customer); any value of
    the series' ``acceptance`` filters (an unknown one finds none)."""
    user = _user(request)
    series = queries.series_of(user)
    if acceptance:
        series = series.filter(acceptance=acceptance)
    return [_out(one, user) for one in series]


@router.post(
    "/recurring/series",
    response={201: RecurringSeriesOut},
    summary="Start a recurring booking",
    description=(
        "The price per visit is computed now and kept. Visits of the next four "
        "weeks are booked at once (each an order with its own time claim, paid "
        "after the service), later ones as time passes; each visit is held on "
        "`payment_method` (your default card if empty) a day before. A usual "
        "time that is not free becomes a visit with status `proposed`."
    ),
)
def create_series(request: HttpRequest, payload: RecurringSeriesIn) -> Status:
    user = _user(request)
    series = services.create_series(
        customer=user,
        listing_id=payload.listing,
        cadence=payload.cadence,
        weekdays="".join(str(day) for day in payload.weekdays),
        start_date=payload.start_date,
        start_time=payload.start_time,
        end_date=payload.end_date,
        visit_count=payload.visit_count,
        address=payload.address,
        latitude=payload.latitude,
        longitude=payload.longitude,
        notes=payload.notes,
        staff_id=payload.staff,
        hours=payload.hours,
        payment_method_id=payload.payment_method,
    )
    return Status(201, _out(series, user))


@router.get(
    "/recurring/series/{series_id}", response=RecurringSeriesOut, summary="A series"
)
def get_series(request: HttpRequest, series_id: str) -> dict:
    user = _user(request)
    return _out(services.access_series(user=user, series_id=series_id), user)


@router.post(
    "/recurring/series/{series_id}/pause",
    response=RecurringSeriesOut,
    summary="Pause (customer)",
    description="Visits ahead not yet charged are skipped; none are booked until "
    "you resume.",
)
def pause(request: HttpRequest, series_id: str) -> dict:
    user = _user(request)
    return _out(services.pause_series(user=user, series_id=series_id), user)


@router.post(
    "/recurring/series/{series_id}/resume",
    response=RecurringSeriesOut,
    summary="Resume (customer)",
)
def resume(request: HttpRequest, series_id: str) -> dict:
    user = _user(request)
    return _out(services.resume_series(user=user, series_id=series_id), user)


@router.post(
    "/recurring/series/{series_id}/end",
    response=RecurringSeriesOut,
    summary="End the series (either side)",
    description="Visits ahead not yet charged are skipped, free.",
)
def end(request: HttpRequest, series_id: str) -> dict:
    user = _user(request)
    return _out(services.end_series(user=user, series_id=series_id), user)


@router.post(
    "/recurring/series/{series_id}/accept",
    response=RecurringSeriesOut,
    summary="Accept the series once (provider, request-to-book listing)",
    description="A standing acceptance: the visits waiting for you are accepted "
    "now, and each visit booked from now on is accepted for you (its time is "
    "still claimed first: a usual time that is not free becomes a proposal to "
    "the customer). Also gives it again after withdrawing.",
)
def accept_series(request: HttpRequest, series_id: str) -> dict:
    user = _user(request)
    return _out(services.accept_series(user=user, series_id=series_id), user)


@router.post(
    "/recurring/series/{series_id}/decline",
    response=RecurringSeriesOut,
    summary="Decline the series (provider, request-to-book listing)",
    description="The visits waiting for you are declined and the series ends; "
    "the customer is told. Visits you already accepted one by one stay booked.",
)
def decline_series(request: HttpRequest, series_id: str) -> dict:
    user = _user(request)
    return _out(services.decline_series(user=user, series_id=series_id), user)


@router.post(
    "/recurring/series/{series_id}/withdraw-acceptance",
    response=RecurringSeriesOut,
    summary="Withdraw your standing acceptance (provider)",
    description="Visits already accepted stay booked; each visit booked from now "
    "on is a request again, to accept or decline one by one.",
)
def withdraw_acceptance(request: HttpRequest, series_id: str) -> dict:
    user = _user(request)
    return _out(services.withdraw_acceptance(user=user, series_id=series_id), user)


@router.post(
    "/recurring/series/{series_id}/card",
    response=RecurringSeriesOut,
    summary="Pay the visits with another saved card (customer)",
)
def set_card(request: HttpRequest, series_id: str, payload: SeriesCardIn) -> dict:
    user = _user(request)
    return _out(
        services.set_series_card(
            user=user, series_id=series_id, method_id=payload.payment_method
        ),
        user,
    )


@router.post(
    "/recurring/series/{series_id}/price-changes",
    response={201: RecurringPriceChangeOut},
    summary="Propose a new price per visit (provider)",
)
def propose_price(
    request: HttpRequest, series_id: str, payload: SeriesPriceIn
) -> Status:
    change = services.propose_price(
        user=_user(request), series_id=series_id, price_amount=payload.amount
    )
    return Status(201, _change_out(change, change.series.currency))


@router.post(
    "/recurring/price-changes/{change_id}/{answer}",
    response=RecurringPriceChangeOut,
    summary="Accept or decline a new price (customer)",
    description="`answer` is `accept` (visits booked from now on cost it) or "
    "`decline`.",
)
def answer_price(
    request: HttpRequest, change_id: str, answer: Literal["accept", "decline"]
) -> dict:
    change = services.answer_price(
        user=_user(request), change_id=change_id, accept=answer == "accept"
    )
    return _change_out(change, change.series.currency)


@router.post(
    "/recurring/visits/{visit_id}/skip",
    response=RecurringVisitOut,
    summary="Skip one visit (customer)",
    description="Its order is cancelled free; it is never charged. 409 "
    "`visit_not_skippable` once it is being or was charged.",
)
def skip(request: HttpRequest, visit_id: str) -> dict:
    return _visit_out(services.skip_visit(user=_user(request), visit_id=visit_id))


@router.post(
    "/recurring/visits/{visit_id}/move",
    response=VisitMoveOut,
    summary="Move one visit to another free time (customer)",
    description="Asks the provider to move the visit's order "
    "(its reschedule request); accepted, the order and its time claim move.",
)
def move(request: HttpRequest, visit_id: str, payload: VisitMoveIn) -> dict:
    request_ = services.move_visit(
        user=_user(request), visit_id=visit_id, starts_at=payload.starts_at
    )
    return {"reschedule_request": request_.public_id, "status": request_.status}


@router.post(
    "/recurring/visits/{visit_id}/accept",
    response=RecurringVisitOut,
    summary="Accept the time or provider offered for a visit (customer)",
)
def accept(request: HttpRequest, visit_id: str) -> dict:
    return _visit_out(
        services.accept_alternative(user=_user(request), visit_id=visit_id)
    )


@router.post(
    "/recurring/visits/{visit_id}/decline",
    response=RecurringVisitOut,
    summary="Decline the time or provider offered (customer)",
)
def decline(request: HttpRequest, visit_id: str) -> dict:
    return _visit_out(
        services.decline_alternative(user=_user(request), visit_id=visit_id)
    )
