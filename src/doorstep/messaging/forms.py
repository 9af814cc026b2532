from django import forms
from django.utils.translation import gettext_lazy as _

from doorstep.messaging.models import MAX_MESSAGE_LENGTH


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Message"),
        required=False,
        max_length=MAX_MESSAGE_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": _("Write a message…")}),
    )
    attachment = forms.ImageField(label=_("Photo"), required=False)


class FlagDecisionForm(forms.Form):
    CONFIRM = "confirm"
    DISMISS = "dismiss"

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (DISMISS, _("Dismiss: normal talk")),
            (CONFIRM, _("Confirm: tried to take the deal off the platform")),
        ],
        widget=forms.RadioSelect,
    )
    warn = forms.BooleanField(
        label=_("Warn the sender (only when confirming)"), required=False
    )
    note = forms.CharField(
        label=_("Note for the audit trail"), required=False, max_length=500
    )
