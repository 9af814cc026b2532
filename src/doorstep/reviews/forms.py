"""Web forms for reviews. They parse; the rules live in ``services.py``."""

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.utils.translation import gettext_lazy, ngettext

from doorstep.core.errors import DomainError
from doorstep.reviews.models import (
    MAX_PHOTOS_PER_REVIEW,
    MAX_TEXT_LENGTH,
    SUB_SCORE_LABELS,
    SUB_SCORES,
    Direction,
)


def _star_choices() -> list[tuple[int, str]]:
    return [
        (
            stars,
            ngettext("%(count)d star", "%(count)d stars", stars) % {"count": stars},
        )
        for stars in range(1, 6)
    ]


def _star_field(label, *, required: bool) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=_star_choices,
        coerce=int,
        empty_value=None,
        required=required,
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose from 1 to 5 stars.")},
    )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


class ReviewForm(forms.Form):
    """A review: stars and text for both sides; sub-scores and photos when the
    customer reviews the provider."""

    stars = _star_field(gettext_lazy("Overall"), required=True)
    quality = _star_field(SUB_SCORE_LABELS["quality"], required=False)
    punctuality = _star_field(SUB_SCORE_LABELS["punctuality"], required=False)
    communication = _star_field(SUB_SCORE_LABELS["communication"], required=False)
    value = _star_field(SUB_SCORE_LABELS["value"], required=False)
    text = forms.CharField(
        label=gettext_lazy("Your review"),
        max_length=MAX_TEXT_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    photos = MultipleImageField(
        label=gettext_lazy("Photos"),
        required=False,
        help_text=gettext_lazy("Up to 6 photos, JPEG, PNG or WebP, 8 MB each."),
    )

    def __init__(self, *args, direction: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.direction = direction
        if direction == Direction.PROVIDER_REVIEWS_CUSTOMER:
            for name in (*SUB_SCORES, "photos"):
                del self.fields[name]
            self.fields["text"].label = gettext_lazy("About this customer")

    @property
    def sub_score_fields(self) -> list:
        return [self[name] for name in SUB_SCORES if name in self.fields]

    def clean_photos(self) -> list:
        photos = self.cleaned_data.get("photos") or []
        if len(photos) > MAX_PHOTOS_PER_REVIEW:
            raise forms.ValidationError(
                ngettext(
                    "Attach at most %(count)d photo.",
                    "Attach at most %(count)d photos.",
                    MAX_PHOTOS_PER_REVIEW,
                )
                % {"count": MAX_PHOTOS_PER_REVIEW}
            )
        return photos

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        arguments = {"stars": data["stars"], "text": data.get("text", "")}
        for name in SUB_SCORES:
            if name in self.fields:
                arguments[name] = data.get(name)
        if "photos" in self.fields:
            arguments["photos"] = data.get("photos") or []
        return arguments

    def add_service_error(self, error: DomainError) -> None:
        add_service_error(self, error)


def add_service_error(form: forms.Form, error: DomainError) -> None:
    """Show a service's refusal beside the field it names (or above the form)."""
    fields = dict(error.fields) or {NON_FIELD_ERRORS: [error.message]}
    for name, messages in fields.items():
        target = name if name in form.fields else None
        for message in messages:
            form.add_error(target, message)


class ReplyForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Your public reply"),
        max_length=MAX_TEXT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ReportForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("What is wrong with this review?"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class FlagDecisionForm(forms.Form):
    HIDE = "hide"
    DISMISS = "dismiss"

    decision = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        choices=[
            (DISMISS, gettext_lazy("Dismiss: nothing wrong")),
            (HIDE, gettext_lazy("Hide the flagged review and the related ones")),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason (required to hide; kept in the audit trail)"),
        required=False,
        max_length=500,
    )
