"""Favourites, what customers looked at, and the precomputed neighbours that
recommendations read (the scoring is explained once, in ``scoring``)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from doorstep.accounts.models import ProviderProfile
from doorstep.catalog.models import Listing
from doorstep.core.ids import PublicIdField


class Favourite(models.Model):
    """A listing or a provider a customer saved: exactly one of the two, and
    at most once per customer (the database says so, not a check in Python)."""

    public_id = PublicIdField(prefix="fav")
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="favourites"
    )
    listing = models.ForeignKey(
        Listing, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    provider = models.ForeignKey(
        ProviderProfile,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("favourite")
        verbose_name_plural = _("favourites")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(listing__isnull=False, provider__isnull=True)
                | Q(listing__isnull=True, provider__isnull=False),
                name="favourite_has_one_target",
            ),
            models.UniqueConstraint(
                fields=["customer", "listing"],
                condition=Q(listing__isnull=False),
                name="favourite_listing_once",
            ),
            models.UniqueConstraint(
                fields=["customer", "provider"],
                condition=Q(provider__isnull=False),
                name="favourite_provider_once",
            ),
        ]

    def __str__(self) -> str:
        return str(self.listing or self.provider)


class ListingVisit(models.Model):
    """A signed-in customer's views of a listing's page: the viewing history
    the collaborative signal reads (the per-day counts in ``analytics`` have no
    customer)."""

    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="+")
    views = models.PositiveIntegerField(default=1)
    last_viewed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("listing visit")
        verbose_name_plural = _("listing visits")
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "listing"], name="listing_visit_once"
            )
        ]
        indexes = [models.Index(fields=["customer", "-last_viewed_at"])]

    def __str__(self) -> str:
        return f"{self.customer_id} → {self.listing_id}"


class ListingNeighbour(models.Model):
    """``neighbour`` is among the listings most like ``listing``, with the
    blended score and its two parts (written by ``services.rebuild_neighbours``
    only)."""

    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="+")
    neighbour = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField()
    together = models.FloatField()  # the collaborative part, 0..1
    alike = models.FloatField()  # the content part, 0..1

    class Meta:
        verbose_name = _("listing neighbour")
        verbose_name_plural = _("listing neighbours")
        constraints = [
            models.UniqueConstraint(
                fields=["listing", "neighbour"], name="listing_neighbour_once"
            )
        ]
        indexes = [models.Index(fields=["listing", "-score"])]

    def __str__(self) -> str:
        return f"{self.listing_id} ~ {self.neighbour_id}"


class ListingOpening(models.Model):
    """How many start times a listing had free in the coming weeks when the
    job last looked: recommendations skip listings with none."""

    listing = models.OneToOneField(
        Listing, primary_key=True, on_delete=models.CASCADE, related_name="opening"
    )
    free_starts = models.PositiveIntegerField()
    checked_at = models.DateTimeField()

    class Meta:
        verbose_name = _("listing opening")
        verbose_name_plural = _("listing openings")

    def __str__(self) -> str:
        return f"{self.listing_id}: {self.free_starts}"


class NeighbourInput(models.Model):
    """What a listing's neighbours were last computed from: a fingerprint of
    its search document and customer weights, its grid cell and its
    customers. The incremental update (``services.update_neighbours``) finds
    the listings that changed since and, through the old cell and customers
    kept here, every listing that had them as a candidate."""

    listing = models.OneToOneField(
        Listing, primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    fingerprint = models.CharField(max_length=64)
    root_category = models.IntegerField()
    cell_y = models.IntegerField()
    cell_x = models.IntegerField()
    customers = models.JSONField(default=list)

    class Meta:
        verbose_name = _("neighbour input")
        verbose_name_plural = _("neighbour inputs")

    def __str__(self) -> str:
        return f"{self.listing_id}: {self.fingerprint[:8]}"


class NeighbourRun(models.Model):
    """The one row saying when the neighbours were last updated and last
    rebuilt in full, and from which category tree (a change to the tree
    changes every category match: it forces a full rebuild)."""

    categories_fingerprint = models.CharField(max_length=64)
    updated_at = models.DateTimeField()
    full_at = models.DateTimeField()

    class Meta:
        verbose_name = _("neighbour run")
        verbose_name_plural = _("neighbour runs")

    def __str__(self) -> str:
        return f"{self.updated_at} (full {self.full_at})"
