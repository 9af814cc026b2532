"""The forms of the dispute pages: they read the input; the rules are in
``support.disputes`` (errors it raises are put beside their field)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from doorstep.core.errors import DomainError
from doorstep.orders.forms import MultipleImageField
from doorstep.support.models import Dispute


def add_domain_error(form: forms.Form, error: DomainError) -> None:
    """Show a refusal of the service beside the field it is about."""
    placed = False
    for field, messages in (error.fields or {}).items():
        for message in messages:
            form.add_error(field if field in form.fields else None, message)
            placed = True
    if not placed:
        form.add_error(None, error.message)


class OpenDisputeForm(forms.Form):
    category = forms.ChoiceField(label=_("What went wrong"), choices=Dispute.Category)
    statement = forms.CharField(
        label=_("What happened"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=5000,
    )
    photos = MultipleImageField(
        label=_("Photos"),
        required=False,
        help_text=_("Up to 6 photos, JPEG, PNG or WebP, 8 MB each."),
    )


class EvidenceForm(forms.Form):
    statement = forms.CharField(
        label=_("Your statement"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        required=False,
    )
    photos = MultipleImageField(label=_("Photos"), required=False)


class RespondForm(forms.Form):
    answer = forms.ChoiceField(
        label=_("Your answer"),
        choices=[
            ("accept", _("Accept the claim")),
            ("offer", _("Offer a partial refund")),
            ("reject", _("Reject the claim")),
        ],
        widget=forms.RadioSelect,
    )
    amount = forms.DecimalField(
        label=_("Refund to offer"),
        required=False,
        min_value=0,
        decimal_places=2,
        help_text=_("In the order's currency, at most what was paid."),
    )
    statement = forms.CharField(
        label=_("Your side of it"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        required=False,
    )


class DecideForm(forms.Form):
    refund = forms.DecimalField(
        label=_("Refund to the customer"),
        min_value=0,
        decimal_places=2,
        help_text=_("The provider keeps the rest."),
    )
    reason = forms.CharField(
        label=_("Reason (both sides read it)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
    )
    penalise = forms.BooleanField(
        label=_("Give the provider a strike under the quality rule"), required=False
    )
