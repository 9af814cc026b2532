"""An agency's side of its staff: invitations to join, training records and
assessments. The agency and its staff members themselves are
``accounts.Agency`` and ``accounts.StaffMember``; where a staff member works and
what they are skilled in is their ``dispatch.Worker`` row."""

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from doorstep.accounts.models import Agency, StaffMember
from doorstep.core.ids import PublicIdField
from doorstep.trust.models import document_storage


class StaffInvitation(models.Model):
    """An invitation to join an agency, sent to one e-mail address or one phone
    number. Only the SHA-256 digest of its token is kept: the link carries the
    token. Single use; it expires; re-sending it gives it a new token."""

    public_id = PublicIdField(prefix="inv")
    agency = models.ForeignKey(
        Agency, on_delete=models.CASCADE, related_name="invitations"
    )
    role = models.CharField(
        max_length=16,
        choices=StaffMember.Role.choices,
        default=StaffMember.Role.WORKER,
    )
    display_name = models.CharField(_("name"), max_length=150)
    email = models.EmailField(_("e-mail address"), blank=True)
    phone = models.CharField(_("phone number"), max_length=20, blank=True)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField()
    times_sent = models.PositiveSmallIntegerField(default=1)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    staff = models.ForeignKey(
        StaffMember,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("staff invitation")
        verbose_name_plural = _("staff invitations")
        constraints = [
            # Exactly one way to reach the invitee.
            models.CheckConstraint(
                condition=(Q(email="") & ~Q(phone="")) | (~Q(email="") & Q(phone="")),
                name="invitation_one_contact",
            ),
            models.CheckConstraint(
                condition=~Q(role=StaffMember.Role.OWNER),
                name="invitation_not_for_owner",
            ),
        ]
        indexes = [models.Index(fields=["agency", "created_at"])]

    def __str__(self) -> str:
        return f"{self.display_name} → {self.agency}"

    @property
    def contact(self) -> str:
        return self.email or self.phone

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        ACCEPTED = "accepted", _("Accepted")
        REVOKED = "revoked", _("Withdrawn")
        EXPIRED = "expired", _("Expired")

    def status_at(self, now) -> "StaffInvitation.Status":
        """Derived from the times: accepted, withdrawn, lapsed or still open."""
        if self.accepted_at is not None:
            return self.Status.ACCEPTED
        if self.revoked_at is not None:
            return self.Status.REVOKED
        if self.expires_at <= now:
            return self.Status.EXPIRED
        return self.Status.PENDING

    def is_open_at(self, now) -> bool:
        return self.status_at(now) == self.Status.PENDING


class TrainingRecord(models.Model):
    """A course a staff member completed, with its certificate (a private
    document, served only to the agency and the staff member)."""

    public_id = PublicIdField(prefix="trn")
    staff = models.ForeignKey(
        StaffMember, on_delete=models.CASCADE, related_name="training_records"
    )
    course = models.CharField(_("course"), max_length=150)
    issuer = models.CharField(_("provider or issuer"), max_length=150, blank=True)
    completed_on = models.DateField(_("completed on"))
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    certificate = models.FileField(
        storage=document_storage, upload_to="training/%Y/%m/", blank=True
    )
    certificate_type = models.CharField(max_length=40, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("training record")
        verbose_name_plural = _("training records")
        ordering = ["-completed_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True)
                | Q(expires_on__gt=models.F("completed_on")),
                name="training_expires_after_completion",
            )
        ]

    def __str__(self) -> str:
        return f"{self.course} · {self.staff}"


class Assessment(models.Model):
    """A scored check of a staff member's work (a skills test, a supervised
    job), 0–100, by whom and when."""

    public_id = PublicIdField(prefix="asm")
    staff = models.ForeignKey(
        StaffMember, on_delete=models.CASCADE, related_name="assessments"
    )
    subject = models.CharField(_("what was assessed"), max_length=150)
    score = models.PositiveSmallIntegerField(
        _("score"), validators=[MaxValueValidator(100)]
    )
    assessed_on = models.DateField(_("assessed on"))
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    notes = models.TextField(_("notes"), blank=True, max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        ordering = ["-assessed_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(score__lte=100), name="assessment_score_at_most_100"
            )
        ]

    def __str__(self) -> str:
        return f"{self.subject} · {self.staff} · {self.score}"
