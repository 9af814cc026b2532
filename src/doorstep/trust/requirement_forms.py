"""The forms of the onboarding requirements page; the services check the values."""

from django import forms
from django.utils.translation import gettext_lazy as _

from doorstep.trust import requirements
from doorstep.trust.models import BadgeKind


class RequirementForm(forms.Form):
    document_type = forms.ChoiceField(label=_("Document type"))
    category = forms.ChoiceField(label=_("Category"), required=False)
    region = forms.ChoiceField(label=_("Region"), required=False)
    mandatory = forms.TypedChoiceField(
        label=_("Needed to publish"),
        choices=[("1", _("Mandatory")), ("0", _("Optional"))],
        coerce=lambda value: value == "1",
        initial="1",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="requirement", **kwargs)
        self.fields["document_type"].choices = [
            (kind.code, kind.name) for kind in requirements.document_types()
        ]
        self.fields["category"].choices = [("", _("Every category"))] + [
            (category.public_id, category.name)
            for category in requirements.categories()
        ]
        self.fields["region"].choices = [("", _("Everywhere"))] + [
            (choice.slug, choice.name) for choice in requirements.region_choices()
        ]


class DocumentTypeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=requirements.CODE_LIMIT,
        help_text=_(
            "Lowercase letters, digits, hyphens or underscores; not changed later."
        ),
    )
    name_en = forms.CharField(label=_("Name (English)"), max_length=100)
    name_zh_hans = forms.CharField(label=_("Name (Simplified Chinese)"), max_length=100)
    name_zh_hant = forms.CharField(
        label=_("Name (Traditional Chinese)"), max_length=100
    )
    has_number = forms.BooleanField(
        label=_("Has a document number"), required=False, initial=True
    )
    has_expiry = forms.BooleanField(label=_("Expires"), required=False)
    grants_badge = forms.ChoiceField(
        label=_("Badge it grants"),
        required=False,
        choices=[("", _("None")), *list(BadgeKind.choices)],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="type", **kwargs)
