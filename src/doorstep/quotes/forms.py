"""The forms of the request-for-quotes pages. They read what was typed and
picked; the rules are ``quotes.services``' (a refusal is shown beside the field
it names, ``answers.<question id>`` beside that question)."""

from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from doorstep.catalog.models import Category
from doorstep.core.errors import DomainError
from doorstep.core.money import Money
from doorstep.orders.forms import MultipleImageField, PlaceForm
from doorstep.quotes.models import CategoryQuestion, JobRequest, Quote
from doorstep.quotes.services import MAX_START_TIMES

ANSWER_PREFIX = "answers."
# Refusals that name no field but are about one.
FIELD_OF_CODE = {
    "too_many_photos": "photos",
    "invalid_photo": "photos",
    "category_not_found": "category",
    "slot_taken": "starts_at",
}


def add_domain_error(
    form: forms.Form, error: DomainError, field_for: dict[str, str] | None = None
) -> None:
    """Show a refusal of the service beside the field it is about (or above
    the form when it names none of the form's fields)."""
    fields = dict(error.fields) or {
        FIELD_OF_CODE.get(error.code, NON_FIELD_ERRORS): [error.message]
    }
    for name, messages in fields.items():
        target = (field_for or {}).get(name, name)
        target = target if target in form.fields else None
        for message in messages:
            form.add_error(target, message)


def minor_amount(value: Decimal | None, currency: str) -> int | None:
    """A major-unit amount ("120.50") in minor units; ``None`` when empty or
    with more decimals than the currency has."""
    if value is None:
        return None
    try:
        return Money.from_major(value, currency).amount
    except (ValueError, InvalidOperation):
        return None


class AmountField(forms.DecimalField):
    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("min_value", Decimal("0"))
        kwargs.setdefault("max_digits", 12)
        # Up to three places (KWD); the form refuses more than the job's
        # currency has when it turns the amount into minor units.
        kwargs.setdefault("decimal_places", 3)
        kwargs.setdefault("widget", forms.NumberInput(attrs={"step": "any"}))
        super().__init__(**kwargs)


class AmountForm(forms.Form):
    """A form with a money amount in the currency of the job: the field's
    typed value in minor units, with an error beside it when it has more
    decimals than the currency."""

    amount_field = "amount"

    def __init__(self, *args, currency: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.currency = currency

    def minor(self, name: str | None = None) -> int | None:
        name = name or self.amount_field
        typed = self.cleaned_data.get(name)
        amount = minor_amount(typed, self.currency)
        if typed is not None and amount is None:
            self.add_error(name, _("Too many decimal places for this currency."))
        return amount


# --- The customer --------------------------------------------------------------------


def question_field(question: CategoryQuestion) -> forms.Field:
    options = {"label": question.label, "required": False}
    if question.kind == CategoryQuestion.Kind.NUMBER:
        return forms.CharField(
            widget=forms.NumberInput(attrs={"step": 1, "min": 0}),
            max_length=20,
            **options,
        )
    if question.kind == CategoryQuestion.Kind.CHOICE:
        choices = [("", "—")] + [
            (str(choice.get("value")), question.choice_label(choice.get("value")))
            for choice in question.choices
        ]
        # The service says whether the answer is one of them.
        return forms.CharField(widget=forms.Select(choices=choices), **options)
    return forms.CharField(max_length=500, **options)


class RequestForm(PlaceForm):
    """A job to get quotes for: what, where (pin), when, budget, photos and
    the category's questions (fields ``answers.<question id>``)."""

    missing_address = gettext_lazy("Tell the providers where the job is.")
    field_for = {
        "category_id": "category",
        "latitude": "address",
        "longitude": "address",
        "budget_amount": "budget",
    }

    category = forms.ChoiceField(label=gettext_lazy("What kind of job?"))
    title = forms.CharField(
        label=gettext_lazy("Title"),
        max_length=120,
        required=False,
        help_text=gettext_lazy("A few words: “Deep clean of a two-bedroom flat”."),
    )
    description = forms.CharField(
        label=gettext_lazy("What needs doing"),
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": gettext_lazy("Say what needs doing.")},
    )
    photos = MultipleImageField(
        label=gettext_lazy("Photos"),
        required=False,
        help_text=gettext_lazy(
            "Up to 6 photos, JPEG, PNG or WebP, 8 MB each. Only the providers "
            "you ask see them."
        ),
    )
    wanted_from = forms.DateField(
        label=gettext_lazy("From"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={
            "required": gettext_lazy("Choose the first day that suits you.")
        },
    )
    wanted_until = forms.DateField(
        label=gettext_lazy("Until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    times_of_day = forms.MultipleChoiceField(
        label=gettext_lazy("Times of day"),
        choices=JobRequest.TimeOfDay.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=gettext_lazy("None ticked: any time of day."),
    )
    budget = AmountField(
        label=gettext_lazy("Budget"),
        required=False,
        help_text=gettext_lazy("Optional: what you expect to pay for the whole job."),
    )

    def __init__(
        self,
        *args,
        categories: Sequence[Category],
        category: Category | None,
        questions: Sequence[CategoryQuestion],
        fixed_category: bool = False,
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["category"]
        field.choices = [("", _("Choose a category"))] + [
            (item.slug, item.name) for item in categories
        ]
        field.error_messages["required"] = _("Choose what kind of job this is.")
        if category is not None and not self.is_bound:
            self.initial["category"] = category.slug
        if fixed_category and category is not None:
            field.choices = [(category.slug, category.name)]
            field.disabled = True
            self.initial["category"] = category.slug
        self.questions = list(questions)
        for question in self.questions:
            self.fields[ANSWER_PREFIX + question.public_id] = question_field(question)

    @property
    def question_fields(self) -> list[forms.BoundField]:
        return [self[ANSWER_PREFIX + q.public_id] for q in self.questions]

    def add_service_error(self, error: DomainError) -> None:
        add_domain_error(self, error, self.field_for)

    def service_arguments(self, *, currency: str) -> dict:
        """The service's arguments; ``currency`` is the one of the place the
        pin is in (the budget is read in it)."""
        data = self.cleaned_data
        budget = None
        if data.get("budget") is not None:
            budget = minor_amount(data["budget"], currency)
            if budget is None:
                self.add_error(
                    "budget", _("Too many decimal places for this currency.")
                )
        return {
            "category_id": data.get("category") or "",
            "title": data.get("title", ""),
            "description": data.get("description", ""),
            "wanted_from": data.get("wanted_from"),
            "wanted_until": data.get("wanted_until"),
            "times_of_day": data.get("times_of_day") or [],
            "budget_amount": budget,
            "photos": data.get("photos") or [],
            "answers": {
                q.public_id: data.get(ANSWER_PREFIX + q.public_id, "")
                for q in self.questions
            },
            **self.place_arguments(),
        }


class CounterForm(AmountForm):
    amount = AmountField(label=gettext_lazy("Your offer for the whole job"))
    message = forms.CharField(
        label=gettext_lazy("Note to the provider"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


def start_time_choices(
    instants: Sequence[datetime], zone: ZoneInfo
) -> list[tuple[str, str]]:
    """Instants as choices: the value in UTC (ISO 8601), the label local."""
    return [
        (
            instant.astimezone(UTC).isoformat(),
            date_format(instant.astimezone(zone), "D j M, H:i"),
        )
        for instant in instants
    ]


def grouped_by_day(
    instants: Sequence[datetime], zone: ZoneInfo
) -> list[tuple[str, list[tuple[str, str]]]]:
    """Start times as checkbox groups, one per local day."""
    days: dict[str, list[tuple[str, str]]] = {}
    for instant in instants:
        local = instant.astimezone(zone)
        day = date_format(local, "l j F")
        days.setdefault(day, []).append(
            (instant.astimezone(UTC).isoformat(), local.strftime("%H:%M"))
        )
    return list(days.items())


class HireForm(forms.Form):
    starts_at = forms.ChoiceField(
        label=gettext_lazy("Start time"),
        widget=forms.RadioSelect,
        error_messages={
            "required": gettext_lazy("Choose one of the start times offered.")
        },
    )
    notes = forms.CharField(
        label=gettext_lazy("Notes for the provider"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Door code, parking, pets, what needs most attention."),
    )

    def __init__(self, *args, start_times: Sequence[datetime], zone: ZoneInfo, **kw):
        super().__init__(*args, **kw)
        self.fields["starts_at"].choices = start_time_choices(start_times, zone)

    def chosen_start(self) -> datetime | None:
        value = self.cleaned_data.get("starts_at") or ""
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None


# --- The provider --------------------------------------------------------------------


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why not? (only we see this)"),
        max_length=300,
        required=False,
    )


class StartTimesField(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("label", gettext_lazy("Start times you offer"))
        kwargs.setdefault(
            "help_text",
            gettext_lazy(
                "1 to %(count)d times free on your calendar, where the job is."
            )
            % {"count": MAX_START_TIMES},
        )
        super().__init__(**kwargs)


class QuoteForm(AmountForm):
    pricing = forms.ChoiceField(
        label=gettext_lazy("Pricing"),
        choices=Quote.Pricing.choices,
        widget=forms.RadioSelect,
        initial=Quote.Pricing.FIXED,
    )
    amount = AmountField(
        label=gettext_lazy("Price"),
        help_text=gettext_lazy("For the whole job, or per hour with an hourly rate."),
        error_messages={"required": gettext_lazy("Enter a price above zero.")},
    )
    hours = forms.IntegerField(
        label=gettext_lazy("Estimated hours"),
        required=False,
        min_value=1,
        max_value=24,
        help_text=gettext_lazy("With an hourly rate."),
    )
    duration_minutes = forms.IntegerField(
        label=gettext_lazy("Time on the job (minutes)"),
        required=False,
        min_value=15,
        max_value=24 * 60,
        help_text=gettext_lazy("With a fixed price; empty: your service's usual time."),
    )
    included = forms.CharField(
        label=gettext_lazy("What is included"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": gettext_lazy("Say what the price includes.")},
    )
    message = forms.CharField(
        label=gettext_lazy("Message to the customer"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    start_times = StartTimesField(required=False)
    valid_until = forms.DateField(
        label=gettext_lazy("Valid until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy("Optional; at the latest, until the request closes."),
    )

    def __init__(
        self, *args, free_times: Sequence[datetime], zone: ZoneInfo, **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        self.zone = zone
        self.fields["start_times"].choices = grouped_by_day(free_times, zone)

    def valid_until_moment(self) -> datetime | None:
        """The end of the chosen day where the job is."""
        day = self.cleaned_data.get("valid_until")
        if day is None:
            return None
        return datetime.combine(day + timedelta(days=1), time(0), tzinfo=self.zone)

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "pricing": data.get("pricing") or "",
            "amount": self.minor(),
            "hours": data.get("hours"),
            "duration_minutes": data.get("duration_minutes"),
            "included": data.get("included", ""),
            "message": data.get("message", ""),
            "start_times": data.get("start_times") or [],
            "valid_until": self.valid_until_moment(),
        }


class ReviseForm(AmountForm):
    amount = AmountField(
        label=gettext_lazy("New price"),
        error_messages={"required": gettext_lazy("Enter a price above zero.")},
    )
    hours = forms.IntegerField(
        label=gettext_lazy("Estimated hours"), required=False, min_value=1, max_value=24
    )
    start_times = StartTimesField(
        required=False,
        help_text=gettext_lazy("None ticked: the times you offered stay."),
    )
    message = forms.CharField(
        label=gettext_lazy("Note to the customer"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(
        self,
        *args,
        quote: Quote,
        free_times: Sequence[datetime],
        zone: ZoneInfo,
        **kwargs,
    ) -> None:
        super().__init__(*args, currency=quote.currency, **kwargs)
        if quote.pricing != Quote.Pricing.HOURLY:
            del self.fields["hours"]
        self.fields["start_times"].choices = grouped_by_day(free_times, zone)

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "amount": self.minor(),
            "hours": data.get("hours"),
            "start_times": data.get("start_times") or [],
            "message": data.get("message", ""),
        }
