"""The worker's phone API (``/api/v1/work/…``): the jobs the caller does
themselves, the offers waiting for their answer, their duty and location.

The same rules as the ``/work/`` pages: a job or an offer that is not the
caller's own answers 404 (an agency's manager included); the order's steps go
through ``orders.services.transition_order``; offers through the cascade.
"""

from datetime import datetime
from typing import Annotated

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import AwareDatetime, StringConstraints

from doorstep.accounts.models import User
from doorstep.api.pagination import CursorPageIn, CursorPagination
from doorstep.api.schemas import InputSchema, MoneyOut
from doorstep.core.errors import raises
from doorstep.dispatch import cascade, duty, work_queries
from doorstep.dispatch.models import Offer, Worker
from doorstep.orders import queries as order_queries
from doorstep.orders import services as order_services
from doorstep.orders.models import Order
from doorstep.orders.processes.dispatch import DISPATCH
from doorstep.orders.schemas import OrderEventOut, TransitionIn, TransitionOut

router = Router(tags=["work"])


def _caller(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined,return-value]


# --- Shapes ---------------------------------------------------------------------------


class MapLinksOut(Schema):
    geo: str = Field(description="A `geo:` URI: opens the phone's map app.")
    osm: str = Field(description="The place on openstreetmap.org.")


class JobOut(Schema):
    id: str
    title: str
    state: str
    state_label: str
    starts_at: datetime = Field(description="In the job's own time zone.")
    ends_at: datetime
    time_zone: str
    customer_first_name: str
    address: str
    latitude: float
    longitude: float
    map: MapLinksOut
    notes: str
    next_step: TransitionOut | None = Field(
        description="The job's next forward step (depart, start, deliver)."
    )
    leave_by: datetime | None = Field(
        None,
        description=(
            "For a job booked for a time, not yet on the way: when to set off, in "
            "the job's time zone — its time less the way planned (the travel "
            "estimate plus a margin for traffic) from the job you do before it, "
            "or from where you are. Null for as soon as possible."
        ),
    )


class JobPageOut(Schema):
    items: list[JobOut]
    next: str | None = Field(description="Always null: one page of open jobs.")


class JobDetailOut(JobOut):
    allowed_transitions: list[TransitionOut]
    events: list[OrderEventOut]
    photos: list[str]


class OfferOut(Schema):
    id: str
    status: str
    service: str
    area: str = Field(description="The city; the address comes with the job.")
    distance_km: float = Field(description="Rounded to the half kilometre.")
    pay: MoneyOut = Field(description="What you earn: the price less commission.")
    travel_minutes: int | None
    asap: bool
    starts_at: datetime
    expires_at: datetime
    seconds_left: int


class OfferPageOut(Schema):
    items: list[OfferOut]
    next: str | None = Field(
        description="Pass as `cursor` to get the next page; null on the last page."
    )


class AcceptedOut(Schema):
    offer_id: str
    job: JobDetailOut


class DeclineIn(InputSchema):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = (
        ""
    )


class DutyIn(InputSchema):
    on_duty: bool


class SharingIn(InputSchema):
    on: bool = Field(description="Share the phone's position while on duty.")


class DutyOut(Schema):
    worker_id: str
    on_duty: bool
    on_duty_since: datetime | None
    shares_location: bool
    located_at: datetime | None


class LocationIn(InputSchema):
    latitude: float
    longitude: float
    accuracy: float | None = Field(None, description="Metres, as the phone says.")
    recorded_at: AwareDatetime | None = Field(
        None, description="When the phone took the fix (default: now)."
    )


def job_out(
    order: Order,
    user: User,
    schema: type[JobOut] = JobOut,
    *,
    card: work_queries.JobCard | None = None,
    **extra,
):
    card = card or work_queries.job_card(order, user)
    step = card.next_step
    return schema(
        id=order.public_id,
        title=order.title,
        state=order.state,
        state_label=order.state_label,
        starts_at=card.local_starts_at,
        ends_at=card.local_ends_at,
        time_zone=order.time_zone,
        customer_first_name=card.customer_name,
        address=card.address,
        latitude=order.latitude,
        longitude=order.longitude,
        map=MapLinksOut(**card.map),
        notes=card.notes,
        next_step=TransitionOut(name=step.name, label=str(step.label))
        if step
        else None,
        leave_by=card.local_leave_by,
        **extra,
    )


def job_detail_out(order: Order, user: User) -> JobDetailOut:
    zone = work_queries.zone_of(order)
    return job_out(
        order,
        user,
        JobDetailOut,
        allowed_transitions=[
            TransitionOut(name=transition.name, label=str(transition.label))
            for transition in order_queries.party_transitions(order, user)
        ],
        events=[
            OrderEventOut(
                transition=event.transition,
                from_state=event.from_state,
                to_state=event.to_state,
                actor=event.actor,
                at=event.created_at.astimezone(zone),
                data=event.data,
            )
            for event in order_queries.timeline(order)
        ],
        photos=[photo.image.url for photo in order.photos.all()],
    )


def offer_out(card: work_queries.OfferCard) -> OfferOut:
    return OfferOut(
        id=card.public_id,
        status=card.offer.status,
        service=card.service,
        area=card.area,
        distance_km=card.distance_km,
        pay=MoneyOut(amount=card.pay.amount, currency=card.pay.currency),
        travel_minutes=card.travel_minutes,
        asap=card.is_asap,
        starts_at=card.local_starts_at,
        expires_at=card.expires_at,
        seconds_left=card.seconds_left,
    )


def duty_out(worker: Worker) -> DutyOut:
    return DutyOut(
        worker_id=worker.public_id,
        on_duty=worker.is_on_duty,
        on_duty_since=worker.on_duty_since,
        shares_location=worker.shares_location,
        located_at=worker.located_at,
    )


# --- Jobs -----------------------------------------------------------------------------


@router.get(
    "/work/jobs",
    response=JobPageOut,
    summary="The jobs you do yourself, not finished yet, in time order",
    description=(
        "Agency staff: the orders you were sent to; independent providers: your "
        "own. Booked and not finished (accepted, on the way, in service, "
        "delivered), at most 100."
    ),
)
def list_jobs(request: HttpRequest) -> JobPageOut:
    user = _caller(request)
    days = work_queries.my_jobs(user)
    return JobPageOut(
        items=[
            job_out(card.order, user, card=card)
            for card in [*days.today, *days.upcoming]
        ],
        next=None,
    )


@router.get(
    "/work/jobs/{order_id}",
    response=JobDetailOut,
    summary="One of your jobs, with its history and your next steps",
)
def get_job(request: HttpRequest, order_id: str) -> JobDetailOut:
    user = _caller(request)
    return job_detail_out(work_queries.access_job(user, order_id), user)


@router.post(
    "/work/jobs/{order_id}/steps/{name}",
    response=JobDetailOut,
    summary="Take the job's next step",
    description=(
        "`name` is one of the job's `allowed_transitions`: `depart` (on the way), "
        "`start` (with the customer's `start_code`), `deliver` (done; to attach "
        "photos use `POST /work/jobs/{order_id}/deliver`), and others the order "
        "allows its worker. 422 `wrong_start_code` beside the field."
    ),
)
@raises(*DISPATCH.hooks)  # the engine runs them through the process's table
def take_step(
    request: HttpRequest, order_id: str, name: str, payload: TransitionIn | None = None
) -> JobDetailOut:
    user = _caller(request)
    order = work_queries.access_job(user, order_id)
    payload = payload or TransitionIn()
    order = order_services.transition_order(
        order=order,
        name=name,
        user=user,
        data=payload.model_dump(exclude={"expected_state"}, exclude_none=True),
        expected_state=payload.expected_state,
    )
    return job_detail_out(work_queries.access_job(user, order.public_id), user)


@router.post(
    "/work/jobs/{order_id}/deliver",
    response=JobDetailOut,
    summary="Mark the job as done, with before and after photos",
    description=(
        "`multipart/form-data` with up to 6 files in `photos` (JPEG, PNG or WebP, "
        "8 MB each), stored with the step in one transaction."
    ),
)
@raises(*DISPATCH.hooks)
def deliver_job(
    request: HttpRequest,
    order_id: str,
    photos: File[list[UploadedFile]] = None,  # type: ignore[assignment]
) -> JobDetailOut:
    user = _caller(request)
    order = work_queries.access_job(user, order_id)
    order = order_services.transition_order(
        order=order, name="deliver", user=user, photos=photos or []
    )
    return job_detail_out(work_queries.access_job(user, order.public_id), user)


# --- Offers ---------------------------------------------------------------------------


@router.get(
    "/work/offers",
    response=OfferPageOut,
    summary="Job offers waiting for your answer, soonest to run out first",
    description="`?limit=&cursor=` as every list.",
)
def list_offers(request: HttpRequest, page: Query[CursorPageIn]) -> OfferPageOut:
    now = timezone.now()
    result = CursorPagination(field="expires_at", ascending=True).paginate_queryset(
        work_queries.pending_offers(_caller(request), now=now),
        pagination=page,
        request=request,
    )
    return OfferPageOut(
        items=[
            offer_out(work_queries.offer_card(offer, now=now))
            for offer in result["items"]
        ],
        next=result["next"],
    )


@router.post(
    "/work/offers/{offer_id}/accept",
    response=AcceptedOut,
    summary="Take the job",
    description=(
        "409 `offer_closed` when the offer was answered, withdrawn or ran out; "
        "409 `slot_taken` when your time went meanwhile."
    ),
)
@raises(*DISPATCH.hooks)
def accept_offer(request: HttpRequest, offer_id: str) -> AcceptedOut:
    user = _caller(request)
    offer = cascade.accept_offer(offer_id=offer_id, user=user)
    order = work_queries.access_job(user, offer.job.order.public_id)
    return AcceptedOut(offer_id=offer.public_id, job=job_detail_out(order, user))


@router.post(
    "/work/offers/{offer_id}/decline",
    response=OfferOut,
    summary="Pass the job on (with a reason, if you like)",
)
def decline_offer(
    request: HttpRequest, offer_id: str, payload: DeclineIn | None = None
) -> OfferOut:
    offer = cascade.decline_offer(
        offer_id=offer_id,
        user=_caller(request),
        reason=(payload or DeclineIn()).reason,
    )
    offer = Offer.objects.select_related(
        "job__order", "job__service", "job__city", "worker"
    ).get(pk=offer.pk)
    return offer_out(work_queries.offer_card(offer))


# --- Duty and location ----------------------------------------------------------------


@router.get("/work/duty", response=DutyOut, summary="Whether you are on duty")
def get_duty(request: HttpRequest) -> DutyOut:
    return duty_out(duty.require_worker(_caller(request)))


@router.post(
    "/work/duty",
    response=DutyOut,
    summary="Go on or off duty",
    description="Going off duty stops location sharing and forgets the position.",
)
def set_duty(request: HttpRequest, payload: DutyIn) -> DutyOut:
    user = _caller(request)
    if payload.on_duty:
        return duty_out(duty.go_on_duty(user=user))
    return duty_out(duty.go_off_duty(user=user))


@router.post(
    "/work/location-sharing",
    response=DutyOut,
    summary="Share your position while on duty, or stop",
)
def set_location_sharing(request: HttpRequest, payload: SharingIn) -> DutyOut:
    return duty_out(duty.share_location(user=_caller(request), on=payload.on))


@router.post(
    "/work/location",
    response={204: None},
    url_name="work_location",
    summary="Where you are now (from the phone, every ~30 s while sharing)",
)
def update_location(request: HttpRequest, payload: LocationIn) -> Status[None]:
    duty.update_location(
        user=_caller(request),
        latitude=payload.latitude,
        longitude=payload.longitude,
        accuracy=payload.accuracy,
        recorded_at=payload.recorded_at,
    )
    return Status(204, None)
