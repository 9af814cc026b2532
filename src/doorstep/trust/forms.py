from django import forms
from django.utils.translation import gettext_lazy as _

from doorstep.trust.services import MAX_REASON_LENGTH


class DocumentUploadForm(forms.Form):
    requirement = forms.CharField(widget=forms.HiddenInput)
    file = forms.FileField(
        label=_("File"),
        # MAX_DOCUMENT_BYTES, said in words.
        help_text=_("A PDF, or a clear photo (JPEG, PNG or WebP), at most 10 MB."),
        widget=forms.ClearableFileInput(
            attrs={"accept": "application/pdf,image/jpeg,image/png,image/webp"}
        ),
    )
    number = forms.CharField(label=_("Document number"), max_length=64, required=False)
    expires_on = forms.DateField(
        label=_("Valid until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class DecisionForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (the provider sees it)"),
        max_length=MAX_REASON_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
