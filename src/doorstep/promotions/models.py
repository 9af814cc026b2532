"""Paid promotion: a provider buys days of a listing shown first (and labelled
"Promoted") in search. The listing's ``promoted_until`` is what search reads;
a ``Promotion`` is the purchase behind it and the key its report is kept by."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from doorstep.catalog.models import Listing
from doorstep.core.ids import PublicIdField

MIN_DAYS = 1
MAX_DAYS = 30


class Promotion(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")  # bought; running now or queued after another
        ENDED = "ended", _("Ended")  # its last day passed
        CANCELLED = "cancelled", _("Cancelled")  # stopped by ops; never by the clock

    public_id = PublicIdField(prefix="prm")
    listing = models.ForeignKey(
        Listing,
        verbose_name=_("service"),
        on_delete=models.PROTECT,
        related_name="promotions",
    )
    days = models.PositiveSmallIntegerField(_("days"))
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    day_price = models.PositiveIntegerField(_("price per day (minor units)"))
    total = models.PositiveIntegerField(_("total (minor units)"))
    currency = models.CharField(_("currency"), max_length=3)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    # The ledger entry that charged it ('' when the price was 0).
    charged_entry_key = models.CharField(max_length=80, blank=True)
    # The client's Idempotency-Key (or the form's token): a repeat of the same
    # purchase finds this row instead of buying twice.
    request_key = models.CharField(max_length=80, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("promotion")
        verbose_name_plural = _("promotions")
        ordering = ["-starts_at", "-pk"]
        indexes = [models.Index(fields=["listing", "starts_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["listing", "request_key"],
                condition=~models.Q(request_key=""),
                name="promotion_one_per_request_key",
            ),
            models.CheckConstraint(
                condition=models.Q(days__gte=MIN_DAYS, days__lte=MAX_DAYS),
                name="promotion_days_in_range",
            ),
        ]

    def __str__(self) -> str:
        return self.public_id

    def is_running(self, now) -> bool:
        return (
            self.status == self.Status.ACTIVE and self.starts_at <= now < self.ends_at
        )


class PromotionDay(models.Model):
    """What a promotion earned on one day: how often it was shown on a results
    page and opened from one. Counted with one ``UPDATE … + 1`` per page."""

    promotion = models.ForeignKey(
        Promotion, on_delete=models.CASCADE, related_name="days_counted"
    )
    day = models.DateField()
    impressions = models.PositiveIntegerField(default=0)
    clicks = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["promotion", "day"], name="promotion_day_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.promotion_id} {self.day}"
