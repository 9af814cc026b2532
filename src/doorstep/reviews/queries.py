"""Reads of reviews, each with the caller's right to see them built in.

* A customer's review of a provider is public once revealed and not hidden.
* A provider's review of a customer, once revealed and not hidden, is shown to
  that customer and to providers who have an order with them — nobody else.
* An author always sees their own review (pending, public or hidden); ops see
  everything.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.accounts.models import ProviderProfile, User
from doorstep.catalog.models import Listing
from doorstep.core.errors import NotFound
from doorstep.orders.models import Order
from doorstep.orders.states import REVIEWABLE_STATES
from doorstep.reviews.models import (
    SUB_SCORE_LABELS,
    Direction,
    ListingReputation,
    ProviderReputation,
    Review,
    ReviewPhoto,
    ReviewWindow,
)

Viewer = User | AnonymousUser


def _with_details(reviews: QuerySet[Review]) -> QuerySet[Review]:
    return reviews.select_related(
        "author", "provider", "listing", "order"
    ).prefetch_related(Prefetch("photos", queryset=ReviewPhoto.objects.all()))


def public_reviews() -> QuerySet[Review]:
    return Review.objects.filter(revealed_at__isnull=False, hidden_at__isnull=True)


def _about_providers() -> QuerySet[Review]:
    return public_reviews().filter(direction=Direction.CUSTOMER_REVIEWS_PROVIDER)


def serves_customer(viewer: Viewer, customer_id: int) -> bool:
    """Whether ``viewer`` is that customer, or a provider with an order of theirs."""
    if not viewer.is_authenticated:
        return False
    if viewer.pk == customer_id:
        return True
    return Order.objects.filter(customer_id=customer_id, provider__user=viewer).exists()


def _visible_to(viewer: Viewer) -> Q:
    about_providers = Q(
        direction=Direction.CUSTOMER_REVIEWS_PROVIDER,
        revealed_at__isnull=False,
        hidden_at__isnull=True,
    )
    if not viewer.is_authenticated:
        return about_providers
    if viewer.is_ops:
        return Q()
    served = Order.objects.filter(
        customer_id=OuterRef("customer_id"), provider__user=viewer
    )
    about_customers = Q(
        Q(customer=viewer) | Q(Exists(served)),
        direction=Direction.PROVIDER_REVIEWS_CUSTOMER,
        revealed_at__isnull=False,
        hidden_at__isnull=True,
    )
    return about_providers | about_customers | Q(author=viewer)


def visible_review(
    viewer: Viewer, public_id: str, *, for_update: bool = False
) -> Review:
    """The review if ``viewer`` may see it; ``NotFound`` otherwise."""
    reviews = Review.objects.filter(_visible_to(viewer), public_id=public_id)
    if for_update:
        reviews = reviews.select_for_update(of=("self",))
    review = reviews.select_related("provider", "order").first()
    if review is None:
        raise NotFound("review_not_found", _("No such review."))
    return review


def filtered(
    reviews: QuerySet[Review], *, with_photos: bool = False, stars: int | None = None
) -> QuerySet[Review]:
    if with_photos:
        reviews = reviews.filter(
            Exists(ReviewPhoto.objects.filter(review=OuterRef("pk")))
        )
    if stars is not None:
        reviews = reviews.filter(stars=stars)
    return reviews


def listing_reviews(listing: Listing, **filters) -> QuerySet[Review]:
    return _with_details(
        filtered(_about_providers().filter(listing=listing), **filters)
    )


def provider_reviews(provider: ProviderProfile, **filters) -> QuerySet[Review]:
    return _with_details(
        filtered(_about_providers().filter(provider=provider), **filters)
    )


def customer_reviews(viewer: Viewer, customer_public_id: str) -> QuerySet[Review]:
    """Providers' public reviews of a customer, for that customer or a provider
    who has served them; ``NotFound`` for anyone else."""
    customer = User.objects.filter(public_id=customer_public_id).first()
    if customer is None or not serves_customer(viewer, customer.pk):
        raise NotFound("user_not_found", _("No such user."))
    return _with_details(
        public_reviews().filter(
            direction=Direction.PROVIDER_REVIEWS_CUSTOMER, customer=customer
        )
    )


def public_listing(public_id: str) -> Listing:
    listing = (
        Listing.objects.select_related("provider", "category")
        .filter(
            public_id=public_id,
            status=Listing.Status.PUBLISHED,
            provider__status=ProviderProfile.Status.ACTIVE,
        )
        .first()
    )
    if listing is None:
        raise NotFound("listing_not_found", _("No such listing."))
    return listing


def public_provider(public_id: str) -> ProviderProfile:
    provider = (
        ProviderProfile.objects.select_related("user")
        .filter(public_id=public_id, status=ProviderProfile.Status.ACTIVE)
        .first()
    )
    if provider is None:
        raise NotFound("provider_not_found", _("No such provider."))
    return provider


def public_review(public_id: str) -> Review:
    """A customer's review of a provider as anyone may read and share it:
    revealed, not hidden, about an active provider. ``NotFound`` for anything
    else — still blind, hidden, about a customer — without saying which."""
    review = (
        _with_details(_about_providers())
        .filter(public_id=public_id, provider__status=ProviderProfile.Status.ACTIVE)
        .first()
    )
    if review is None:
        raise NotFound("review_not_found", _("No such review."))
    return review


def home_testimonials(limit: int = 6) -> list[Review]:
    """The reviews ops picked for the home page, in their order; a picked
    review hidden since (or whose provider left) is skipped, not shown."""
    return list(
        _with_details(
            _about_providers().filter(
                testimonial__isnull=False,
                provider__status=ProviderProfile.Status.ACTIVE,
            )
        ).order_by(
            "testimonial__position", "-testimonial__picked_at", "-testimonial__pk"
        )[:limit]
    )


# --- What pages show ----------------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    """A reputation as a page shows it: the shrunk score, the plain mean and
    count, the star distribution (5★ first) and the sub-score means."""

    count: int = 0
    mean: float = 0.0
    shrunk_score: float = 0.0
    distribution: list[tuple[int, int]] = field(default_factory=list)
    sub_scores: list[tuple[str, float]] = field(default_factory=list)


def _summary(reputation: ListingReputation | ProviderReputation | None) -> Summary:
    if reputation is None or not reputation.count:
        return Summary(distribution=[(stars, 0) for stars in range(5, 0, -1)])
    return Summary(
        count=reputation.count,
        mean=reputation.mean,
        shrunk_score=reputation.shrunk_score,
        distribution=list(reputation.distribution.items()),
        sub_scores=[
            (SUB_SCORE_LABELS[name], mean)
            for name, mean in reputation.sub_score_means.items()
        ],
    )


def listing_summary(listing: Listing) -> Summary:
    return _summary(ListingReputation.objects.filter(listing=listing).first())


def provider_summary(provider: ProviderProfile) -> Summary:
    return _summary(ProviderReputation.objects.filter(provider=provider).first())


@dataclass(frozen=True)
class OrderReviews:
    """The review page of one order, from one party's side."""

    direction: str
    mine: Review | None
    theirs: Review | None  # only once revealed
    window: ReviewWindow | None


def order_reviews(order: Order, user: User) -> OrderReviews:
    """Both reviews of ``order`` as ``user`` (a party) may see them: their own,
    and the other side's only once revealed (double-blind)."""
    direction = (
        Direction.CUSTOMER_REVIEWS_PROVIDER
        if order.customer_id == user.pk
        else Direction.PROVIDER_REVIEWS_CUSTOMER
    )
    reviews = {
        review.direction: review for review in _with_details(order.reviews.all())
    }
    other = next(choice for choice in Direction if choice != direction)
    theirs = reviews.get(other)
    return OrderReviews(
        direction=direction,
        mine=reviews.get(direction),
        theirs=theirs if theirs is not None and theirs.is_public else None,
        window=ReviewWindow.objects.filter(order=order).first(),
    )


def review_due(order: Order, user: User, *, now: datetime | None = None) -> bool:
    """Whether ``user``, a party of ``order``, may still write their review: the
    order is completed, its review window is not closed and they have not
    reviewed yet (``submit_review`` enforces the same)."""
    if order.state not in REVIEWABLE_STATES:
        return False
    if user.pk not in (order.customer_id, order.provider.user_id):
        return False
    direction = (
        Direction.CUSTOMER_REVIEWS_PROVIDER
        if order.customer_id == user.pk
        else Direction.PROVIDER_REVIEWS_CUSTOMER
    )
    if order.reviews.filter(direction=direction).exists():
        return False
    window = ReviewWindow.objects.filter(order=order).first()
    now = now or timezone.now()
    return window is None or (window.closed_at is None and now < window.closes_at)


# --- Ops ----------------------------------------------------------------------------


def open_review_flags() -> QuerySet:
    """Flagged patterns waiting for a decision, oldest first."""
    from doorstep.reviews.models import ReviewFlag

    return (
        ReviewFlag.objects.filter(status=ReviewFlag.Status.OPEN)
        .select_related("review__author", "review__provider")
        .order_by("created_at", "pk")
    )


def review_flag_for_ops(flag_id: int):
    from doorstep.reviews.models import ReviewFlag

    flag = (
        ReviewFlag.objects.select_related(
            "review__author", "review__provider", "review__order", "decided_by"
        )
        .filter(pk=flag_id)
        .first()
    )
    if flag is None:
        raise NotFound("review_flag_not_found", _("No such review flag."))
    return flag


def reviews_of_pattern(flag) -> list:
    """The flagged review first, then the related ones, oldest first."""
    related = flag.related.select_related("author", "provider").order_by("created_at")
    return [flag.review, *related]


def open_reports() -> QuerySet:
    from doorstep.reviews.models import ReviewReport

    return (
        ReviewReport.objects.filter(resolved=False)
        .select_related("review__author", "review__provider", "reporter")
        .order_by("created_at", "pk")
    )


def picked_testimonials() -> QuerySet[Review]:
    """Every picked review, hidden ones included (ops see why one is off the
    home page), in the home page's order."""
    return (
        Review.objects.filter(testimonial__isnull=False)
        .select_related("author", "provider", "testimonial__picked_by")
        .order_by(
            "testimonial__position", "-testimonial__picked_at", "-testimonial__pk"
        )
    )


def candidates_for_testimonials(
    *, min_stars: int = 4, search: str = ""
) -> QuerySet[Review]:
    """Public reviews of active providers with text, not picked yet, newest
    first: what ops choose testimonials from."""
    reviews = (
        _about_providers()
        .filter(
            testimonial__isnull=True,
            stars__gte=min_stars,
            provider__status=ProviderProfile.Status.ACTIVE,
        )
        .exclude(text="")
        .select_related("author", "provider")
    )
    if search:
        reviews = reviews.filter(
            Q(text__icontains=search) | Q(provider__display_name__icontains=search)
        )
    return reviews.order_by("-revealed_at", "-pk")


def open_report(report_id: int):
    report = open_reports().filter(pk=report_id).first()
    if report is None:
        raise NotFound("report_not_found", _("No such review report."))
    return report
