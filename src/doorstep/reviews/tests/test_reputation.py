"""Reputation: exact aggregates after reviews reveal, are hidden and come back,
and the shrunk score — the same function search ranks with."""

import pytest

from doorstep.reviews import reputation, services
from doorstep.reviews.models import ListingReputation, ProviderReputation
from doorstep.reviews.tests.conftest import completed
from doorstep.search import ranking
from doorstep.search.models import SearchDocument
from tests.factories import make_ops

pytestmark = pytest.mark.django_db


def revealed_review(listing, stars: int, **scores):
    order = completed(listing)
    review = services.submit_review(
        order=order, author=order.customer, stars=stars, **scores
    )
    services.submit_review(order=order, author=order.provider.user, stars=5)
    review.refresh_from_db()
    return review


def test_one_5_star_review_ranks_below_200_reviews_of_4_9():
    prior = ranking.PLATFORM_PRIOR_MEAN
    one = reputation.shrunk_score(mean=5.0, count=1, prior=prior)
    many = reputation.shrunk_score(mean=4.9, count=200, prior=prior)
    assert one == pytest.approx((10 * 4.0 + 5.0) / 11)  # 4.0909…
    assert many == pytest.approx((10 * 4.0 + 200 * 4.9) / 210)  # 4.8571…
    assert one < many
    # The very function search ranks with, not a copy of it
    assert one == ranking.reputation(mean=5.0, count=1, prior=prior)


def test_aggregates_after_creates(listing):
    # Given three revealed reviews: 5★, 4★ and 3★ with sub-scores on two
    revealed_review(listing, 5, quality=5, punctuality=4)
    revealed_review(listing, 4, quality=3)
    revealed_review(listing, 3)
    # Then the listing caches, its aggregate and the provider's agree exactly
    listing.refresh_from_db()
    assert (listing.rating_count, listing.rating_mean) == (3, 4.0)
    aggregate = ListingReputation.objects.get(listing=listing)
    assert aggregate.distribution == {5: 1, 4: 1, 3: 1, 2: 0, 1: 0}
    assert aggregate.sub_score_means == {"quality": 4.0, "punctuality": 4.0}
    # The category has only this listing: C = (50·4 + 3·4) / 53 = 4
    assert aggregate.shrunk_score == pytest.approx(4.0)
    provider = ProviderReputation.objects.get(provider=listing.provider)
    assert (provider.count, provider.mean, provider.stars_5) == (3, 4.0, 1)
    # And search has the new numbers
    document = SearchDocument.objects.get(pk=listing.pk)
    assert (document.rating_count, document.rating_mean) == (3, 4.0)
    assert document.rating_score == pytest.approx(aggregate.shrunk_score)


def test_the_shrunk_score_pulls_a_few_reviews_toward_the_category_mean(listing):
    revealed_review(listing, 5)
    revealed_review(listing, 5)
    aggregate = ListingReputation.objects.get(listing=listing)
    prior = (50 * 4.0 + 2 * 5.0) / 52  # the category mean, shrunk itself
    assert aggregate.shrunk_score == pytest.approx((10 * prior + 2 * 5.0) / 12)
    assert aggregate.mean == 5.0
    assert aggregate.shrunk_score < 4.3


def test_pending_reviews_do_not_count(listing):
    order = completed(listing)
    services.submit_review(order=order, author=order.customer, stars=1)
    listing.refresh_from_db()
    assert listing.rating_count == 0
    assert not ListingReputation.objects.exists()


def test_reviews_of_customers_do_not_count(listing):
    order = completed(listing)
    services.submit_review(order=order, author=order.provider.user, stars=1)
    services.reveal_due_reviews(order.review_window.closes_at)
    listing.refresh_from_db()
    assert listing.rating_count == 0


def test_hiding_and_unhiding_recompute(listing):
    ops = make_ops("Trust & safety")
    revealed_review(listing, 5, value=5)
    bad = revealed_review(listing, 1, value=1)
    listing.refresh_from_db()
    assert (listing.rating_count, listing.rating_mean) == (2, 3.0)

    services.hide_review(review_id=bad.public_id, user=ops, reason="Extortion")
    listing.refresh_from_db()
    aggregate = ListingReputation.objects.get(listing=listing)
    assert (listing.rating_count, listing.rating_mean) == (1, 5.0)
    assert (aggregate.stars_1, aggregate.stars_5, aggregate.value_mean) == (0, 1, 5.0)
    provider = ProviderReputation.objects.get(provider=listing.provider)
    assert (provider.count, provider.mean) == (1, 5.0)
    assert SearchDocument.objects.get(pk=listing.pk).rating_count == 1

    services.unhide_review(review_id=bad.public_id, user=ops, reason="Appeal")
    listing.refresh_from_db()
    aggregate.refresh_from_db()
    assert (listing.rating_count, listing.rating_mean) == (2, 3.0)
    assert (aggregate.stars_1, aggregate.value_mean) == (1, 3.0)


def test_the_provider_aggregate_spans_their_listings(listing):
    from tests.factories import make_listing

    second = make_listing(provider=listing.provider, category=listing.category)
    revealed_review(listing, 5)
    revealed_review(second, 2)
    provider = ProviderReputation.objects.get(provider=listing.provider)
    assert (provider.count, provider.mean) == (2, 3.5)
    prior = reputation.category_prior(listing.category_id)
    assert provider.shrunk_score == pytest.approx((10 * prior + 7.0) / 12)
