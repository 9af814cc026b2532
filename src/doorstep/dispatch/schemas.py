"""The shapes of the platform-dispatch API for customers: what the platform
sells at a place, with its promise and price; buying it; how the search for a
worker stands. Money is ``{"amount": <minor units>, "currency"}``; times are
ISO 8601 with the offset of the city's zone."""

from datetime import datetime
from typing import Annotated

from ninja import Field, Schema
from pydantic import AwareDatetime, StringConstraints

from doorstep.accounts.schemas import Latitude, Longitude
from doorstep.api.schemas import InputSchema, MoneyOut
from doorstep.orders.schemas import PriceOut

ServiceId = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=32),
    Field(description="The platform service's id (svc_…)."),
]


class PlaceQuery(Schema):
    latitude: Latitude = Field(description="Where the job is.")
    longitude: Longitude


class PromiseOut(Schema):
    """The promise the platform makes for this service here."""

    respond_minutes: int = Field(description="A worker accepts within this long.")
    arrive_minutes: int | None = Field(
        description="As soon as possible: a worker is at the door within this "
        "long of payment (null when the service is booked for a time only)."
    )
    offers_asap: bool = Field(description="Bookable as soon as possible here.")


class DispatchServiceOut(Schema):
    id: str = Field(description="svc_…")
    title: str
    description: str
    category_id: str
    category_name: str
    city: str = Field(description="The city's slug.")
    city_name: str
    time_zone: str
    price: MoneyOut = Field(description="The fixed price, before the service fee.")
    duration_minutes: int
    standard: str = Field(description="What is included (the category's standard).")
    warranty_days: int
    promise: PromiseOut


class DispatchServicePriceOut(PriceOut):
    service: DispatchServiceOut


class DispatchOrderIn(InputSchema):
    service_id: ServiceId
    asap: bool = Field(
        False, description="As soon as possible (then leave `starts_at` out)."
    )
    starts_at: Annotated[
        AwareDatetime | None,
        Field(
            None,
            description="ISO 8601 with an offset, e.g. 2026-12-01T10:00:00+08:00; "
            "required unless `asap`.",
        ),
    ] = None
    address: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)
    ]
    latitude: Latitude
    longitude: Longitude
    notes: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] = (
        ""
    )


class DispatchWorkerOut(Schema):
    name: str
    agency_name: str = Field(description="Empty for an independent provider.")
    rating: float | None = Field(description="Mean stars; null before any review.")
    rating_count: int


class DispatchStatusOut(Schema):
    order_id: str
    state: str
    state_label: str
    asap: bool
    searching: bool = Field(description="Still looking for a worker.")
    escalated: bool = Field(
        description="Nobody could be offered the job yet: our team is on it."
    )
    opened_at: datetime | None = Field(description="When the search started.")
    respond_by: datetime | None = Field(description="Promise: accepted by then.")
    arrive_by: datetime | None = Field(description="Promise: at the door by then.")
    accepted_at: datetime | None
    departed_at: datetime | None
    arrived_at: datetime | None
    eta: datetime | None = Field(
        description="When the worker is due at the door (the promise while searching)."
    )
    offers_made: int = Field(description="How many workers were asked so far.")
    worker: DispatchWorkerOut | None = Field(description="Once someone took it.")
