"""Builders for dispatch tests: a catalogue service on sale in Shanghai, workers
skilled in its category near the customer, and an order paid for on the
sandbox (the customer's real path: place, pay on the hosted page)."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, time, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

from django.test import TestCase
from django.utils import timezone

from doorstep.accounts.models import Agency, StaffMember, User
from doorstep.catalog.models import CatalogueService, Category
from doorstep.dispatch.booking import place_dispatch_order
from doorstep.dispatch.models import ServiceInCity, Worker
from doorstep.marketplace.models import City
from doorstep.orders.models import Order
from doorstep.orders.states import OrderState
from doorstep.payments.gateways.sandbox import pay_with_sandbox_card
from doorstep.scheduling.models import AvailabilityRule
from doorstep.scheduling.slots import END_OF_DAY
from tests.factories import SHANGHAI, make_category, make_provider, make_user

# A flat near Jing'an Temple; workers are placed around it.
HOME = (31.2235, 121.4453)
NEAR = (HOME[0] + 0.01, HOME[1])  # about 1 km north
FURTHER = (HOME[0] + 0.05, HOME[1])  # about 5.5 km north
SHANGHAI_TZ = ZoneInfo("Asia/Shanghai")


def in_three_days_at_ten() -> datetime:
    """A booked time: 10:00 in Shanghai, three days from now (12:00 with the
    two hours of the service)."""
    day = timezone.now().astimezone(SHANGHAI_TZ).date() + timedelta(days=3)
    return datetime.combine(day, time(10, 0), tzinfo=SHANGHAI_TZ)


def service_in_shanghai(
    *, category: Category | None = None, price: int = 15_000, minutes: int = 120
) -> ServiceInCity:
    category = category or make_category()
    service = CatalogueService.objects.create(
        category=category,
        title_en="Home cleaning, 2 hours",
        title_zh_hans="日常保洁 2小时",
        title_zh_hant="居家清潔 2小時",
        price_amount=price,
        currency="CNY",
        duration_minutes=minutes,
    )
    return ServiceInCity.objects.create(
        service=service,
        city=City.objects.get(slug="shanghai"),
        price_amount=price,
        currency="CNY",
    )


def make_worker(
    category: Category,
    *,
    at: tuple[float, float] = SHANGHAI,
    on_duty: bool = True,
    staff_of: Agency | None = None,
    name: str = "",
    hours: tuple[time, time] | None = (time(0, 0), END_OF_DAY),
) -> Worker:
    """An independent provider (or, with ``staff_of``, a staff member of that
    agency) who takes platform jobs in ``category`` from base ``at``, working
    ``hours`` every day (all day unless told; ``None``: no weekly hours)."""
    if staff_of is None:
        provider = make_provider(at=at, time_zone="Asia/Shanghai")
        staff = None
        name = name or provider.display_name
    else:
        provider = staff_of.owner.provider_profile
        user = make_user(name=name or "Staff member")
        staff = StaffMember.objects.create(
            agency=staff_of, user=user, display_name=user.name
        )
        name = user.name
    worker = Worker.objects.create(
        provider=provider,
        staff=staff,
        display_name=name,
        base_latitude=at[0],
        base_longitude=at[1],
        is_on_duty=on_duty,
        service_radius_km=15,
    )
    worker.categories.add(category)
    if hours is not None:
        AvailabilityRule.objects.bulk_create(
            AvailabilityRule(
                provider=provider,
                staff=staff,
                weekday=weekday,
                start_time=hours[0],
                end_time=hours[1],
            )
            for weekday in range(7)
        )
    return worker


def make_agency(name: str = "Bright Homes") -> Agency:
    owner = make_provider(time_zone="Asia/Shanghai")
    agency = Agency.objects.create(name=name, owner=owner.user)
    owner.agency = agency
    owner.save(update_fields=["agency"])
    StaffMember.objects.create(
        agency=agency,
        user=owner.user,
        display_name=owner.display_name,
        role=StaffMember.Role.OWNER,
    )
    return agency


def paid_dispatch_order(
    offer: ServiceInCity, customer: User | None = None, **arguments
) -> Order:
    """Place an order "as soon as possible" (unless ``starts_at`` is given) at
    ``HOME`` and pay for it with the sandbox's good card; what production runs
    after each commit (the first offer) runs too."""
    arguments.setdefault("asap", "starts_at" not in arguments)
    with after_commit():
        order = place_dispatch_order(
            customer=customer or make_user(name="Cora Customer"),
            service_id=offer.service.public_id,
            address="1 Yuyuan Road",
            latitude=HOME[0],
            longitude=HOME[1],
            **arguments,
        )
        assert order.state == OrderState.AWAITING_PAYMENT
        return pay_with_sandbox_card(order, "4242 4242 4242 4242")


def after_commit():
    """Run the work production does after a commit (offers, money flows,
    notifications) inside a test's transaction, as it happens."""
    return TestCase.captureOnCommitCallbacks(execute=True)


@contextmanager
def clock_moved(by: timedelta) -> Iterator[datetime]:
    """Run the block ``by`` later than now, as far as the code reads the clock
    (``django.utils.timezone.now``): what the periodic jobs then see."""
    later = timezone.now() + by
    with mock.patch.object(timezone, "now", return_value=later):
        yield later


def run_periodic_job(name: str) -> object:
    """Run one periodic job as the scheduler does (``periodic.jobs``)."""
    from doorstep.periodic.jobs import JOBS_BY_NAME

    return JOBS_BY_NAME[name].function()
