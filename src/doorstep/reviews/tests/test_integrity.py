"""Review patterns are flagged on submission (never hidden by themselves), and
what is stored about where a review came from is a keyed hash, not the address."""

from datetime import timedelta

import pytest
from django.utils import timezone

from doorstep.accounts.models import Agency, SavedAddress, StaffMember
from doorstep.payments.models import Payment
from doorstep.reviews import integrity, services
from doorstep.reviews.models import Review, ReviewFlag
from doorstep.reviews.tests.conftest import completed
from tests.factories import make_listing, make_provider, make_user

pytestmark = pytest.mark.django_db

PHONE_A = integrity.Submission(ip="203.0.113.7", device="iPhone app 7F3A")


def _review(listing, *, customer=None, submission=None, now=None, stars=5) -> Review:
    order = completed(listing, customer)
    return services.submit_review(
        order=order,
        author=order.customer,
        stars=stars,
        text="Great!",
        submission=submission,
        now=now,
    )


def test_where_a_review_came_from_is_stored_as_a_keyed_hash(listing):
    review = _review(listing, submission=PHONE_A)

    assert review.ip_hash
    assert "203.0.113.7" not in review.ip_hash
    assert review.ip_hash == integrity.keyed_hash("ip", "203.0.113.7")
    assert review.device_hash == integrity.keyed_hash("device", "iPhone app 7F3A")
    assert review.ip_hash != integrity.keyed_hash("device", "203.0.113.7")


def test_a_single_honest_review_is_not_flagged(listing):
    _review(listing, submission=PHONE_A)

    assert not ReviewFlag.objects.exists()


def test_two_accounts_on_one_device_are_flagged_together(listing):
    # given a review from one phone
    first = _review(listing, submission=PHONE_A)
    # when another account reviews another provider from the same phone
    other_listing = make_listing(provider=make_provider())
    second = _review(
        other_listing,
        submission=integrity.Submission(ip="198.51.100.1", device=PHONE_A.device),
    )

    # then the second review is flagged, with the first as related
    flag = ReviewFlag.objects.get()
    assert flag.review == second
    assert flag.reasons == [ReviewFlag.Reason.SHARED_DEVICE]
    assert list(flag.related.all()) == [first]
    assert flag.is_open
    # and nothing is hidden by itself
    assert not Review.objects.exclude(hidden_at=None).exists()


def test_one_network_counts_only_for_the_same_provider(listing):
    _review(listing, submission=integrity.Submission(ip="203.0.113.7"))
    _review(
        make_listing(provider=make_provider()),
        submission=integrity.Submission(ip="203.0.113.7"),
    )
    assert not ReviewFlag.objects.exists()

    _review(listing, submission=integrity.Submission(ip="203.0.113.7"))

    assert ReviewFlag.objects.get().reasons == [ReviewFlag.Reason.SHARED_IP]


def _paid_with(order, method: str) -> None:
    Payment.objects.create(
        order=order,
        kind="order",
        status="captured",
        currency=order.currency,
        base_amount=10000,
        amount=10000,
        gateway="stripe_connect",
        payment_method=method,
        idempotency_key=f"test:{order.public_id}",
    )


def test_one_card_behind_several_reviewers_is_flagged(listing):
    # given two customers' orders paid with the same card
    first_order = completed(listing)
    second_order = completed(make_listing(provider=make_provider()))
    _paid_with(first_order, "pm_card_same")
    _paid_with(second_order, "pm_card_same")
    first = services.submit_review(
        order=first_order, author=first_order.customer, stars=5
    )

    # when both review
    second = services.submit_review(
        order=second_order, author=second_order.customer, stars=5
    )

    # then the second is flagged; the card itself is nowhere in the review
    assert "pm_card_same" not in first.payment_fingerprint
    flag = ReviewFlag.objects.get()
    assert flag.review == second
    assert flag.reasons == ["shared_payment"]


def test_a_burst_of_reviews_about_one_provider_is_flagged(listing, settings):
    settings.DOORSTEP_REVIEW_BURST_COUNT = 3
    settings.DOORSTEP_REVIEW_BURST_HOURS = 24
    now = timezone.now()
    _review(listing, now=now - timedelta(days=3))  # long before: not part of it
    _review(listing, now=now - timedelta(hours=5))
    _review(listing, now=now - timedelta(hours=2))
    assert not ReviewFlag.objects.exists()

    third = _review(listing, now=now)

    flag = ReviewFlag.objects.get()
    assert flag.review == third
    assert flag.reasons == [ReviewFlag.Reason.BURST]
    assert flag.related.count() == 2


def test_a_reviewer_at_the_providers_address_is_flagged(listing, customer):
    listing.provider.address = "88 Huaihai Road, Flat 3"
    listing.provider.save(update_fields=["address"])
    SavedAddress.objects.create(
        user=customer,
        label="Home",
        address="88 huaihai road flat 3",
        latitude=31.2,
        longitude=121.4,
    )

    review = _review(listing, customer=customer)

    assert ReviewFlag.objects.get(review=review).reasons == ["same_address"]


def test_same_phone_or_company_mail_domain_is_flagged(listing):
    listing.provider.user.email = "mei@sparkle-clean.cn"
    listing.provider.user.save(update_fields=["email"])
    colleague = make_user(email="boss@sparkle-clean.cn")
    stranger_on_gmail = make_user(email="someone@gmail.com")

    _review(listing, customer=stranger_on_gmail)
    review = _review(listing, customer=colleague)

    flag = ReviewFlag.objects.get()
    assert flag.review == review
    assert flag.details == {"same_contact": "sparkle-clean.cn"}


def test_a_reviewer_from_the_providers_agency_is_flagged(listing):
    agency = Agency.objects.create(name="Sparkle Co", owner=make_user())
    listing.provider.agency = agency
    listing.provider.save(update_fields=["agency"])
    worker = make_user()
    StaffMember.objects.create(agency=agency, user=worker, display_name="Wu")

    review = _review(listing, customer=worker)

    assert ReviewFlag.objects.get(review=review).reasons == ["same_agency"]


def test_providers_reviewing_each_other_are_flagged(listing):
    # given provider B reviewed provider A's work
    other = make_listing(provider=make_provider())
    a_reviews_nobody = _review(listing, customer=other.provider.user)
    assert not ReviewFlag.objects.exists()

    # when A reviews B back
    back = _review(other, customer=listing.provider.user)

    flag = ReviewFlag.objects.get()
    assert flag.review == back
    assert flag.reasons == ["mutual"]
    assert list(flag.related.all()) == [a_reviews_nobody]


def test_the_provider_reviewing_the_customer_is_never_flagged(listing, customer):
    order = completed(listing, customer)
    services.submit_review(
        order=order,
        author=listing.provider.user,
        stars=5,
        submission=PHONE_A,
    )
    services.submit_review(
        order=completed(listing),
        author=listing.provider.user,
        stars=5,
        submission=PHONE_A,
    )

    assert not ReviewFlag.objects.exists()
