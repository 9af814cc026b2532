"""The customer's growth forms: the discounts on an order waiting for payment."""

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from doorstep.core.errors import DomainError
from doorstep.core.money import Money
from doorstep.growth.checkout import Perks
from doorstep.web.templatetags.doorstep_ui import money as shown


class DiscountsForm(forms.Form):
    """A code, credit and points on one order (``growth.checkout.apply``).

    The credit and points on offer are what the customer holds plus what the
    order already uses: applying gives those back before it takes again."""

    code = forms.CharField(
        label=gettext_lazy("Promo code"),
        max_length=32,
        required=False,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters"}
        ),
        help_text=gettext_lazy("A promotion's code, or the friend's who invited you."),
    )
    use_credit = forms.BooleanField(label=gettext_lazy("Use my credit"), required=False)
    points = forms.IntegerField(
        label=gettext_lazy("Points to use"), min_value=0, required=False
    )

    def __init__(self, *args, perks: Perks, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.perks = perks
        credit = perks.credit_available + perks.credit_amount
        points = perks.points_available + perks.points_spent
        self.credit_on_offer = credit
        self.points_on_offer = points
        if credit:
            self.fields["use_credit"].label = _("Use my credit (%(amount)s)") % {
                "amount": shown(Money(credit, perks.currency))
            }
        else:
            del self.fields["use_credit"]
        if points:
            value = shown(Money(points, perks.currency))
            self.fields["points"].help_text = ngettext(
                "You hold %(count)d point, worth %(value)s.",
                "You hold %(count)d points, worth %(value)s.",
                points,
            ) % {"count": points, "value": value}
            self.fields["points"].widget.attrs.update({"max": points, "min": 0})
        else:
            del self.fields["points"]
        if not self.is_bound:
            self.initial.setdefault("code", perks.code)
            self.initial.setdefault("use_credit", bool(perks.credit_amount))
            self.initial.setdefault("points", perks.points_spent or None)

    def apply_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "code": data.get("code") or "",
            "use_credit": bool(data.get("use_credit")),
            "points": data.get("points") or 0,
        }

    def add_service_error(self, error: DomainError) -> None:
        """Show a refusal beside the field it is about (the code, the points),
        or above the form."""
        fields = dict(error.fields) or {NON_FIELD_ERRORS: [error.message]}
        for name, messages in fields.items():
            target = name if name in self.fields else None
            for message in messages:
                self.add_error(target, message)
