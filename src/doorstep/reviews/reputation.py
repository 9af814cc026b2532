"""Reputation: what the public reviews of a listing and of a provider add up to.

The shrunk score is :func:`doorstep.search.ranking.reputation` — the one Bayesian
average that search ranks with, called here rather than copied so the number a
page shows and the number search sorts by can never drift apart:

    shrunk = (m·C + n·mean) / (m + n)

with ``m = ranking.PRIOR_REVIEWS`` (10 imaginary reviews), ``C`` the category's
mean rating (itself shrunk toward the platform prior by
``ranking.category_prior``), ``n`` the number of public reviews and ``mean``
their mean. One 5★ review lands near the category mean; two hundred 4.9★ reviews
stay at about 4.9.

Everything is recomputed from the reviews, under a lock on the provider row, in
the transaction that revealed, hid or unhid a review: two concurrent changes
queue on the lock and the second recomputes with the first one's result.
"""

from django.db.models import Avg, Count, F, Q, QuerySet, Sum

from doorstep.accounts.models import ProviderProfile
from doorstep.catalog.models import Listing
from doorstep.reviews.models import (
    SUB_SCORES,
    Direction,
    ListingReputation,
    ProviderReputation,
    Review,
)
from doorstep.search import ranking
from doorstep.search.indexing import index_listing

# Re-exported: the names reviews code and tests use for the shared formula.
PRIOR_REVIEWS = ranking.PRIOR_REVIEWS
PLATFORM_PRIOR_MEAN = ranking.PLATFORM_PRIOR_MEAN


def shrunk_score(*, mean: float, count: int, prior: float) -> float:
    """The Bayesian average search ranks with (see the module docstring)."""
    return ranking.reputation(mean=mean, count=count, prior=prior)


def counted_reviews() -> QuerySet[Review]:
    """The reviews reputation is made of: customers' reviews of providers that
    are revealed and not hidden by ops."""
    return Review.objects.filter(
        direction=Direction.CUSTOMER_REVIEWS_PROVIDER,
        revealed_at__isnull=False,
        hidden_at__isnull=True,
    )


def category_prior(category_id: int) -> float:
    """The category's mean rating over its published listings, shrunk toward the
    platform prior — what the search index computes for the same listings."""
    totals = Listing.objects.filter(
        category_id=category_id,
        status=Listing.Status.PUBLISHED,
        provider__status=ProviderProfile.Status.ACTIVE,
    ).aggregate(
        rating_sum=Sum(F("rating_mean") * F("rating_count")),
        rating_count=Sum("rating_count"),
    )
    return ranking.category_prior(
        rating_sum=totals["rating_sum"] or 0.0,
        rating_count=totals["rating_count"] or 0,
    )


def _aggregate(reviews: QuerySet[Review]) -> dict:
    totals = reviews.aggregate(
        count=Count("pk"),
        mean=Avg("stars"),
        **{f"{name}_mean": Avg(name) for name in SUB_SCORES},
        **{
            f"stars_{stars}": Count("pk", filter=Q(stars=stars))
            for stars in range(1, 6)
        },
    )
    totals["mean"] = float(totals["mean"] or 0.0)
    for name in SUB_SCORES:
        value = totals[f"{name}_mean"]
        totals[f"{name}_mean"] = None if value is None else float(value)
    return totals


def recompute_listing(listing: Listing) -> ListingReputation:
    """Refresh the listing's aggregate, its ``rating_count``/``rating_mean``
    caches and its search document. Call inside the transaction that changed
    its reviews."""
    totals = _aggregate(counted_reviews().filter(listing=listing))
    listing.rating_count, listing.rating_mean = totals["count"], totals["mean"]
    Listing.objects.filter(pk=listing.pk).update(
        rating_count=listing.rating_count, rating_mean=listing.rating_mean
    )
    prior = category_prior(listing.category_id)
    reputation, _created = ListingReputation.objects.update_or_create(
        listing=listing,
        defaults={
            **totals,
            "shrunk_score": shrunk_score(
                mean=totals["mean"], count=totals["count"], prior=prior
            ),
        },
    )
    index_listing(listing)
    return reputation


def recompute_provider(provider: ProviderProfile) -> ProviderReputation:
    """Refresh the provider's aggregate. The prior is the mean of the category
    priors of the listings their reviews are about, weighted by review count (the
    platform prior before the first review)."""
    reviews = counted_reviews().filter(provider=provider)
    totals = _aggregate(reviews)
    per_category = (
        reviews.exclude(listing__isnull=True)
        .values("listing__category_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    weighted = [
        (category_prior(row["listing__category_id"]), row["n"]) for row in per_category
    ]
    weight = sum(n for _prior, n in weighted)
    prior = (
        sum(prior * n for prior, n in weighted) / weight
        if weight
        else PLATFORM_PRIOR_MEAN
    )
    reputation, _created = ProviderReputation.objects.update_or_create(
        provider=provider,
        defaults={
            **totals,
            "shrunk_score": shrunk_score(
                mean=totals["mean"], count=totals["count"], prior=prior
            ),
        },
    )
    return reputation


def recompute_for(review: Review) -> None:
    """Recompute everything ``review`` counts toward (nothing for a provider's
    review of a customer). Locks the provider row first."""
    if not review.is_about_provider:
        return
    provider = ProviderProfile.objects.select_for_update().get(pk=review.provider_id)
    if review.listing_id is not None:
        listing = Listing.objects.select_related("provider", "category").get(
            pk=review.listing_id
        )
        recompute_listing(listing)
    recompute_provider(provider)
