"""The shapes of the requests-for-quotes API: a customer's job request and the
quotes on it as they compare them, the requests sent to a provider (without
the customer's contact details) and the provider's own quote, the questions
asked per category. Money is ``{"amount": <minor units>, "currency"}``; times
are ISO 8601 with the offset of the job's time zone."""

import copy
from datetime import date
from typing import Annotated, Any, Literal

from django.urls import reverse
from ninja import Field, Schema
from pydantic import AwareDatetime, StringConstraints

from doorstep.accounts.schemas import Latitude, Longitude
from doorstep.api.schemas import InputSchema, MoneyOut
from doorstep.catalog.schemas import Currency
from doorstep.quotes import services
from doorstep.quotes.models import CategoryQuestion, Invitation, JobRequest, Quote

# Literals rather than the models' enums: ninja names an enum's schema by its
# class name, and every app has a "Status".
QuoteRequestStatus = Literal[tuple(JobRequest.Status.values)]
TimeOfDay = Literal[tuple(JobRequest.TimeOfDay.values)]
InvitationStatus = Literal[tuple(Invitation.Status.values)]
QuoteStatus = Literal[tuple(Quote.Status.values)]
QuotePricing = Literal[tuple(Quote.Pricing.values)]
QuestionKind = Literal[tuple(CategoryQuestion.Kind.values)]
LeadFeeStatus = Literal["charged", "refunded"]

Text = Annotated[str, StringConstraints(strip_whitespace=True)]
Amount = Annotated[int, Field(gt=0, le=services.MAX_AMOUNT)]


def request_photo_url(request_id: str, photo_id: str) -> str:
    """The private photo view (``quotes.views.photo``): the request's customer,
    the providers it was sent to and ops may open it, with the session or the
    API's bearer token."""
    return reverse("quotes:photo", args=[request_id, photo_id])


# --- The questions asked per category ----------------------------------------------


class QuoteQuestionChoiceOut(Schema):
    value: str = Field(description="What to send as the answer.")
    label: str = Field(description="In the request's language.")


class QuoteQuestionOut(Schema):
    id: str = Field(description="qsn_…: the key of its answer in `answers`.")
    kind: QuestionKind = Field(
        description="`text`, `number` (a whole number, 0 to 10,000) or `choice` "
        "(one of `choices`' values)."
    )
    label: str = Field(description="In the request's language.")
    required: bool
    choices: list[QuoteQuestionChoiceOut]


# --- Posting a request ---------------------------------------------------------------


class QuoteBudgetIn(InputSchema):
    amount: Amount = Field(description="Minor units.")
    currency: Currency | None = Field(
        None, description="The currency of the city of the job (its, by default)."
    )


class QuoteRequestIn(InputSchema):
    """A job request. Give `category_id` (the category's slug) or `listing_id`
    (a provider's service priced on quote: the request goes to them alone)."""

    category_id: Annotated[Text, Field(min_length=1, max_length=80)] | None = Field(
        None, description="The category's slug, e.g. `deep-cleaning`."
    )
    listing_id: Annotated[Text, Field(min_length=1, max_length=32)] | None = Field(
        None, description="A service priced on quote: ask its provider alone."
    )
    title: Annotated[Text, Field(max_length=120)] = Field(
        "", description="Short; the category's name when left out."
    )
    description: Annotated[Text, Field(min_length=1, max_length=3000)] = Field(
        description="What needs doing."
    )
    address: Annotated[Text, Field(min_length=1, max_length=255)] = Field(
        description="Shown to the providers it is sent to (they need it to quote)."
    )
    latitude: Latitude
    longitude: Longitude
    wanted_from: date = Field(description="The first day that suits (up to 90 days).")
    wanted_until: date | None = Field(
        None, description="The last day that suits; `wanted_from` when left out."
    )
    times_of_day: list[TimeOfDay] = Field(
        default_factory=list, max_length=3, description="Empty: any time of day."
    )
    budget: QuoteBudgetIn | None = Field(None, description="Optional.")
    answers: dict[str, Annotated[str, Field(max_length=500)] | int] = Field(
        default_factory=dict,
        description="`{question id: answer}` for the category's questions "
        "(`GET /categories/{slug}/quote-questions`).",
    )


def _inline(schema: dict[str, Any]) -> dict[str, Any]:
    """A model's JSON schema with its ``$defs`` written in place, to be put
    in an operation's ``requestBody`` by hand."""
    definitions = schema.pop("$defs", {})

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/$defs/"):
                return walk(copy.deepcopy(definitions[ref.rsplit("/", 1)[1]]))
            return {key: walk(value) for key, value in node.items()}
        if isinstance(node, list):
            return [walk(item) for item in node]
        return node

    return walk(schema)


def _request_body_schema() -> dict[str, Any]:
    schema = _inline(QuoteRequestIn.model_json_schema())
    for name in ("category_id", "listing_id"):
        # Optional one by one, but one of them is needed: never null.
        prop = schema["properties"][name]
        (kind,) = [kind for kind in prop.pop("anyOf") if kind != {"type": "null"}]
        prop.update(kind)
        prop.pop("default", None)
    schema["anyOf"] = [{"required": ["category_id"]}, {"required": ["listing_id"]}]
    return schema


def _multipart_schema() -> dict[str, Any]:
    json_schema = _request_body_schema()
    properties = {
        name: prop
        for name, prop in json_schema["properties"].items()
        if name not in {"budget", "answers"}
    }
    (budget,) = [
        kind
        for kind in json_schema["properties"]["budget"]["anyOf"]
        if kind.get("type") == "object"
    ]
    properties["budget_amount"] = {
        **budget["properties"]["amount"],
        "description": "Optional, in minor units (with `budget_currency`).",
    }
    properties["budget_currency"] = budget["properties"]["currency"]
    properties["photos"] = {
        "type": "array",
        "maxItems": services.MAX_PHOTOS,
        "items": {"type": "string", "format": "binary"},
        "description": "Up to 6 JPEG, PNG or WebP photos of the job.",
    }
    for prop in properties.values():
        # A form field is text: it cannot be null, only left out.
        variants = [kind for kind in prop.pop("anyOf", []) if kind != {"type": "null"}]
        if variants:
            prop.update(variants[0])
        prop.pop("default", None)
    return {
        "type": "object",
        "properties": properties,
        "required": json_schema["required"],
        "anyOf": json_schema["anyOf"],
        # An answer per question: ``answers.qsn_…``.
        "patternProperties": {
            r"^answers\.": {"type": "string", "maxLength": 500},
        },
        "additionalProperties": False,
    }


def quote_request_body() -> dict[str, Any]:
    """``openapi_extra`` of ``POST /quote-requests``: JSON, or multipart with
    photos."""
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": _request_body_schema()},
                "multipart/form-data": {"schema": _multipart_schema()},
            },
        },
        "parameters": [
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": False,
                "schema": {"type": "string", "maxLength": 100},
                "description": "Makes a retry safe: the same key and body "
                "answer 200 with the request the first call made.",
            }
        ],
    }


# --- A request as its customer sees it ----------------------------------------------


class QuoteAnswerOut(Schema):
    question: str = Field(description="In the reader's language.")
    answer: str


class QuoteRequestPhotoOut(Schema):
    id: str
    url: str = Field(
        description="Served to the customer, the providers asked and ops only."
    )
    width: int
    height: int


class QuoteCategoryOut(Schema):
    slug: str
    name: str


class QuoteRequestOut(Schema):
    id: str = Field(description="req_…")
    status: QuoteRequestStatus = Field(
        description="`open` (quotes welcome), `hired`, `cancelled` or `expired`."
    )
    status_label: str
    category: QuoteCategoryOut
    listing_id: str | None = Field(
        description="Asked of one provider through their service (else matched)."
    )
    title: str
    description: str
    address: str
    latitude: float
    longitude: float
    city: str
    time_zone: str
    wanted_from: date
    wanted_until: date
    times_of_day: list[TimeOfDay] = Field(description="Empty: any time of day.")
    budget: MoneyOut | None
    answers: list[QuoteAnswerOut]
    photos: list[QuoteRequestPhotoOut]
    invited: int = Field(description="How many providers it was sent to.")
    quote_count: int = Field(description="Quotes received (withdrawn left out).")
    created_at: AwareDatetime
    expires_at: AwareDatetime = Field(description="Unhired by then, it expires.")
    closed_at: AwareDatetime | None


class QuoteProviderOut(Schema):
    id: str = Field(description="prv_…")
    name: str
    rating_mean: float = Field(description="Of the service quoted from, 0 to 5.")
    rating_count: int
    completed_jobs: int
    median_response_minutes: int | None = Field(
        description="How fast they answer (null: not enough answers yet)."
    )
    badges: list[str] = Field(
        description="Their live trust badges' labels, in display order."
    )


class QuoteCounterOut(Schema):
    amount: MoneyOut = Field(description="The customer's price for the whole job.")
    message: str
    at: AwareDatetime


class QuoteRevisionOut(Schema):
    previous_price: MoneyOut = Field(
        description="The quote's price (per hour, if hourly) before the revision."
    )
    previous_job_price: MoneyOut = Field(description="The whole job before.")
    at: AwareDatetime


class QuoteCardOut(Schema):
    """A quote as the customer compares it."""

    id: str = Field(description="quo_…")
    status: QuoteStatus
    status_label: str
    pricing: QuotePricing = Field(description="`fixed` or `hourly`.")
    price: MoneyOut = Field(description="The whole job, or one hour if hourly.")
    hours: int | None = Field(description="Estimated hours, if hourly.")
    job_price: MoneyOut = Field(description="The job before the service fee.")
    service_fee: MoneyOut
    total: MoneyOut = Field(description="What hiring costs you, fee included.")
    duration_minutes: int
    included: str
    message: str
    start_times: list[AwareDatetime] = Field(
        description="Times the provider offered that are still ahead: hire at one."
    )
    valid_until: AwareDatetime
    sent_at: AwareDatetime
    provider: QuoteProviderOut
    listing_id: str
    counter: QuoteCounterOut | None = Field(description="Your one counter-offer.")
    revision: QuoteRevisionOut | None = Field(
        description="The provider's one revision."
    )
    can_counter: bool
    can_hire: bool
    order_id: str | None = Field(description="Once hired: the order.")


class QuoteRequestDetailOut(QuoteRequestOut):
    quotes: list[QuoteCardOut] = Field(description="Cheapest in total first.")


class QuoteRequestPageOut(Schema):
    items: list[QuoteRequestOut]
    next: str | None = Field(
        description="Pass as `cursor` to get the next page; null on the last page."
    )


# --- Customers' writes ---------------------------------------------------------------


class QuoteCounterIn(InputSchema):
    amount: Amount = Field(
        description="Your price for the whole job (minor units), below the quote's."
    )
    message: Annotated[Text, Field(max_length=2000)] = ""


class QuoteHireIn(InputSchema):
    starts_at: AwareDatetime = Field(
        description="One of the quote's `start_times` (ISO 8601 with an offset)."
    )
    notes: Annotated[Text, Field(max_length=2000)] = Field(
        "", description="For the provider; the request's description by default."
    )


# --- The requests sent to a provider -------------------------------------------------


class QuoteJobOut(Schema):
    """The job as the providers asked see it: no name, e-mail or phone of the
    customer and no address (the invitation's ``distance_km`` says how far it
    is; the order has the address once they are hired)."""

    id: str = Field(description="req_…")
    status: QuoteRequestStatus
    category: QuoteCategoryOut
    title: str
    description: str
    city: str
    time_zone: str
    wanted_from: date
    wanted_until: date
    times_of_day: list[TimeOfDay]
    budget: MoneyOut | None
    answers: list[QuoteAnswerOut]
    photos: list[QuoteRequestPhotoOut]
    expires_at: AwareDatetime


class QuoteJobSummaryOut(Schema):
    id: str = Field(description="req_…")
    status: QuoteRequestStatus
    category: QuoteCategoryOut
    title: str
    city: str
    wanted_from: date
    wanted_until: date
    times_of_day: list[TimeOfDay]
    budget: MoneyOut | None


class ProviderQuoteOut(Schema):
    """The provider's own quote."""

    id: str = Field(description="quo_…")
    status: QuoteStatus
    status_label: str
    pricing: QuotePricing
    price: MoneyOut = Field(description="The whole job, or one hour if hourly.")
    hours: int | None
    job_price: MoneyOut = Field(description="The job before the service fee.")
    duration_minutes: int
    included: str
    message: str
    start_times: list[AwareDatetime]
    valid_until: AwareDatetime
    sent_at: AwareDatetime
    read: bool = Field(description="The customer has opened it.")
    counter: QuoteCounterOut | None = Field(description="The customer's counter-offer.")
    revision: QuoteRevisionOut | None = Field(description="Your one revision.")
    lead_fee: MoneyOut | None = Field(description="What sending it cost you.")
    lead_fee_status: LeadFeeStatus | None = Field(
        description="`refunded` if the customer never opened it in time."
    )
    order_id: str | None = Field(description="Once hired: the order.")


class QuoteInvitationOut(Schema):
    id: str = Field(description="inv_…")
    status: InvitationStatus = Field(
        description="`waiting` for your quote, `quoted`, `declined`, `lapsed` "
        "(not answered by `respond_by`) or `closed` (the job went elsewhere)."
    )
    status_label: str
    listing_id: str = Field(description="Your service it was matched to.")
    distance_km: float
    sent_at: AwareDatetime
    respond_by: AwareDatetime
    seen_at: AwareDatetime | None
    answered_at: AwareDatetime | None
    request: QuoteJobSummaryOut
    quote_id: str | None = Field(description="Your quote, once sent.")


class QuoteInvitationDetailOut(Schema):
    id: str = Field(description="inv_…")
    status: InvitationStatus
    status_label: str
    listing_id: str
    distance_km: float
    sent_at: AwareDatetime
    respond_by: AwareDatetime
    seen_at: AwareDatetime | None
    answered_at: AwareDatetime | None
    decline_reason: str
    request: QuoteJobOut
    quote: ProviderQuoteOut | None = Field(description="Your quote, once sent.")


class QuoteInvitationPageOut(Schema):
    items: list[QuoteInvitationOut]
    next: str | None = Field(
        description="Pass as `cursor` to get the next page; null on the last page."
    )


class QuoteInvitationsQuery(Schema):
    status: InvitationStatus | None = Field(None, description="Only these.")


# --- Providers' writes ---------------------------------------------------------------


StartTimes = Annotated[
    list[AwareDatetime],
    Field(
        max_length=services.MAX_START_TIMES,
        description="Up to 5 start times free on your calendar (ISO 8601 with an "
        "offset).",
    ),
]


class QuoteIn(InputSchema):
    pricing: QuotePricing = Field(
        description="`fixed`: `amount` is the whole job; `hourly`: `amount` is "
        "one hour and `hours` the estimate."
    )
    amount: Amount = Field(description="Minor units, in the request's currency.")
    hours: int | None = Field(
        None, ge=1, le=services.MAX_HOURS, description="Required when hourly."
    )
    duration_minutes: int | None = Field(
        None,
        ge=services.MIN_MINUTES,
        le=services.MAX_MINUTES,
        description="Fixed price: time on the job (your service's by default).",
    )
    included: Annotated[Text, Field(min_length=1, max_length=2000)] = Field(
        description="What the price includes."
    )
    message: Annotated[Text, Field(max_length=2000)] = ""
    start_times: Annotated[
        list[AwareDatetime],
        Field(
            min_length=1,
            max_length=services.MAX_START_TIMES,
            description="1 to 5 start times free on your calendar (ISO 8601 "
            "with an offset).",
        ),
    ]
    valid_until: AwareDatetime | None = Field(
        None, description="The request's end by default (and at the latest)."
    )


class QuoteReviseIn(InputSchema):
    amount: Amount = Field(
        description="The new price (the whole job, or one hour if hourly); the "
        "customer's counter-offer to accept it."
    )
    hours: int | None = Field(
        None,
        ge=1,
        le=services.MAX_HOURS,
        description="Hourly: the new estimate; the current one when left out.",
    )
    start_times: StartTimes = Field(
        default_factory=list, description="New start times; the same when empty."
    )
    message: Annotated[Text, Field(max_length=2000)] = ""


class QuoteDeclineIn(InputSchema):
    reason: Annotated[Text, Field(max_length=300)] = Field(
        "", description="For the platform, not shown to the customer."
    )
