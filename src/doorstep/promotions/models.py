"""Paid promotion: a provider buys days of a listing shown first (and labelled
"Promoted") in search. The listing's ``promoted_until`` is what search reads;
a ``Promotion`` is the purchase behind it and the key its report is kept by.

Two ways to pay (``Promotion.Mode``):

* **fixed days**: a price per day times the days, charged up front; cancelled
  early, the whole unused days are refunded.
* **daily budget**: pay per click (as Thumbtack and Yelp do) — the provider
  pays only when a customer opens the listing from a results page, which is
  the moment that can lead to a booking; paying per thousand impressions would
  bill pages nobody looked at. Each click costs ``cost_per_click`` and a day's
  clicks never cost more than ``daily_budget``: ``PromotionDay.spend`` grows
  only through a conditional ``UPDATE`` and a check constraint keeps it at or
  under the day's budget. When the day's budget cannot pay one more click the
  listing stops being promoted until the next day in the promotion's time
  zone. The day's spend is charged once the day is over (see
  ``services.charge_finished_days``), not reserved up front: one entry per
  day, same ledger path as a fixed-days purchase, nothing to release when a
  promotion is cancelled.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from doorstep.catalog.models import Category, Listing
from doorstep.core.ids import PublicIdField
from doorstep.marketplace.models import City

MIN_DAYS = 1
MAX_DAYS = 30
# A visitor opening the same promoted listing again within this is not charged.
REPEAT_CLICK_MINUTES = 30


class Promotion(models.Model):
    class Mode(models.TextChoices):
        FIXED_DAYS = "fixed_days", _("Fixed days")  # paid up front per day
        DAILY_BUDGET = "daily_budget", _("Daily budget")  # paid per click

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")  # bought; running now or queued after another
        PAUSED = "paused", _("Paused")  # by its provider; not shown, spends nothing
        ENDED = "ended", _("Ended")  # its last day passed
        CANCELLED = "cancelled", _("Cancelled")  # stopped by its provider or ops

    public_id = PublicIdField(prefix="prm")
    listing = models.ForeignKey(
        Listing,
        verbose_name=_("service"),
        on_delete=models.PROTECT,
        related_name="promotions",
    )
    mode = models.CharField(
        _("mode"), max_length=12, choices=Mode.choices, default=Mode.FIXED_DAYS
    )
    # Fixed days: the days bought. Daily budget: the days it runs at most.
    days = models.PositiveSmallIntegerField(_("days"))
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    # Fixed days only (0 for a daily budget, whose spend is per day).
    day_price = models.PositiveIntegerField(_("price per day (minor units)"))
    total = models.PositiveIntegerField(_("total (minor units)"))
    currency = models.CharField(_("currency"), max_length=3)
    # Daily budget only (0 for fixed days).
    daily_budget = models.PositiveIntegerField(
        _("daily budget (minor units)"), default=0
    )
    cost_per_click = models.PositiveIntegerField(
        _("cost per click (minor units)"), default=0
    )
    # The clock its days are counted by: the provider's, when it was bought.
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC")
    # Targeting: empty means everywhere. A category includes its subtree.
    cities = models.ManyToManyField(
        City, verbose_name=_("cities"), blank=True, related_name="+"
    )
    categories = models.ManyToManyField(
        Category, verbose_name=_("categories"), blank=True, related_name="+"
    )
    # A daily budget's last day whose budget was spent (not promoted the rest
    # of that day).
    spent_out_on = models.DateField(null=True, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)  # paused or cancelled
    end_reason = models.CharField(max_length=500, blank=True)
    # Whole unused days given back when cancelled early, and the entry that did.
    refunded_days = models.PositiveSmallIntegerField(default=0)
    refund_entry_key = models.CharField(max_length=80, blank=True)
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
            models.CheckConstraint(
                condition=models.Q(mode="fixed_days")
                | models.Q(
                    cost_per_click__gt=0, daily_budget__gte=models.F("cost_per_click")
                ),
                name="promotion_budget_pays_a_click",
            ),
            models.CheckConstraint(
                condition=models.Q(refunded_days__lte=models.F("days")),
                name="promotion_refund_within_days",
            ),
            # One daily budget at a time per listing (its clicks are charged
            # to one budget).
            models.UniqueConstraint(
                fields=["listing"],
                condition=models.Q(
                    mode="daily_budget", status__in=["active", "paused"]
                ),
                name="promotion_one_live_budget_per_listing",
            ),
        ]

    def __str__(self) -> str:
        return self.public_id

    def is_running(self, now) -> bool:
        return (
            self.status == self.Status.ACTIVE and self.starts_at <= now < self.ends_at
        )

    @property
    def is_daily_budget(self) -> bool:
        return self.mode == self.Mode.DAILY_BUDGET

    def can_pause(self) -> bool:
        return self.status == self.Status.ACTIVE

    def can_resume(self) -> bool:
        return self.status == self.Status.PAUSED

    def can_cancel(self) -> bool:
        return self.status in (self.Status.ACTIVE, self.Status.PAUSED)


class PromotionDay(models.Model):
    """What a promotion earned on one day: how often it was shown on a results
    page and opened from one. Counted with one ``UPDATE … + 1`` per page."""

    promotion = models.ForeignKey(
        Promotion, on_delete=models.CASCADE, related_name="days_counted"
    )
    day = models.DateField()  # in the promotion's time zone
    impressions = models.PositiveIntegerField(default=0)
    clicks = models.PositiveIntegerField(default=0)  # valid clicks only
    # Daily budget: what the day's clicks cost, never above the day's budget
    # (copied from the promotion when the row is made, so the database checks it).
    spend = models.PositiveIntegerField(default=0)
    budget = models.PositiveIntegerField(default=0)
    # The entry that charged the day's spend, once the day was over.
    charged_entry_key = models.CharField(max_length=80, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["promotion", "day"], name="promotion_day_once"
            ),
            models.CheckConstraint(
                condition=models.Q(spend__lte=models.F("budget")),
                name="promotion_day_spend_within_budget",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.promotion_id} {self.day}"


class PromotionClick(models.Model):
    """One opening of a promoted listing from a results page, valid or not.
    Kept to refuse repeats (the same visitor within
    ``REPEAT_CLICK_MINUTES``) and to show why a click was
    not charged."""

    class Outcome(models.TextChoices):
        COUNTED = "counted", _("Counted")
        REPEAT = "repeat", _("Repeat by the same visitor")
        OWN = "own", _("By the provider themselves")
        BUDGET_SPENT = "budget_spent", _("The day's budget was spent")

    promotion = models.ForeignKey(
        Promotion, on_delete=models.CASCADE, related_name="clicks"
    )
    visitor = models.CharField(max_length=64)  # a hash: user, session or address
    at = models.DateTimeField()
    cost = models.PositiveIntegerField(default=0)
    outcome = models.CharField(max_length=12, choices=Outcome.choices)

    class Meta:
        indexes = [models.Index(fields=["promotion", "visitor", "at"])]

    def __str__(self) -> str:
        return f"{self.promotion_id} {self.at:%Y-%m-%d %H:%M} {self.outcome}"
