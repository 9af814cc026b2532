"""Who hears what, from the ``quote.*`` events delivered after commit: invited
providers of a new request, the customer of each quote and revision, the
provider of a counter-offer and of the outcome, and of a lead fee returned."""

from datetime import datetime, timedelta

import pytest
from django.test import TestCase
from django.utils import timezone

from doorstep.marketplace.models import MarketplaceSettings
from doorstep.notifications.models import Kind, Notification
from doorstep.quotes import services
from doorstep.quotes.tests.helpers import pay, post, quote, quoting_listing
from tests.factories import make_category, make_user

pytestmark = pytest.mark.django_db


def told(user) -> list[str]:
    return list(
        Notification.objects.filter(recipient=user, kind=Kind.QUOTE_UPDATE)
        .order_by("pk")
        .values_list("title", flat=True)
    )


def after_commit(call, **kwargs):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return call(**kwargs)


def test_each_step_is_told_to_the_side_that_acts_next():
    category = make_category("furniture-assembly")
    first = quoting_listing(category)
    second = quoting_listing(category, at=(31.2320, 121.4750))
    customer = make_user()
    request = after_commit(
        post, customer=customer, category=category, title="IKEA wardrobe"
    )

    assert told(first.provider.user) == ["New job request: IKEA wardrobe"]
    assert told(second.provider.user) == ["New job request: IKEA wardrobe"]

    one, _other = (
        after_commit(quote, invitation=i, amount=20000)
        for i in request.invitations.order_by("rank")
    )
    assert told(customer) == ["New quote for “IKEA wardrobe”"] * 2

    after_commit(
        services.counter_quote, user=customer, quote_id=one.public_id, amount=18000
    )
    assert told(first.provider.user)[-1] == (
        "A counter-offer on your quote for “IKEA wardrobe”"
    )
    after_commit(
        services.revise_quote,
        user=first.provider.user,
        quote_id=one.public_id,
        amount=18000,
    )
    assert told(customer)[-1].endswith("revised their quote for “IKEA wardrobe”")

    order = after_commit(
        services.hire,
        user=customer,
        quote_id=one.public_id,
        starts_at=datetime.fromisoformat(one.start_times[0]),
    )
    pay(order)
    assert told(second.provider.user)[-1] == (
        "“IKEA wardrobe”: the customer chose another provider"
    )
    assert len(told(first.provider.user)) == 2  # hired: the order says so


def test_a_returned_lead_fee_is_told():
    MarketplaceSettings.objects.update(quote_lead_fee=800, version=77)
    category = make_category("tiling")
    listing = quoting_listing(category)
    request = post(make_user(), category)
    quote(request.invitations.get())

    after_commit(services.expire_due, now=timezone.now() + timedelta(hours=49))

    assert told(listing.provider.user)[-1] == "Lead fee returned: CN¥8.00"
