"""Growth: what brings people in and back, and what it costs.

- A ``Campaign`` is a purpose with a budget (a seasonal promotion, a partner's
  code batch, an influencer's code, the referral programme): every discount and
  reward of its codes is counted against it, and it stops when spent.
- A ``Coupon`` is one code: what it takes off, where and for whom it works, how
  often. A ``CodeBatch`` is many single-use codes for a partner.
- A ``Redemption`` is a code (or a referral's welcome discount) on an order;
  ``RewardLot``s are points and credit a person holds, spent oldest first; their
  ``RewardMove``s are the history.
- A ``ReferralCode`` is everyone's own code; a ``Referral`` is one person who
  joined through it, with the fraud assessment that decides whether the reward
  is paid or held for ops.
- ``Touch`` is where a visitor came from (a code, a campaign's UTM tags), kept
  first and last from the first visit through sign-up to orders.

Money is integer minor units of a currency; every amount that leaves the
platform moves through the ledger (``growth.ledger``).
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from doorstep.accounts.models import ProviderProfile
from doorstep.catalog.models import Category
from doorstep.core.ids import PublicIdField
from doorstep.core.money import Money
from doorstep.marketplace.models import City
from doorstep.orders.models import Order


class Campaign(models.Model):
    """A purpose with a budget that codes and rewards are counted against."""

    class Kind(models.TextChoices):
        PROMOTION = "promotion", _("Promotion")
        PARTNER = "partner", _("Partner codes")
        INFLUENCER = "influencer", _("Influencer code")
        REFERRAL = "referral", _("Referral programme")

    class FundedBy(models.TextChoices):
        PLATFORM = "platform", _("The platform")
        PROVIDER = "provider", _("The provider")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        PAUSED = "paused", _("Paused")
        SPENT = "spent", _("Budget spent")
        ENDED = "ended", _("Ended")

    public_id = PublicIdField(prefix="cmp")
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    funded_by = models.CharField(
        _("funded by"),
        max_length=10,
        choices=FundedBy.choices,
        default=FundedBy.PLATFORM,
    )
    # A provider's own promotion: only their services, and they pay for it.
    provider = models.ForeignKey(
        ProviderProfile,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="campaigns",
    )
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.ACTIVE
    )
    currency = models.CharField(_("currency"), max_length=3)
    # ``None``: no cap. Discounts and rewards are counted in ``spent_amount``
    # when they are committed and given back when an order falls through.
    budget_amount = models.PositiveBigIntegerField(_("budget"), null=True, blank=True)
    spent_amount = models.BigIntegerField(default=0, editable=False)
    starts_at = models.DateTimeField(_("starts"), default=timezone.now)
    ends_at = models.DateTimeField(_("ends"), null=True, blank=True)
    # An influencer's or partner's share of what their codes bring in, paid
    # to their provider balance through the ledger.
    owner = models.ForeignKey(
        ProviderProfile,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_campaigns",
        verbose_name=_("code owner"),
    )
    owner_share_bps = models.PositiveIntegerField(_("owner's share"), default=0)
    # The referral programme: what the inviter earns per friend whose first
    # order is done (the friend's welcome discount is the campaign's coupon).
    reward_amount = models.PositiveIntegerField(_("inviter's reward"), default=0)
    utm_campaign = models.SlugField(_("UTM campaign"), max_length=80, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(spent_amount__gte=0), name="campaign_spent_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(budget_amount__isnull=True)
                | Q(spent_amount__lte=F("budget_amount")),
                name="campaign_spent_within_budget",
            ),
            models.CheckConstraint(
                condition=Q(owner_share_bps__lte=5_000),
                name="campaign_owner_share_at_most_half",
            ),
            models.CheckConstraint(
                condition=~Q(funded_by="provider") | Q(provider__isnull=False),
                name="provider_funded_campaign_has_provider",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def budget(self) -> Money | None:
        if self.budget_amount is None:
            return None
        return Money(self.budget_amount, self.currency)

    @property
    def spent(self) -> Money:
        return Money(self.spent_amount, self.currency)


class CodeBatch(models.Model):
    """Many single-use codes made at once for a partner (a property manager
    hands one to each tenant), all alike but for the code."""

    public_id = PublicIdField(prefix="bat")
    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, related_name="batches"
    )
    prefix = models.CharField(_("prefix"), max_length=12)
    count = models.PositiveIntegerField(_("number of codes"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("code batch")
        verbose_name_plural = _("code batches")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}× {self.count}"


class Coupon(models.Model):
    """One code and its rules. Codes are stored upper case and compared so."""

    class Kind(models.TextChoices):
        FIXED = "fixed", _("Amount off")
        PERCENT = "percent", _("Percentage off")

    public_id = PublicIdField(prefix="cpn")
    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, related_name="coupons"
    )
    batch = models.ForeignKey(
        CodeBatch,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="coupons",
    )
    code = models.CharField(_("code"), max_length=32, unique=True)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    amount = models.PositiveIntegerField(_("amount off"), default=0)
    percent_bps = models.PositiveIntegerField(_("percentage off"), default=0)
    cap_amount = models.PositiveIntegerField(_("at most"), null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3)
    min_spend_amount = models.PositiveIntegerField(_("minimum spend"), default=0)
    category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("only in category"),
    )
    city = models.ForeignKey(
        City,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("only in city"),
    )
    first_order_only = models.BooleanField(_("first order only"), default=False)
    per_user_limit = models.PositiveIntegerField(_("uses per person"), default=1)
    # ``None``: as many as the budget allows; 1: a single-use code.
    max_uses = models.PositiveIntegerField(_("uses in all"), null=True, blank=True)
    uses = models.PositiveIntegerField(default=0, editable=False)
    valid_from = models.DateTimeField(_("valid from"), default=timezone.now)
    valid_until = models.DateTimeField(_("valid until"), null=True, blank=True)
    # Stacking: a code never stacks with another code; points and credit may
    # be spent on the same order unless the code says no.
    stacks_with_rewards = models.BooleanField(
        _("can be combined with points and credit"), default=True
    )
    # A personal code only this account may use (a reward, a goodwill gesture).
    for_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("code")
        verbose_name_plural = _("codes")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(max_uses__isnull=True) | Q(uses__lte=F("max_uses")),
                name="coupon_used_at_most_max_uses",
            ),
            models.CheckConstraint(
                condition=Q(kind="fixed", amount__gt=0)
                | Q(kind="percent", percent_bps__gt=0, percent_bps__lte=10_000),
                name="coupon_takes_something_off",
            ),
        ]

    def __str__(self) -> str:
        return self.code


class ReferralCode(models.Model):
    """Everyone's own code to invite others with (customers and providers)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="referral_code"
    )
    code = models.CharField(max_length=16, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.code


class Referral(models.Model):
    """One person who joined through someone's code, and what came of it."""

    class Status(models.TextChoices):
        JOINED = "joined", _("Joined")
        QUALIFIED = "qualified", _("First order done")
        QUARANTINED = "quarantined", _("Held for review")
        REWARDED = "rewarded", _("Rewarded")
        REJECTED = "rejected", _("Rejected")

    public_id = PublicIdField(prefix="ref")
    code = models.ForeignKey(
        ReferralCode, on_delete=models.PROTECT, related_name="referrals"
    )
    inviter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    invitee = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="referred_by"
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.JOINED
    )
    # The order that qualified it (the invitee's first completed paid order,
    # or for a provider invitee the Nth completed job).
    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    risk_score = models.PositiveSmallIntegerField(default=0)
    reasons = models.JSONField(default=list, blank=True)
    reward_amount = models.PositiveIntegerField(default=0)
    currency = models.CharField(max_length=3, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    review_note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(inviter=F("invitee")), name="no_referring_oneself"
            )
        ]

    def __str__(self) -> str:
        return f"{self.inviter_id} → {self.invitee_id}"


class Redemption(models.Model):
    """A discount on an order: a code, or the welcome discount of a referral.
    One per order (codes do not stack). ``ACTIVE`` while the order may still
    be paid and served; ``RETURNED`` when it fell through (the use and the
    budget are given back)."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Applied")
        RETURNED = "returned", _("Returned")

    public_id = PublicIdField(prefix="rdm")
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    coupon = models.ForeignKey(
        Coupon,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="redemptions",
    )
    referral = models.ForeignKey(
        Referral,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="redemptions",
    )
    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, related_name="redemptions"
    )
    funded_by = models.CharField(max_length=10, choices=Campaign.FundedBy.choices)
    amount = models.PositiveIntegerField()
    currency = models.CharField(max_length=3)
    status = models.CharField(
        max_length=8, choices=Status.choices, default=Status.ACTIVE
    )
    created_at = models.DateTimeField(default=timezone.now)
    returned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["order"],
                condition=Q(status="active"),
                name="one_code_per_order",
            ),
            models.CheckConstraint(
                condition=Q(coupon__isnull=False) | Q(referral__isnull=False),
                name="redemption_of_a_code_or_referral",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_id} -{self.amount}"

    @property
    def discount(self) -> Money:
        return Money(self.amount, self.currency)


class RewardLot(models.Model):
    """Points or credit a person holds, earned at once and spent oldest first.
    One point and one unit of credit are each worth one minor unit of the
    lot's currency; the platform owes ``remaining`` (the ledger's liability)."""

    class Kind(models.TextChoices):
        POINTS = "points", _("Points")
        CREDIT = "credit", _("Credit")

    class Source(models.TextChoices):
        ORDER = "order", _("Completed order")
        FIRST_REVIEW = "first_review", _("First review")
        SHARED_REVIEW = "shared_review", _("Shared review")
        REFERRAL = "referral", _("Friend invited")
        GOODWILL = "goodwill", _("From our team")

    public_id = PublicIdField(prefix="lot")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reward_lots"
    )
    kind = models.CharField(max_length=8, choices=Kind.choices)
    source = models.CharField(max_length=16, choices=Source.choices)
    # What earned it (an order's, review's or referral's public id): one lot
    # per source and reason, so a repeat earns nothing.
    source_ref = models.CharField(max_length=40)
    currency = models.CharField(max_length=3)
    amount = models.PositiveIntegerField()
    remaining = models.PositiveIntegerField()
    earned_at = models.DateTimeField()
    expires_at = models.DateTimeField(null=True, blank=True)
    expired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["earned_at", "pk"]
        indexes = [
            models.Index(fields=["user", "kind", "currency", "earned_at"]),
            models.Index(fields=["expires_at"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind", "source", "source_ref"],
                name="one_lot_per_source",
            ),
            models.CheckConstraint(
                condition=Q(remaining__lte=F("amount")),
                name="lot_remaining_within_amount",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.remaining}/{self.amount} {self.currency}"


class RewardMove(models.Model):
    """One change to a lot: earned, spent on an order, given back when the
    order fell through, expired."""

    class Kind(models.TextChoices):
        EARNED = "earned", _("Earned")
        SPENT = "spent", _("Spent")
        RETURNED = "returned", _("Given back")
        EXPIRED = "expired", _("Expired")

    lot = models.ForeignKey(RewardLot, on_delete=models.PROTECT, related_name="moves")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    change = models.IntegerField()
    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # A give-back names the spending it undoes (once: one-to-one).
    reverses = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversal",
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.kind} {self.change:+d}"


class OrderRewards(models.Model):
    """What an order earned once its dispute window passed: done once per
    order (points, the referral it qualifies, the code owner's share)."""

    order = models.OneToOneField(
        Order, on_delete=models.PROTECT, related_name="growth_rewards"
    )
    settled_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.order_id} settled {self.settled_at:%Y-%m-%d}"


class Touch(models.Model):
    """Where a visitor came from: a referral code, a coupon in a link, a
    campaign's UTM tags. Kept by visitor (a cookie) before sign-up and by
    account after: the first and the last touch are what orders are
    attributed to."""

    class Source(models.TextChoices):
        REFERRAL = "referral", _("Referral link")
        COUPON = "coupon", _("Code in a link")
        CAMPAIGN = "campaign", _("Campaign (UTM)")

    visitor = models.CharField(max_length=32, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    source = models.CharField(max_length=10, choices=Source.choices)
    code = models.CharField(max_length=32, blank=True)
    utm_source = models.CharField(max_length=80, blank=True)
    utm_medium = models.CharField(max_length=80, blank=True)
    utm_campaign = models.CharField(max_length=80, blank=True)
    landing_path = models.CharField(max_length=200, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [
            models.Index(fields=["user", "at"]),
            models.Index(fields=["code"]),
            models.Index(fields=["utm_campaign"]),
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.code or self.utm_campaign}"


class Sighting(models.Model):
    """A device and network an account was seen on (sign-up, sign-in,
    checkout), as keyed hashes — the evidence referral fraud checks compare."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    device_hash = models.CharField(max_length=64, blank=True)
    network_hash = models.CharField(max_length=64, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["user", "at"]),
            models.Index(fields=["device_hash"]),
            models.Index(fields=["network_hash"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "device_hash", "network_hash"],
                name="one_sighting_per_device_and_network",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.device_hash[:8]}/{self.network_hash[:8]}"
