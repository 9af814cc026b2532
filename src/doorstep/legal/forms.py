from django import forms
from django.utils.translation import gettext_lazy as _

from doorstep.legal.models import PolicyVersion


class AcceptTermsForm(forms.Form):
    agree = forms.BooleanField(
        label=_("I have read and agree to the terms of service and privacy policy"),
        error_messages={
            "required": _("Tick the box to accept, or sign out to decide later.")
        },
    )


class PolicyVersionForm(forms.ModelForm):
    """A new version, written by ops. Markdown: headings (#), lists (-),
    **bold**, links; HTML is shown as typed, never run."""

    reason = forms.CharField(
        label=_("Note for the audit trail"),
        required=False,
        max_length=500,
        help_text=_("Why this version, for your colleagues. Not shown to users."),
    )

    class Meta:
        model = PolicyVersion
        fields = [
            "material",
            "summary_en",
            "summary_zh_hans",
            "summary_zh_hant",
            "body_en",
            "body_zh_hans",
            "body_zh_hant",
        ]
        widgets = {
            "body_en": forms.Textarea(attrs={"rows": 16}),
            "body_zh_hans": forms.Textarea(attrs={"rows": 16}),
            "body_zh_hant": forms.Textarea(attrs={"rows": 16}),
        }
