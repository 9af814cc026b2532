"""People and organisations: users, their customer and provider sides, agencies."""

import hashlib
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from doorstep.core.geo import cell_of
from doorstep.core.ids import PublicIdField


class Role(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    PROVIDER = "provider", _("Provider")
    OPS = "ops", _("Operations")


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str | None, password: str | None, **fields):
        email = self.normalize_email(email) if email else None
        user = self.model(email=email, **fields)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_user(
        self, email: str | None = None, password: str | None = None, **fields
    ):
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **fields)

    def create_superuser(self, email: str, password: str | None = None, **fields):
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person. Everyone can buy (customer); a provider profile makes them a seller;
    ``is_staff`` makes them ops. Signs in by e-mail and password or phone and code."""

    public_id = PublicIdField(prefix="usr")
    email = models.EmailField(_("email address"), unique=True, null=True, blank=True)
    phone = models.CharField(
        _("phone number"),
        max_length=20,
        unique=True,
        null=True,
        blank=True,
        help_text=_("In international format, e.g. +8613800138000."),
    )
    phone_verified = models.BooleanField(default=False)
    name = models.CharField(_("name"), max_length=150, blank=True)
    photo = models.ImageField(_("photo"), upload_to="users/%Y/%m/", blank=True)
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default="en"
    )
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC")
    is_staff = models.BooleanField(
        _("ops staff"),
        default=False,
        help_text=_("Operations staff: can use the back office."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        # The ops search: names by their start, in any case (``backoffice.queries``).
        indexes = [models.Index(Lower("name"), name="user_name_search")]
        constraints = [
            models.CheckConstraint(
                condition=Q(email__isnull=False)
                | Q(phone__isnull=False)
                | Q(is_active=False),
                name="user_active_has_email_or_phone",
            )
        ]

    def __str__(self) -> str:
        if self.deleted_at is not None:
            return str(_("Deleted user"))
        return self.name or self.email or self.phone or self.public_id

    @property
    def is_provider(self) -> bool:
        return hasattr(self, "provider_profile")

    @property
    def is_ops(self) -> bool:
        return self.is_staff

    @property
    def roles(self) -> list[str]:
        roles = [Role.CUSTOMER.value]
        if self.is_provider:
            roles.append(Role.PROVIDER.value)
        if self.is_ops:
            roles.append(Role.OPS.value)
        return roles

    def get_full_name(self) -> str:
        if self.deleted_at is not None:
            return str(_("Deleted user"))
        return self.name

    def get_short_name(self) -> str:
        if self.deleted_at is not None:
            return str(_("Deleted user"))
        return self.name.split(" ")[0] if self.name else ""


class SavedAddress(models.Model):
    """A place a customer books services at (home, office, parents')."""

    public_id = PublicIdField(prefix="adr")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="addresses")
    label = models.CharField(_("label"), max_length=60)
    address = models.CharField(_("address"), max_length=255)
    latitude = models.FloatField(
        _("latitude"), validators=[MinValueValidator(-90), MaxValueValidator(90)]
    )
    longitude = models.FloatField(
        _("longitude"), validators=[MinValueValidator(-180), MaxValueValidator(180)]
    )
    is_default = models.BooleanField(_("default address"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("saved address")
        verbose_name_plural = _("saved addresses")
        ordering = ["-is_default", "label"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(is_default=True),
                name="one_default_address_per_user",
            )
        ]

    def __str__(self) -> str:
        return f"{self.label}: {self.address}"


class Agency(models.Model):
    """A provider organisation: a company whose staff members perform the work."""

    public_id = PublicIdField(prefix="agy")
    name = models.CharField(_("name"), max_length=150)
    owner = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="owned_agencies"
    )
    # The staff member's part, in basis points, of what the provider earns on an
    # order they did (after the platform's commission); the rest is the
    # agency's. Applied at release (``payments.flows.release_order``).
    staff_share_bps = models.PositiveSmallIntegerField(
        _("staff share (basis points)"),
        default=6000,
        validators=[MaxValueValidator(10_000)],
        help_text=_("For example 6000: 60 percent of the earnings after commission."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")

    def __str__(self) -> str:
        return self.name


class ProviderProfile(models.Model):
    """A user's seller side: who they are to customers and where they work."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        # Standards enforcement: takes no new orders (hidden from search, not
        # bookable) but keeps the orders it has.
        RESTRICTED = "restricted", _("Restricted")
        SUSPENDED = "suspended", _("Suspended")

    public_id = PublicIdField(prefix="prv")
    user = models.OneToOneField(
        User, on_delete=models.CASCADE, related_name="provider_profile"
    )
    agency = models.ForeignKey(
        Agency,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="providers",
    )
    display_name = models.CharField(_("display name"), max_length=150)
    photo = models.ImageField(_("photo"), upload_to="providers/%Y/%m/", blank=True)
    bio = models.TextField(_("about"), blank=True, max_length=4000)
    languages = models.JSONField(_("languages spoken"), default=list, blank=True)
    address = models.CharField(_("base address"), max_length=255, blank=True)
    latitude = models.FloatField(
        _("latitude"), validators=[MinValueValidator(-90), MaxValueValidator(90)]
    )
    longitude = models.FloatField(
        _("longitude"), validators=[MinValueValidator(-180), MaxValueValidator(180)]
    )
    h3_cell = models.BigIntegerField(db_index=True, editable=False)
    service_radius_km = models.DecimalField(
        _("service radius (km)"),
        max_digits=5,
        decimal_places=1,
        default=10,
        validators=[MinValueValidator(0.5), MaxValueValidator(200)],
    )
    years_experience = models.PositiveSmallIntegerField(
        _("years of experience"), default=0, validators=[MaxValueValidator(80)]
    )
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC")
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.ACTIVE
    )
    verified_at = models.DateTimeField(
        _("identity verified at"),
        null=True,
        blank=True,
        help_text=_("Set by ops when the provider's identity documents are approved."),
    )
    # Reputation and responsiveness, kept current by the services that change
    # their sources (reviews, orders, messages) in the same transaction.
    completed_jobs = models.PositiveIntegerField(default=0, editable=False)
    median_response_minutes = models.PositiveIntegerField(
        null=True, blank=True, editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("provider profile")
        verbose_name_plural = _("provider profiles")
        indexes = [models.Index(Lower("display_name"), name="provider_name_search")]

    def __str__(self) -> str:
        return self.display_name

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    @staticmethod
    def cell_for(latitude: float, longitude: float) -> int:
        """The H3 cell id stored for a base point (see ``doorstep.core.geo``)."""
        return cell_of(latitude, longitude)


class StaffMember(models.Model):
    """A person who works for an agency and can be handed its orders."""

    class Role(models.TextChoices):
        OWNER = "owner", _("Owner")
        MANAGER = "manager", _("Manager")
        WORKER = "worker", _("Service staff")

    # May run the agency: its staff, listings, jobs and money.
    MANAGING_ROLES = (Role.OWNER, Role.MANAGER)

    public_id = PublicIdField(prefix="stf")
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="staff")
    user = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="staff_memberships",
    )
    display_name = models.CharField(_("display name"), max_length=150)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.WORKER)
    languages = models.JSONField(_("languages spoken"), default=list, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    joined_at = models.DateField(_("joined on"), default=timezone.localdate)
    # Agencies: optional, re-encoded without metadata like every photo.
    photo = models.ImageField(_("photo"), upload_to="staff/%Y/%m/", blank=True)
    left_at = models.DateField(_("left on"), null=True, blank=True)

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff members")
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "user"], name="one_membership_per_agency"
            )
        ]

    def __str__(self) -> str:
        return self.display_name


class ApiScope(models.TextChoices):
    """What a bearer token may do (``api.auth`` enforces it per operation)."""

    # Safe methods: GET, HEAD, OPTIONS.
    READ = "read", _("read")
    # Unsafe methods: POST, PUT, PATCH, DELETE.
    WRITE = "write", _("write")
    # The back office, on top of read or write; staff with a second factor only.
    OPS = "ops", _("ops")


class ApiToken(models.Model):
    """A personal bearer token for the API. Only a SHA-256 digest is stored: the
    token itself is shown once, at creation."""

    public_id = PublicIdField(prefix="tok")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12, editable=False)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # Minted after a TOTP code as well as the password: only such a token may
    # act as ops (``backoffice.access.can_use_back_office``).
    second_factor = models.BooleanField(default=False, editable=False)
    # ``ApiScope`` values, in that order; chosen at creation and never widened.
    scopes = models.JSONField(_("scopes"), default=list, editable=False)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def digest_of(raw_token: str) -> str:
        return hashlib.sha256(raw_token.encode()).hexdigest()

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes


class PhoneCode(models.Model):
    """A one-time sign-in code sent by SMS. Stored as a keyed hash, expires, and
    dies after too many wrong guesses."""

    phone = models.CharField(max_length=20, db_index=True)
    digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    failed_attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("phone code")
        verbose_name_plural = _("phone codes")
        indexes = [models.Index(fields=["phone", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.phone} @ {self.created_at:%Y-%m-%d %H:%M}"

    @classmethod
    def lifetime(cls) -> timedelta:
        return timedelta(seconds=settings.PHONE_CODE_TTL_SECONDS)

    @property
    def is_open(self) -> bool:
        return (
            self.used_at is None
            and self.expires_at > timezone.now()
            and self.failed_attempts < settings.PHONE_CODE_MAX_ATTEMPTS
        )
