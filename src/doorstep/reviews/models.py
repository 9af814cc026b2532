"""Reviews after a completed order, their photos and reports, the review window
each completed order opens, and the reputation aggregates computed from them.

A review is double-blind: it stays unrevealed (only its author sees it) until the
other side has reviewed too or the order's review window closes. Only revealed,
visible (not hidden by ops) reviews count toward reputation and show publicly.
"""

import unicodedata

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from doorstep.accounts.models import ProviderProfile
from doorstep.catalog.models import Listing
from doorstep.core.ids import PublicIdField
from doorstep.orders.models import Order

STAR_RANGE = (1, 5)
SUB_SCORES = ("quality", "punctuality", "communication", "value")
SUB_SCORE_LABELS = {
    "quality": _("Quality of the work"),
    "punctuality": _("Punctuality"),
    "communication": _("Communication"),
    "value": _("Value for money"),
}
MAX_TEXT_LENGTH = 2000
MAX_PHOTOS_PER_REVIEW = 6


class Direction(models.TextChoices):
    # The customer rates the provider's work: counts toward reputation.
    CUSTOMER_REVIEWS_PROVIDER = (
        "customer_reviews_provider",
        _("Customer reviews the provider"),
    )
    # The provider rates the customer: shown to providers who serve them.
    PROVIDER_REVIEWS_CUSTOMER = (
        "provider_reviews_customer",
        _("Provider reviews the customer"),
    )


def _score_field(label) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(label, null=True, blank=True)


def _in_range(field: str) -> Q:
    low, high = STAR_RANGE
    return Q(**{f"{field}__gte": low, f"{field}__lte": high})


class Review(models.Model):
    """One side's review of the other after one completed order."""

    public_id = PublicIdField(prefix="rev")
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="reviews")
    direction = models.CharField(max_length=32, choices=Direction.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # Denormalised from the order so lists filter without a join to orders.
    listing = models.ForeignKey(
        Listing,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reviews",
    )
    provider = models.ForeignKey(
        ProviderProfile, on_delete=models.PROTECT, related_name="reviews"
    )
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    stars = models.PositiveSmallIntegerField(_("stars"))
    quality = _score_field(_("quality"))
    punctuality = _score_field(_("punctuality"))
    communication = _score_field(_("communication"))
    value = _score_field(_("value for money"))
    text = models.TextField(_("review"), max_length=MAX_TEXT_LENGTH, blank=True)
    created_at = models.DateTimeField()
    revealed_at = models.DateTimeField(null=True, blank=True)
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_reason = models.CharField(max_length=500, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reply = models.TextField(_("reply"), max_length=MAX_TEXT_LENGTH, blank=True)
    replied_at = models.DateTimeField(null=True, blank=True)
    # Where it was submitted from, as keyed hashes (never the raw address or
    # card): enough to see several reviews come from one place, nothing more.
    # Empty when unknown (written by a service without a request).
    ip_hash = models.CharField(max_length=64, blank=True, editable=False)
    device_hash = models.CharField(max_length=64, blank=True, editable=False)
    payment_fingerprint = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["-created_at", "-public_id"]
        indexes = [
            models.Index(fields=["listing", "-revealed_at"]),
            models.Index(fields=["provider", "-revealed_at"]),
            models.Index(fields=["customer", "-revealed_at"]),
            models.Index(fields=["provider", "created_at"]),
            models.Index(fields=["ip_hash"]),
            models.Index(fields=["device_hash"]),
            models.Index(fields=["payment_fingerprint"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "direction"], name="one_review_per_side_per_order"
            ),
            models.CheckConstraint(
                condition=_in_range("stars"), name="review_stars_1_to_5"
            ),
            *(
                models.CheckConstraint(
                    condition=Q(**{f"{score}__isnull": True}) | _in_range(score),
                    name=f"review_{score}_1_to_5",
                )
                for score in SUB_SCORES
            ),
            models.CheckConstraint(
                condition=Q(direction=Direction.CUSTOMER_REVIEWS_PROVIDER)
                | Q(
                    quality__isnull=True,
                    punctuality__isnull=True,
                    communication__isnull=True,
                    value__isnull=True,
                ),
                name="review_sub_scores_only_about_providers",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.public_id} {self.stars}★"

    def get_absolute_url(self) -> str:
        return reverse("reviews:detail", args=[self.public_id])

    @property
    def is_about_provider(self) -> bool:
        return self.direction == Direction.CUSTOMER_REVIEWS_PROVIDER

    @property
    def is_revealed(self) -> bool:
        return self.revealed_at is not None

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None

    @property
    def is_public(self) -> bool:
        return self.is_revealed and not self.is_hidden

    @property
    def sub_scores(self) -> dict[str, int]:
        return {
            name: getattr(self, name)
            for name in SUB_SCORES
            if getattr(self, name) is not None
        }

    @property
    def labelled_sub_scores(self) -> list[tuple[str, int]]:
        return [
            (SUB_SCORE_LABELS[name], value) for name, value in self.sub_scores.items()
        ]

    @property
    def reviewer_public_name(self) -> str:
        """The author as a shared review or a testimonial names them."""
        return first_name_and_initial(self.author.name)

    def can_reply(self) -> bool:
        return self.is_about_provider and self.is_public and not self.replied_at

    def can_be_testimonial(self) -> bool:
        """Only what anyone may read already: a published, visible review of an
        active provider's work."""
        return (
            self.is_about_provider
            and self.is_public
            and self.provider.status == ProviderProfile.Status.ACTIVE
        )


def first_name_and_initial(name: str) -> str:
    """A reviewer's name, short enough not to identify them: "Cora Lin" gives
    "Cora L."; "王小明" gives "王**" (a Chinese name starts with the family
    name: keep that, mask the rest); an empty name stays empty."""
    parts = name.split()
    if len(parts) >= 2:
        return f"{parts[0]} {parts[-1][0]}."
    if not parts:
        return ""
    only = parts[0]
    if len(only) > 1 and unicodedata.east_asian_width(only[0]) in ("W", "F"):
        return only[0] + "*" * min(len(only) - 1, 2)
    return only


class ReviewPhoto(models.Model):
    """A photo the customer attached to a review ("晒单"): re-encoded without
    metadata (no GPS of the customer's home), with a thumbnail."""

    public_id = PublicIdField(prefix="rph")
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(upload_to="reviews/%Y/%m/")
    thumbnail = models.ImageField(upload_to="reviews/%Y/%m/thumbs/")
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("review photo")
        verbose_name_plural = _("review photos")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.public_id


class ReviewReport(models.Model):
    """Someone thinks a review breaks the rules; ops decide (hide it or not)."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=1000)
    created_at = models.DateTimeField()
    resolved = models.BooleanField(default=False)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("review report")
        verbose_name_plural = _("review reports")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["review", "reporter"], name="one_report_per_review_per_user"
            )
        ]
        # The ops queue of open reports, oldest first (``reviews.ops_queues``).
        indexes = [
            models.Index(
                fields=["created_at", "id"],
                condition=models.Q(resolved=False),
                name="review_report_open",
            )
        ]

    def __str__(self) -> str:
        return f"{self.review_id}: {self.reason[:40]}"


class ReviewFlag(models.Model):
    """A review ops should look at, and why: it came from the device, address or
    payment method of other reviews, in a burst about one provider, or from
    someone linked to the provider. ``related`` are the other reviews of the
    pattern (hidden together if ops decide so). One flag per review."""

    class Reason(models.TextChoices):
        SHARED_DEVICE = "shared_device", _("Same device as other reviewers")
        SHARED_IP = "shared_ip", _("Same network address as other reviewers")
        SHARED_PAYMENT = "shared_payment", _("Same payment method as other reviewers")
        BURST = "burst", _("Many reviews of one provider in a short time")
        SAME_ADDRESS = "same_address", _("Reviewer at the provider's address")
        SAME_CONTACT = "same_contact", _("Reviewer shares a phone or e-mail domain")
        SAME_AGENCY = "same_agency", _("Reviewer works in the provider's agency")
        MUTUAL = "mutual", _("Reviewer and provider review each other")

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting for a decision")
        DISMISSED = "dismissed", _("Dismissed")
        HIDDEN = "hidden", _("Reviews hidden")

    review = models.OneToOneField(Review, on_delete=models.CASCADE, related_name="flag")
    reasons = models.JSONField(default=list)
    details = models.JSONField(default=dict, blank=True)
    related = models.ManyToManyField(Review, blank=True, related_name="+")
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.OPEN
    )
    created_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decision_note = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name = _("review flag")
        verbose_name_plural = _("review flags")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.review_id}: {', '.join(self.reasons)}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    @property
    def reason_labels(self) -> list[str]:
        labels = dict(self.Reason.choices)
        return [str(labels.get(reason, reason)) for reason in self.reasons]


class Testimonial(models.Model):
    """A review ops picked to show on the home page. Only a public review can
    be picked (``services.pick_testimonial``); one hidden later drops off the
    home page by itself (``queries.home_testimonials`` reads only public ones)."""

    review = models.OneToOneField(
        Review, on_delete=models.CASCADE, related_name="testimonial"
    )
    picked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    picked_at = models.DateTimeField()
    # Lower first; ties show the most recently picked first.
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("testimonial")
        verbose_name_plural = _("testimonials")
        ordering = ["position", "-picked_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.review_id} #{self.position}"


class ReviewWindow(models.Model):
    """The time both sides of a completed order have to review each other; when
    it closes, whatever was submitted is revealed. A durable timer: a task runs
    at ``closes_at`` and a periodic sweep catches any task that was lost."""

    order = models.OneToOneField(
        Order, on_delete=models.CASCADE, related_name="review_window"
    )
    opens_at = models.DateTimeField()
    closes_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["closes_at"],
                condition=Q(closed_at__isnull=True),
                name="review_window_open",
            )
        ]

    def __str__(self) -> str:
        return f"{self.order_id} until {self.closes_at:%Y-%m-%d %H:%M}"


class Reputation(models.Model):
    """What the public reviews about one subject add up to. Recomputed from the
    reviews (never incremented) in the transaction that changes them."""

    count = models.PositiveIntegerField(default=0)
    mean = models.FloatField(default=0.0)
    # The mean shrunk toward the category mean: what search ranks with.
    shrunk_score = models.FloatField(default=0.0)
    quality_mean = models.FloatField(null=True, blank=True)
    punctuality_mean = models.FloatField(null=True, blank=True)
    communication_mean = models.FloatField(null=True, blank=True)
    value_mean = models.FloatField(null=True, blank=True)
    stars_1 = models.PositiveIntegerField(default=0)
    stars_2 = models.PositiveIntegerField(default=0)
    stars_3 = models.PositiveIntegerField(default=0)
    stars_4 = models.PositiveIntegerField(default=0)
    stars_5 = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    @property
    def distribution(self) -> dict[int, int]:
        return {stars: getattr(self, f"stars_{stars}") for stars in range(5, 0, -1)}

    @property
    def sub_score_means(self) -> dict[str, float]:
        return {
            name: getattr(self, f"{name}_mean")
            for name in SUB_SCORES
            if getattr(self, f"{name}_mean") is not None
        }


class ListingReputation(Reputation):
    listing = models.OneToOneField(
        Listing, on_delete=models.CASCADE, primary_key=True, related_name="reputation"
    )

    def __str__(self) -> str:
        return f"{self.listing_id}: {self.mean:.2f} ({self.count})"


class ProviderReputation(Reputation):
    provider = models.OneToOneField(
        ProviderProfile,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="reputation",
    )

    def __str__(self) -> str:
        return f"{self.provider_id}: {self.mean:.2f} ({self.count})"
