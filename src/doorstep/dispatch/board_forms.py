"""The forms of the dispatch board and of the service-promise settings; the
services check the values."""

from django import forms
from django.utils.translation import gettext_lazy as _

from doorstep.catalog.models import Category
from doorstep.dispatch.models import SlaPolicy
from doorstep.marketplace.queries import cities


class AssignForm(forms.Form):
    worker = forms.CharField(label=_("Worker"), max_length=40)
    reason = forms.CharField(
        label=_("Why (for the audit trail)"), max_length=500, widget=forms.Textarea
    )


class UnassignForm(forms.Form):
    reason = forms.CharField(
        label=_("Why (for the audit trail)"), max_length=500, widget=forms.Textarea
    )


def _number(name: str, *, required: bool = True) -> forms.IntegerField:
    field = SlaPolicy._meta.get_field(name)
    return forms.IntegerField(
        label=field.verbose_name,
        initial=field.default,
        help_text=field.help_text,
        required=required,
    )


class SlaPolicyForm(forms.Form):
    city = forms.ChoiceField(label=_("City"), required=False)
    category = forms.ChoiceField(label=_("Category"), required=False)
    respond_minutes = _number("respond_minutes")
    arrive_minutes = _number("arrive_minutes")
    asap_offer_seconds = _number("asap_offer_seconds")
    scheduled_offer_minutes = _number("scheduled_offer_minutes")
    # Left blank: the default (a form from before the field keeps working).
    offers_at_once = _number("offers_at_once", required=False)
    compensation_bps = _number("compensation_bps")
    redispatch_on_breach = forms.BooleanField(
        label=SlaPolicy._meta.get_field("redispatch_on_breach").verbose_name,
        required=False,
        initial=True,
    )
    reason = forms.CharField(
        label=_("Why (for the audit trail)"), max_length=500, required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="promise", **kwargs)
        self.fields["city"].choices = [("", _("Every city"))] + [
            (city.slug, city.name) for city in cities()
        ]
        self.fields["category"].choices = [("", _("Every category"))] + [
            (category.public_id, category.name)
            for category in Category.objects.filter(is_active=True).order_by(
                "parent_id", "position", "pk"
            )
        ]
