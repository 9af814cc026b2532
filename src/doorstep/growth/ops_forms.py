"""The forms of growth's ops pages. They read what was typed — amounts in
major units, a provider by public id or e-mail — and hand the services
minor units and objects; the services check the rules (a refusal is shown
beside the field it names, ``web.forms.add_service_error``)."""

from decimal import Decimal, InvalidOperation

from django import forms
from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from doorstep.accounts.models import ProviderProfile
from doorstep.catalog.models import Category
from doorstep.core.money import Money, known_currencies
from doorstep.growth.models import Campaign, Coupon
from doorstep.marketplace.models import City

REASON_LABEL = _("Why (for the audit trail)")


def _minor(form: forms.Form, name: str, currency: str) -> int | None:
    """The major-unit amount typed in ``name`` in minor units (``None`` when
    empty); an error beside the field when it has too many decimals."""
    value = form.cleaned_data.get(name)
    if value is None:
        return None
    try:
        return Money.from_major(value, currency).amount
    except (ValueError, InvalidOperation):
        form.add_error(
            name,
            _("Too many decimal places for %(currency)s.") % {"currency": currency},
        )
        return None


def _percent_bps(value: Decimal | None) -> int:
    """A percentage (12.5) in basis points (1250)."""
    return int((value or Decimal(0)) * 100)


class ProviderChoiceField(forms.CharField):
    """A provider named by public id (``prv_…``) or by their account's e-mail."""

    def clean(self, value):
        text = (super().clean(value) or "").strip()
        if not text:
            return None
        provider = (
            ProviderProfile.objects.filter(
                Q(public_id=text) | Q(user__email__iexact=text)
            )
            .select_related("user")
            .first()
        )
        if provider is None:
            raise forms.ValidationError(
                _("No provider has this id or e-mail address."), code="unknown"
            )
        return provider


class CampaignForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    kind = forms.ChoiceField(label=_("Kind"), choices=Campaign.Kind.choices)
    funded_by = forms.ChoiceField(
        label=_("Funded by"),
        choices=Campaign.FundedBy.choices,
        initial=Campaign.FundedBy.PLATFORM,
    )
    provider = ProviderChoiceField(
        label=_("Provider (a provider-funded campaign)"),
        required=False,
        help_text=_("Their provider id (prv_…) or e-mail address."),
    )
    currency = forms.CharField(
        label=_("Currency"), max_length=3, initial=settings.DOORSTEP_CURRENCY
    )
    budget = forms.DecimalField(
        label=_("Budget"),
        required=False,
        min_value=0,
        help_text=_("Leave empty for no cap."),
    )
    reward = forms.DecimalField(
        label=_("Inviter's reward (referral programme)"),
        required=False,
        min_value=0,
    )
    owner = ProviderChoiceField(
        label=_("Code owner (influencer or partner)"),
        required=False,
        help_text=_("Their provider id (prv_…) or e-mail address."),
    )
    owner_share = forms.DecimalField(
        label=_("Owner's share (%)"),
        required=False,
        min_value=0,
        max_value=50,
        decimal_places=2,
    )
    starts_at = forms.DateTimeField(
        label=_("Starts"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    ends_at = forms.DateTimeField(
        label=_("Ends"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    utm_campaign = forms.SlugField(
        label=_("UTM campaign"),
        max_length=80,
        required=False,
        help_text=_("The utm_campaign tag of its links, for the funnel."),
    )

    def clean_currency(self) -> str:
        currency = self.cleaned_data["currency"].strip().upper()
        if currency not in known_currencies():
            raise forms.ValidationError(
                _("Enter a currency code such as CNY or USD."), code="currency"
            )
        return currency

    def clean(self):
        cleaned = super().clean()
        currency = cleaned.get("currency")
        if currency:
            cleaned["budget_amount"] = _minor(self, "budget", currency)
            cleaned["reward_amount"] = _minor(self, "reward", currency) or 0
        return cleaned

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "kind": data["kind"],
            "currency": data["currency"],
            "budget_amount": data["budget_amount"],
            "funded_by": data["funded_by"],
            "provider": data["provider"],
            "owner": data["owner"],
            "owner_share_bps": _percent_bps(data["owner_share"]),
            "reward_amount": data["reward_amount"],
            "starts_at": data["starts_at"],
            "ends_at": data["ends_at"],
            "utm_campaign": data["utm_campaign"],
        }


class _DiscountForm(forms.Form):
    """What a code takes off, in the campaign's currency."""

    kind = forms.ChoiceField(label=_("Discount"), choices=Coupon.Kind.choices)
    amount = forms.DecimalField(label=_("Amount off"), required=False, min_value=0)
    percent = forms.DecimalField(
        label=_("Percentage off"),
        required=False,
        min_value=0,
        max_value=100,
        decimal_places=2,
    )
    cap = forms.DecimalField(
        label=_("At most (percentage codes)"), required=False, min_value=0
    )
    min_spend = forms.DecimalField(
        label=_("Minimum spend"), required=False, min_value=0
    )
    valid_until = forms.DateTimeField(
        label=_("Valid until"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )

    def __init__(self, *args, currency: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.currency = currency

    def clean(self):
        cleaned = super().clean()
        cleaned["amount_minor"] = _minor(self, "amount", self.currency) or 0
        cleaned["cap_minor"] = _minor(self, "cap", self.currency)
        cleaned["min_spend_minor"] = _minor(self, "min_spend", self.currency) or 0
        return cleaned

    def discount_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "amount": data["amount_minor"],
            "percent_bps": _percent_bps(data["percent"]),
            "cap_amount": data["cap_minor"],
            "min_spend_amount": data["min_spend_minor"],
            "valid_until": data["valid_until"],
        }


class CouponForm(_DiscountForm):
    code = forms.CharField(label=_("Code"), max_length=32)
    first_order_only = forms.BooleanField(label=_("First order only"), required=False)
    per_user_limit = forms.IntegerField(
        label=_("Uses per person"), min_value=1, initial=1
    )
    max_uses = forms.IntegerField(
        label=_("Uses in all"),
        min_value=1,
        required=False,
        help_text=_("Leave empty for as many as the budget allows."),
    )
    stacks_with_rewards = forms.BooleanField(
        label=_("Can be combined with points and credit"),
        required=False,
        initial=True,
    )
    category = forms.ModelChoiceField(
        label=_("Only in category"),
        queryset=Category.objects.filter(is_active=True).order_by("slug"),
        required=False,
        to_field_name="slug",
        help_text=_("And its subcategories. Leave empty for every category."),
    )
    city = forms.ModelChoiceField(
        label=_("Only in city"),
        queryset=City.objects.order_by("slug"),
        required=False,
        to_field_name="slug",
    )
    field_order = ["code", "kind", "amount", "percent", "cap", "min_spend"]

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return self.discount_arguments() | {
            "category": data["category"],
            "city": data["city"],
            "code": data["code"],
            "first_order_only": data["first_order_only"],
            "per_user_limit": data["per_user_limit"],
            "max_uses": data["max_uses"],
            "stacks_with_rewards": data["stacks_with_rewards"],
        }


class BatchForm(_DiscountForm):
    prefix = forms.CharField(label=_("Prefix"), max_length=12)
    count = forms.IntegerField(label=_("Number of codes"), min_value=1)
    first_order_only = forms.BooleanField(
        label=_("First order only"), required=False, initial=True
    )
    field_order = ["prefix", "count", "kind", "amount", "percent", "cap"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, prefix="batch", **kwargs)

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        arguments = self.discount_arguments() | {
            "prefix": data["prefix"],
            "count": data["count"],
            "first_order_only": data["first_order_only"],
        }
        return arguments


class CampaignStatusForm(forms.Form):
    CHOICES = (
        (Campaign.Status.PAUSED, _("Pause")),
        (Campaign.Status.ACTIVE, _("Resume")),
        (Campaign.Status.ENDED, _("End")),
    )

    status = forms.ChoiceField(label=_("Change"), choices=CHOICES)
    reason = forms.CharField(label=REASON_LABEL, max_length=500)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, prefix="status", **kwargs)


class ReviewForm(forms.Form):
    """Release or reject a held referral; the note goes to the audit trail."""

    DECISIONS = (("release", _("Release and pay")), ("reject", _("Reject")))

    decision = forms.ChoiceField(choices=DECISIONS)
    note = forms.CharField(label=_("Note (for the audit trail)"), max_length=300)
