"""Set-up for the request-for-quotes tests: providers who serve a category
with working hours, a customer's request posted through the service, a quote
sent through it, and the payment made on the sandbox's page."""

from datetime import date, datetime, time, timedelta
from io import BytesIO
from zoneinfo import ZoneInfo

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.utils import timezone
from PIL import Image

from doorstep.catalog.models import Category, PricingModel
from doorstep.payments.gateways.sandbox import pay_with_sandbox_card
from doorstep.quotes import services
from doorstep.quotes.matching import free_start_times
from doorstep.scheduling import services as scheduling
from tests.factories import SHANGHAI, make_category, make_listing, make_provider

CARD_OK = "4242 4242 4242 4242"
ZONE = ZoneInfo("Asia/Shanghai")
EVERY_DAY = range(7)


def quoting_listing(
    category: Category,
    *,
    at: tuple[float, float] = SHANGHAI,
    pricing_model: str = PricingModel.QUOTE,
    radius_km: int = 10,
    hours: tuple[str, str] = ("08:00", "20:00"),
    **fields,
):
    """A published listing in ``category`` of a provider working ``hours``
    every day, booking rules out of the way."""
    provider = fields.pop("provider", None) or make_provider(
        at=at, time_zone="Asia/Shanghai"
    )
    start, end = (time.fromisoformat(text) for text in hours)
    scheduling.replace_availability(
        provider=provider,
        rules=[scheduling.WeeklyHours(day, start, end) for day in EVERY_DAY],
        policy={
            "buffer_before_minutes": 0,
            "buffer_after_minutes": 0,
            "min_lead_minutes": 0,
            "max_days_ahead": 120,
            "slot_step_minutes": 30,
        },
    )
    return make_listing(
        provider=provider,
        category=category,
        at=at,
        pricing_model=pricing_model,
        radius_km=radius_km,
        **fields,
    )


def tomorrow() -> date:
    return (timezone.now().astimezone(ZONE) + timedelta(days=1)).date()


def post(customer, category: Category | None = None, **fields):
    """A request posted through the service (Shanghai, tomorrow to in 3 days)."""
    fields.setdefault("description", "Deep clean of a two-bedroom flat.")
    fields.setdefault("address", "88 Century Avenue, Pudong")
    fields.setdefault("latitude", SHANGHAI[0])
    fields.setdefault("longitude", SHANGHAI[1])
    fields.setdefault("wanted_from", tomorrow())
    fields.setdefault("wanted_until", tomorrow() + timedelta(days=2))
    if category is not None:
        fields.setdefault("category_id", category.slug)
    return services.post_request(customer=customer, **fields)


def start_times(invitation, count: int = 2) -> list[datetime]:
    request = invitation.request
    return free_start_times(
        invitation.listing,
        wanted_from=request.wanted_from,
        wanted_until=request.wanted_until,
        times_of_day=request.times_of_day,
        zone=ZONE,
    )[:count]


def quote(invitation, *, amount: int = 30000, **fields):
    """A fixed-price quote sent through the service by the invited provider."""
    fields.setdefault("pricing", "fixed")
    fields.setdefault("included", "All rooms, kitchen and bathroom; our supplies.")
    fields.setdefault("start_times", start_times(invitation))
    return services.send_quote(
        user=invitation.provider.user,
        invitation_id=invitation.public_id,
        amount=amount,
        **fields,
    )


def pay(order):
    """The customer pays on the sandbox's hosted page (the webhook and the
    return page run after commit)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        pay_with_sandbox_card(order, CARD_OK)
    order.refresh_from_db()
    return order


def photo(name: str = "kitchen.png", colour: str = "blue") -> SimpleUploadedFile:
    buffer = BytesIO()
    Image.new("RGB", (64, 48), colour).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


__all__ = ["make_category", "pay", "photo", "post", "quote", "quoting_listing"]
