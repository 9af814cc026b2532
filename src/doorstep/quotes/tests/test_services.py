"""The request-for-quotes services: posting, matching, quoting once with one
revision each way, hiring into an order of the quote process, closing."""

from datetime import timedelta

import pytest
from django.db.models import Sum
from django.utils import timezone

from doorstep.catalog.models import PricingModel
from doorstep.core.errors import Conflict, DomainError, NotFound
from doorstep.events.models import Event
from doorstep.orders.models import BuyingMode, Order
from doorstep.orders.states import OrderState
from doorstep.quotes import services
from doorstep.quotes.models import Invitation, JobRequest, Quote
from doorstep.quotes.tests.helpers import pay, photo, post, quote, quoting_listing
from doorstep.scheduling.models import TimeClaim
from tests.factories import make_category, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def cleaning():
    return make_category("deep-cleaning")


def test_a_posted_request_goes_to_the_matching_providers_best_first(cleaning):
    near = quoting_listing(cleaning, at=(31.2310, 121.4740))
    far = quoting_listing(cleaning, at=(31.2800, 121.5200))
    customer = make_user()

    request = post(customer, cleaning, photos=[photo()])

    invitations = list(request.invitations.order_by("rank"))
    assert [i.provider for i in invitations] == [near.provider, far.provider]
    assert all(i.status == Invitation.Status.WAITING for i in invitations)
    assert request.photos.count() == 1
    assert request.currency == "CNY"
    assert request.time_zone == "Asia/Shanghai"
    assert Event.objects.filter(topic="quote.request_posted").count() == 1


def test_a_fixed_quote_hired_and_paid_becomes_a_confirmed_order(cleaning):
    listing = quoting_listing(cleaning)
    customer = make_user()
    request = post(customer, cleaning)
    invitation = request.invitations.get()

    sent = quote(invitation, amount=30000)
    start = sent.start_times[0]
    order = services.hire(
        user=customer, quote_id=sent.public_id, starts_at=_instant(start)
    )

    assert order.mode == BuyingMode.QUOTE
    assert order.state == OrderState.AWAITING_PAYMENT
    assert order.subtotal_amount == 30000
    assert order.total_amount == order.subtotal_amount + order.service_fee_amount
    assert TimeClaim.objects.filter(order=order, provider=listing.provider).exists()
    request.refresh_from_db()
    assert request.status == JobRequest.Status.HIRED

    order = pay(order)

    assert order.state == OrderState.ACCEPTED


def test_two_quotes_hired_one_after_the_other_make_one_order(cleaning):
    quoting_listing(cleaning)
    quoting_listing(cleaning, at=(31.2320, 121.4750))
    customer = make_user()
    request = post(customer, cleaning)
    first, second = (quote(i) for i in request.invitations.order_by("rank"))

    services.hire(
        user=customer,
        quote_id=first.public_id,
        starts_at=_instant(first.start_times[0]),
    )
    with pytest.raises(Conflict) as refused:
        services.hire(
            user=customer,
            quote_id=second.public_id,
            starts_at=_instant(second.start_times[0]),
        )

    assert refused.value.code == "request_closed"
    assert Order.objects.filter(mode=BuyingMode.QUOTE).count() == 1


def test_one_revision_each_way(cleaning):
    quoting_listing(cleaning)
    customer = make_user()
    request = post(customer, cleaning)
    sent = quote(request.invitations.get(), amount=30000)

    services.counter_quote(user=customer, quote_id=sent.public_id, amount=25000)
    with pytest.raises(Conflict) as twice:
        services.counter_quote(user=customer, quote_id=sent.public_id, amount=24000)
    assert twice.value.code == "counter_used"

    revised = services.revise_quote(
        user=sent.provider.user, quote_id=sent.public_id, amount=26000
    )
    assert (revised.amount, revised.previous_amount) == (26000, 30000)
    with pytest.raises(Conflict) as again:
        services.revise_quote(
            user=sent.provider.user, quote_id=sent.public_id, amount=25000
        )
    assert again.value.code == "revision_used"


def test_lead_fee_charged_then_refunded_when_never_opened(cleaning, settings):
    from doorstep.marketplace.models import MarketplaceSettings
    from doorstep.payments.models import Posting

    MarketplaceSettings.objects.update(quote_lead_fee=500, version=99)
    quoting_listing(cleaning)
    request = post(make_user(), cleaning)
    sent = quote(request.invitations.get())
    assert sent.lead_fee == Quote.LeadFee.CHARGED

    later = timezone.now() + timedelta(hours=49)
    counts = services.expire_due(now=later)

    sent.refresh_from_db()
    assert counts["fees_refunded"] == 1
    assert sent.lead_fee == Quote.LeadFee.REFUNDED
    totals = Posting.objects.values("currency").annotate(total=Sum("amount"))
    assert all(row["total"] == 0 for row in totals)


def test_wrong_people_are_told_it_does_not_exist(cleaning):
    quoting_listing(cleaning)
    customer, stranger = make_user(), make_user()
    request = post(customer, cleaning)
    sent = quote(request.invitations.get())

    with pytest.raises(NotFound):
        services.hire(
            user=stranger,
            quote_id=sent.public_id,
            starts_at=_instant(sent.start_times[0]),
        )
    with pytest.raises(NotFound):
        services.revise_quote(user=customer, quote_id=sent.public_id, amount=1)


def test_nobody_matching_changes_nothing(cleaning):
    quoting_listing(cleaning, at=(31.2304, 121.4737), radius_km=1)
    with pytest.raises(DomainError) as refused:
        post(make_user(), cleaning, latitude=31.30, longitude=121.55)
    assert refused.value.code == "no_providers_match"
    assert not JobRequest.objects.exists()


def test_a_listing_on_quote_gets_the_request_alone(cleaning):
    listing = quoting_listing(cleaning, pricing_model=PricingModel.QUOTE)
    quoting_listing(cleaning)
    request = post(make_user(), listing_id=listing.public_id)
    assert [i.provider for i in request.invitations.all()] == [listing.provider]


def _instant(text):
    from datetime import datetime

    return datetime.fromisoformat(text)
