"""Builders for test data that many apps need: people, categories, listings.

They write through the ORM for speed and then call the same indexing seam the
catalogue services call, so what a test builds is what search sees.
"""

import itertools
from datetime import timedelta
from decimal import Decimal

from doorstep.accounts.models import ProviderProfile, User
from doorstep.catalog.models import Category, Listing, PricingModel
from doorstep.core.geo import cell_of
from doorstep.search.indexing import index_listing

_sequence = itertools.count(1)

SHANGHAI = (31.2304, 121.4737)
TAIPEI = (25.0330, 121.5654)
SAN_FRANCISCO = (37.7749, -122.4194)


def make_user(**fields) -> User:
    n = next(_sequence)
    fields.setdefault("email", f"user{n}@example.com")
    fields.setdefault("name", f"User {n}")
    return User.objects.create_user(
        password=fields.pop("password", "pw-" + "x" * 10), **fields
    )


def make_provider(
    *, at: tuple[float, float] = SHANGHAI, verified: bool = False, **fields
) -> ProviderProfile:
    from django.utils import timezone

    user = fields.pop("user", None) or make_user()
    latitude, longitude = at
    provider = ProviderProfile.objects.create(
        user=user,
        display_name=fields.pop("display_name", user.name),
        latitude=latitude,
        longitude=longitude,
        h3_cell=cell_of(latitude, longitude),
        verified_at=timezone.now() if verified else None,
        **fields,
    )
    if verified:
        # As approving the ID document does: the badge is what customers see.
        from doorstep.trust.badges import grant_badge
        from doorstep.trust.models import BadgeKind

        grant_badge(provider, BadgeKind.ID_VERIFIED, source="factory")
    return provider


def make_category(
    slug: str | None = None, *, parent: Category | None = None, **names
) -> Category:
    slug = slug or f"category-{next(_sequence)}"
    return Category.objects.create(
        slug=slug,
        parent=parent,
        name_en=names.get("name_en", slug.replace("-", " ").title()),
        name_zh_hans=names.get("name_zh_hans", ""),
        name_zh_hant=names.get("name_zh_hant", ""),
    )


def make_listing(
    *,
    provider: ProviderProfile | None = None,
    category: Category | None = None,
    title: str = "Home cleaning",
    at: tuple[float, float] | None = None,
    price: int | None = 10000,
    currency: str = "CNY",
    pricing_model: str = PricingModel.FIXED,
    status: str = Listing.Status.PUBLISHED,
    radius_km: Decimal | int = 10,
    **fields,
) -> Listing:
    provider = provider or make_provider(at=at or SHANGHAI)
    latitude, longitude = at or (provider.latitude, provider.longitude)
    listing = Listing(
        provider=provider,
        category=category or make_category(),
        title=title,
        pricing_model=pricing_model,
        price_amount=None if pricing_model == PricingModel.QUOTE else price,
        currency=currency,
        status=status,
        service_radius_km=Decimal(radius_km),
        **fields,
    )
    listing.locate(latitude, longitude)
    listing.save()
    index_listing(listing)
    return listing


def make_order(
    *,
    listing: Listing | None = None,
    customer: User | None = None,
    starts_in: timedelta | None = None,
    state: str = "requested",
    minutes: int = 120,
):
    """An order for a listing, created as the booking service would: time claimed,
    first event written, timers armed."""
    from django.db import transaction
    from django.utils import timezone

    from doorstep.orders.engine import start_order
    from doorstep.orders.models import BuyingMode, Order
    from doorstep.orders.pricing import service_fee_for
    from doorstep.orders.process import Actor
    from doorstep.scheduling.services import claim_time

    listing = listing or make_listing()
    customer = customer or make_user()
    now = timezone.now()
    starts_at = (now + (starts_in or timedelta(days=2))).replace(microsecond=0)
    with transaction.atomic():
        order = Order.objects.create(
            mode=BuyingMode.BOOK_PROVIDER,
            state=state,
            state_changed_at=now,
            customer=customer,
            provider=listing.provider,
            listing=listing,
            title=listing.title,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(minutes=minutes),
            time_zone="Asia/Shanghai",
            address="1 Test Road",
            latitude=listing.latitude,
            longitude=listing.longitude,
            currency=listing.currency,
            subtotal_amount=listing.price_amount or 0,
            service_fee_amount=service_fee_for(listing.price_amount or 0),
            total_amount=(listing.price_amount or 0)
            + service_fee_for(listing.price_amount or 0),
            respond_by=now + timedelta(hours=listing.response_window_hours),
        )
        claim_time(
            provider=listing.provider,
            starts_at=order.starts_at,
            ends_at=order.ends_at,
            order=order,
        )
        start_order(order, user=customer, actor=Actor.CUSTOMER)
    return order


def make_completed_order(
    *,
    listing: Listing | None = None,
    customer: User | None = None,
    starts_in: timedelta | None = None,
):
    """An order the customer has confirmed as done: delivered, then moved to
    ``completed`` through the engine (so its history and events are real)."""
    from doorstep.orders.engine import apply_transition

    order = make_order(
        listing=listing, customer=customer, starts_in=starts_in, state="delivered"
    )
    return apply_transition(order_id=order.pk, name="confirm", user=order.customer)


def make_ops(role: str = "Ops admin", *, totp: bool = True, **fields) -> User:
    """Ops staff in ``role`` (a ``backoffice.access.OpsRole``), with a TOTP
    authenticator unless ``totp`` is false. The secret is on ``user.totp_secret``.

    The roles come from a data migration; a transactional test's flush deletes
    them, so they are made again here exactly as the migration makes them."""
    import importlib

    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from django.apps import apps
    from django.contrib.auth.models import Group

    if not Group.objects.filter(name=role).exists():
        migration = importlib.import_module(
            "doorstep.backoffice.migrations.0001_ops_roles"
        )
        migration.create_roles(apps, None)
    user = make_user(is_staff=True, **fields)
    user.groups.add(Group.objects.get(name=role))
    user.totp_secret = None
    if totp:
        user.totp_secret = generate_totp_secret()
        TOTP.activate(user, user.totp_secret)
    return user


def totp_code(user: User) -> str:
    """The code ``user``'s authenticator app shows now."""
    return totp_code_for(user.totp_secret)


def totp_code_for(secret: str, *, fresh_for: float = 8.0) -> str:
    """The code an authenticator app with ``secret`` shows, taken when it has
    at least ``fresh_for`` seconds left: allauth accepts only the current
    30-second step, so a code read at the end of one would be refused by the
    time a browser has typed and sent it."""
    import time

    from allauth.mfa import app_settings
    from allauth.mfa.totp.internal.auth import (
        format_hotp_value,
        hotp_value,
        yield_hotp_counters_from_time,
    )

    period = app_settings.TOTP_PERIOD
    left = period - time.time() % period
    if left < fresh_for:
        time.sleep(left + 0.1)
    counter = next(yield_hotp_counters_from_time())
    return format_hotp_value(hotp_value(secret, counter))


def sign_in_ops(client, user: User, *, second_factor: bool = True) -> None:
    """Sign ``user`` in on the test ``client`` as after allauth's password step
    and, with ``second_factor``, its TOTP step (what the back office reads)."""
    client.force_login(user)
    session = client.session
    methods = ["password", "mfa"] if second_factor else ["password"]
    session["account_authentication_methods"] = [
        {"method": method, "at": 0} for method in methods
    ]
    session["account_authentication_methods_user"] = str(user.pk)
    session.save()
