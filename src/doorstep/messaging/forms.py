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
