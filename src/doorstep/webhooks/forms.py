from django import forms
from django.utils.translation import gettext_lazy as _

from doorstep.webhooks import catalogue


def _type_choices() -> list[tuple[str, str]]:
    families = [
        (
            f"{family.name}.{catalogue.WILDCARD}",
            f"{family.name}.* — {family.description}",
        )
        for family in catalogue.FAMILIES
    ]
    kinds = [
        (kind.name, f"{kind.name} — {kind.description}")
        for kind in catalogue.event_types().values()
    ]
    return families + kinds


class EndpointForm(forms.Form):
    url = forms.CharField(
        label=_("Address"),
        max_length=500,
        help_text=_("An https:// address on the public internet."),
        widget=forms.URLInput(attrs={"placeholder": "https://example.com/webhooks"}),
    )
    description = forms.CharField(
        label=_("Description"), max_length=200, required=False
    )
    event_types = forms.MultipleChoiceField(
        label=_("Events"),
        required=False,
        help_text=_("None chosen: every event."),
        widget=forms.CheckboxSelectMultiple,
    )
    marketplace = forms.BooleanField(
        label=_("Every event of the marketplace (ops)"), required=False
    )

    def __init__(self, *args, can_choose_scope: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["event_types"].choices = _type_choices()
        if not can_choose_scope:
            del self.fields["marketplace"]


class DisableForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500)
