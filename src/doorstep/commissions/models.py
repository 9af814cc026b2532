"""Commission rules beyond a category's rate: the least and the most the
platform takes from one order, per category and currency (a category has no
currency, so each currency it sells in has its own limits). Applied by
``payments.fees.commission_for``."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from doorstep.catalog.models import Category
from doorstep.core.ids import PublicIdField


class CommissionLimit(models.Model):
    public_id = PublicIdField(prefix="cml")
    category = models.ForeignKey(
        Category, on_delete=models.CASCADE, related_name="commission_limits"
    )
    currency = models.CharField(_("currency"), max_length=3)
    minimum_amount = models.PositiveBigIntegerField(
        _("minimum commission per order"), default=0
    )
    # Empty: no ceiling.
    maximum_amount = models.PositiveBigIntegerField(
        _("maximum commission per order"), null=True, blank=True
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("commission limit")
        verbose_name_plural = _("commission limits")
        ordering = ["category", "currency"]
        constraints = [
            models.UniqueConstraint(
                fields=["category", "currency"],
                name="one_commission_limit_per_category_currency",
            ),
            models.CheckConstraint(
                condition=Q(maximum_amount__isnull=True)
                | Q(maximum_amount__gte=models.F("minimum_amount")),
                name="commission_maximum_not_below_minimum",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category_id} {self.currency}"
