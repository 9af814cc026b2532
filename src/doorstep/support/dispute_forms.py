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


class RedoTimeField(forms.CharField):
    """A day and time for a free redo, typed where the job is: the view reads
    it in the order's time zone (``support.redo.local_time``)."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("label", _("Redo on"))
        super().__init__(
            required=False,
            max_length=32,
            widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
            **kwargs,
        )


class RespondForm(forms.Form):
    answer = forms.ChoiceField(
        label=_("Your answer"),
        choices=[
            ("accept", _("Accept the claim")),
            ("offer", _("Offer a partial refund")),
            ("redo", _("Offer to come back and redo it for free")),
            ("reject", _("Reject the claim")),
        ],
        widget=forms.RadioSelect,
    )
    amount = forms.DecimalField(
        label=_("Refund to offer"),
        required=False,
        min_value=0,
        max_digits=15,
        decimal_places=3,
        help_text=_(
            "In the order's currency, at most what was paid; with a redo, optional."
        ),
    )
    redo_at = RedoTimeField(
        help_text=_("With a redo: a time free on your calendar, where the job is.")
    )
    statement = forms.CharField(
        label=_("Your side of it"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        required=False,
    )

    def __init__(self, *args, side: str = Dispute.Side.PROVIDER, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if side != Dispute.Side.PROVIDER:  # only the provider can come back
            field = self.fields["answer"]
            field.choices = [c for c in field.choices if c[0] != "redo"]
            del self.fields["redo_at"]


class DecideForm(forms.Form):
    refund = forms.DecimalField(
        label=_("Refund to the customer"),
        min_value=0,
        max_digits=15,
        decimal_places=3,
        help_text=_("The provider keeps the rest."),
    )
    reason = forms.CharField(
        label=_("Reason (both sides read it)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
    )
    redo_at = RedoTimeField(
        help_text=_(
            "Optional: the provider comes back at this time (free on their "
            "calendar) and does the job again for nothing."
        )
    )
    penalise = forms.BooleanField(
        label=_("Give the provider a strike under the quality rule"), required=False
    )
