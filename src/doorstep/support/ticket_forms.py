"""The forms of the ticket desk. They shape input only; the rules (lengths,
files, who may do what) are the services', whose errors are shown beside the
field they name (``show_errors``)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from doorstep.core.errors import DomainError
from doorstep.support.models import SlaPolicy, Ticket
from doorstep.support.tickets import BODY_MAX, SUBJECT_MAX

ACCEPT = "image/jpeg,image/png,image/webp,application/pdf"
ATTACHMENTS_HELP = _("Photos (JPEG, PNG or WebP) or PDFs, at most 10 MB each.")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one control; their content is checked by the service."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


def show_errors(form: forms.Form, error: DomainError) -> None:
    """The service's refusal beside the field it names, or above the form."""
    for field, texts in error.fields.items():
        for text in texts:
            form.add_error(field if field in form.fields else None, text)
    if not error.fields:
        form.add_error(None, error.message)


class NewTicketForm(forms.Form):
    topic = forms.ChoiceField(label=_("What is it about?"), choices=Ticket.Topic)
    order = forms.ChoiceField(label=_("Which order?"), required=False)
    subject = forms.CharField(label=_("Subject"), max_length=SUBJECT_MAX)
    body = forms.CharField(
        label=_("How can we help?"),
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    attachments = MultipleFileField(label=_("Attachments"), help_text=ATTACHMENTS_HELP)

    def __init__(self, *args, orders=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["order"].choices = [("", _("Not about an order"))] + [
            (order.public_id, f"{order.title} · {order.starts_at:%Y-%m-%d}")
            for order in orders
        ]


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Your reply"),
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    attachments = MultipleFileField(label=_("Attachments"), help_text=ATTACHMENTS_HELP)


class RatingForm(forms.Form):
    rating = forms.ChoiceField(
        label=_("How did we do?"), choices=Ticket.Rating, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("Anything to add?"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


STATUS_AFTER_REPLY = [
    (Ticket.Status.OPEN, _("Open")),
    (Ticket.Status.WAITING, _("Waiting for the requester")),
    (Ticket.Status.SOLVED, _("Solved")),
]


class AgentReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Message"),
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    internal = forms.BooleanField(
        label=_("Internal note (the requester never sees it)"), required=False
    )
    status = forms.ChoiceField(
        label=_("Then set the ticket to"),
        choices=STATUS_AFTER_REPLY,
        initial=Ticket.Status.OPEN,
    )
    attachments = MultipleFileField(label=_("Attachments"), help_text=ATTACHMENTS_HELP)


class CannedReplyForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=120)
    body_en = forms.CharField(
        label=_("Text in English"), widget=forms.Textarea(attrs={"rows": 4})
    )
    body_zh_hans = forms.CharField(
        label=_("Text in Simplified Chinese"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    body_zh_hant = forms.CharField(
        label=_("Text in Traditional Chinese"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class SlaPolicyForm(forms.Form):
    priority = forms.ChoiceField(choices=Ticket.Priority, widget=forms.HiddenInput)
    first_response_minutes = forms.IntegerField(
        label=_("First response within (minutes)"), min_value=1, max_value=100_000
    )
    resolution_minutes = forms.IntegerField(
        label=_("Solved within (minutes)"), min_value=1, max_value=100_000
    )

    @classmethod
    def for_policy(cls, policy: SlaPolicy, **kwargs) -> "SlaPolicyForm":
        return cls(
            initial={
                "priority": policy.priority,
                "first_response_minutes": policy.first_response_minutes,
                "resolution_minutes": policy.resolution_minutes,
            },
            prefix=policy.priority,
            **kwargs,
        )
