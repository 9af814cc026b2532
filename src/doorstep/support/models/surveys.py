"""Follow-up after a service (回访): a short survey a day after an order is
completed — how satisfied the customer is (CSAT, 1–5) and, every few orders,
how likely they are to recommend us (NPS, 0–10)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from doorstep.core.ids import PublicIdField

CSAT_MIN, CSAT_MAX = 1, 5
NPS_MIN, NPS_MAX = 0, 10
# CSAT of 4 or 5 counts as satisfied; NPS 9–10 promotes, 0–6 detracts.
CSAT_SATISFIED = 4
NPS_PROMOTER = 9
NPS_DETRACTOR_MAX = 6


class SurveyInvitation(models.Model):
    """The customer of one completed order, asked once (one per order)."""

    public_id = PublicIdField(prefix="srv")
    order = models.OneToOneField(
        "orders.Order", on_delete=models.PROTECT, related_name="survey_invitation"
    )
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="survey_invitations",
    )
    # Whether this one also asks the recommendation question (every N-th
    # completed order of the customer, ``DOORSTEP_NPS_EVERY_N_ORDERS``).
    asks_nps = models.BooleanField(default=False)
    invited_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-invited_at", "-pk"]
        indexes = [models.Index(fields=["customer", "-invited_at"])]

    def __str__(self) -> str:
        return f"{self.public_id} {self.order_id}"

    def get_absolute_url(self) -> str:
        return reverse("support:survey", args=[self.public_id])

    @property
    def is_answered(self) -> bool:
        return hasattr(self, "response")


class SurveyResponse(models.Model):
    """The answer, given once. ``ticket``: the one opened because the score
    was low."""

    invitation = models.OneToOneField(
        SurveyInvitation, on_delete=models.PROTECT, related_name="response"
    )
    csat = models.PositiveSmallIntegerField(_("how satisfied you are"))
    nps = models.PositiveSmallIntegerField(
        _("how likely you are to recommend us"), null=True, blank=True
    )
    comment = models.TextField(_("comment"), blank=True, max_length=2000)
    answered_at = models.DateTimeField(default=timezone.now, db_index=True)
    ticket = models.ForeignKey(
        "support.Ticket",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-answered_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(csat__gte=CSAT_MIN, csat__lte=CSAT_MAX),
                name="survey_csat_in_range",
            ),
            models.CheckConstraint(
                condition=Q(nps__isnull=True) | Q(nps__gte=NPS_MIN, nps__lte=NPS_MAX),
                name="survey_nps_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.invitation_id}: {self.csat}"
