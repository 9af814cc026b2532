"""The requests-for-quotes API. Customers post a job, compare the quotes on it
(price with the service fee, the provider's rating, response time, badges,
start times), counter once, and hire one at an offered time: the hire is an
order waiting for its payment, paid like any other. Providers read the
requests sent to them (how far the job is, never its address nor the
customer's contact details: those come with the order once hired), quote,
revise once, decline or withdraw.

A request, invitation or quote that is not the caller's answers 404, like one
that does not exist: the customer's endpoints are the customer's alone, and
a provider's are for the invitations sent to them.
"""

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pydantic
from django.core.exceptions import ObjectDoesNotExist
from django.http import HttpRequest, HttpResponse, QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.errors import ValidationError

from doorstep.accounts.models import User
from doorstep.api.pagination import CursorPageIn, CursorPagination
from doorstep.catalog.models import Category
from doorstep.core.errors import NotFound, raises
from doorstep.orders.api import placed_order_answer
from doorstep.orders.processes.quote import QUOTE
from doorstep.orders.schemas import MoneyOut, OrderDetailOut
from doorstep.quotes import queries, services
from doorstep.quotes.models import Invitation, JobRequest, Quote
from doorstep.quotes.schemas import (
    ProviderQuoteOut,
    QuoteAnswerOut,
    QuoteCardOut,
    QuoteCategoryOut,
    QuoteCounterIn,
    QuoteCounterOut,
    QuoteDeclineIn,
    QuoteHireIn,
    QuoteIn,
    QuoteInvitationDetailOut,
    QuoteInvitationOut,
    QuoteInvitationPageOut,
    QuoteInvitationsQuery,
    QuoteJobOut,
    QuoteJobSummaryOut,
    QuoteProviderOut,
    QuoteQuestionChoiceOut,
    QuoteQuestionOut,
    QuoteRequestDetailOut,
    QuoteRequestIn,
    QuoteRequestOut,
    QuoteRequestPageOut,
    QuoteRequestPhotoOut,
    QuoteReviseIn,
    QuoteRevisionOut,
    quote_request_body,
    request_photo_url,
)

router = Router(tags=["quotes"])

# A form's answer to a question: ``answers.qsn_…`` (as the web form names it).
ANSWER_PREFIX = "answers."


def _caller(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined,return-value]


def _money(amount: int, currency: str) -> MoneyOut:
    return MoneyOut(amount=amount, currency=currency)


def _local(moment: datetime | None, zone: ZoneInfo) -> datetime | None:
    return moment.astimezone(zone) if moment else None


# --- Shaping answers -----------------------------------------------------------------


def _category_out(category: Category) -> QuoteCategoryOut:
    return QuoteCategoryOut(slug=category.slug, name=category.name)


def _photos_out(job: JobRequest) -> list[QuoteRequestPhotoOut]:
    return [
        QuoteRequestPhotoOut(
            id=photo.public_id,
            url=request_photo_url(job.public_id, photo.public_id),
            width=photo.width,
            height=photo.height,
        )
        for photo in job.photos.all()
    ]


def _answers_out(job: JobRequest) -> list[QuoteAnswerOut]:
    return [
        QuoteAnswerOut(question=answer.question, answer=answer.answer)
        for answer in queries.answers_of(job)
    ]


def _budget_out(job: JobRequest) -> MoneyOut | None:
    return _money(job.budget_amount, job.currency) if job.budget else None


def _request_fields(job: JobRequest) -> dict:
    """What the customer and the providers asked both see of a request (the
    address and the pin are the customer's alone until someone is hired)."""
    zone = ZoneInfo(job.time_zone)
    return {
        "id": job.public_id,
        "status": job.status,
        "category": _category_out(job.category),
        "title": job.title,
        "description": job.description,
        "city": job.city,
        "time_zone": job.time_zone,
        "wanted_from": job.wanted_from,
        "wanted_until": job.wanted_until,
        "times_of_day": job.times_of_day,
        "budget": _budget_out(job),
        "answers": _answers_out(job),
        "photos": _photos_out(job),
        "expires_at": job.expires_at.astimezone(zone),
    }


def _request_out(job: JobRequest, *, quote_count: int | None = None) -> dict:
    zone = ZoneInfo(job.time_zone)
    if quote_count is None:
        quote_count = getattr(job, "quote_count", None)
    if quote_count is None:
        quote_count = job.quotes.exclude(status=Quote.Status.WITHDRAWN).count()
    return {
        **_request_fields(job),
        "address": job.address,
        "latitude": job.latitude,
        "longitude": job.longitude,
        "status_label": job.get_status_display(),
        "listing_id": job.listing.public_id if job.listing_id else None,
        "invited": len(job.invitations.all()),
        "quote_count": quote_count,
        "created_at": job.created_at.astimezone(zone),
        "closed_at": _local(job.closed_at, zone),
    }


def _counter_out(quote: Quote, zone: ZoneInfo) -> QuoteCounterOut | None:
    if quote.countered_at is None or quote.counter is None:
        return None
    return QuoteCounterOut(
        amount=_money(quote.counter_amount, quote.currency),
        message=quote.counter_message,
        at=quote.countered_at.astimezone(zone),
    )


def _revision_out(quote: Quote, zone: ZoneInfo) -> QuoteRevisionOut | None:
    if quote.revised_at is None or quote.previous_amount is None:
        return None
    return QuoteRevisionOut(
        previous_price=_money(quote.previous_amount, quote.currency),
        previous_job_price=_money(quote.previous_job_amount, quote.currency),
        at=quote.revised_at.astimezone(zone),
    )


def _quote_fields(quote: Quote, zone: ZoneInfo) -> dict:
    """What the customer and the provider both see of a quote."""
    return {
        "id": quote.public_id,
        "status": quote.status,
        "status_label": quote.get_status_display(),
        "pricing": quote.pricing,
        "price": _money(quote.amount, quote.currency),
        "hours": quote.hours,
        "job_price": _money(quote.job_amount, quote.currency),
        "duration_minutes": quote.duration_minutes,
        "included": quote.included,
        "message": quote.message,
        "valid_until": quote.valid_until.astimezone(zone),
        "sent_at": quote.sent_at.astimezone(zone),
        "counter": _counter_out(quote, zone),
        "revision": _revision_out(quote, zone),
        "order_id": quote.order.public_id if quote.order_id else None,
    }


def _card_out(card: queries.QuoteCard, job: JobRequest, now: datetime) -> QuoteCardOut:
    quote, zone = card.quote, ZoneInfo(job.time_zone)
    open_ = job.is_open and quote.status == Quote.Status.SENT
    open_ = open_ and quote.valid_until > now
    provider = quote.provider
    return QuoteCardOut(
        **_quote_fields(quote, zone),
        service_fee=card.service_fee.as_json(),
        total=card.total.as_json(),
        start_times=card.start_times,
        provider=QuoteProviderOut(
            id=provider.public_id,
            name=provider.display_name,
            rating_mean=round(card.rating_mean, 2),
            rating_count=card.rating_count,
            completed_jobs=card.completed_jobs,
            median_response_minutes=card.median_response_minutes,
            badges=[str(badge.label) for badge in card.badges],
        ),
        listing_id=quote.listing.public_id,
        can_counter=open_ and quote.countered_at is None,
        can_hire=open_ and bool(card.start_times),
    )


def _request_detail_out(job: JobRequest) -> QuoteRequestDetailOut:
    now = timezone.now()
    cards = queries.quote_cards(job, now=now)
    return QuoteRequestDetailOut(
        **_request_out(job, quote_count=len(cards)),
        quotes=[_card_out(card, job, now) for card in cards],
    )


def _customer_card(quote: Quote) -> QuoteCardOut:
    job = quote.request
    now = timezone.now()
    card = next(
        card for card in queries.quote_cards(job, now=now) if card.quote.pk == quote.pk
    )
    return _card_out(card, job, now)


def _provider_quote_out(quote: Quote, job: JobRequest) -> ProviderQuoteOut:
    zone = ZoneInfo(job.time_zone)
    fee = services.lead_fee_of(quote)
    return ProviderQuoteOut(
        **_quote_fields(quote, zone),
        start_times=[
            datetime.fromisoformat(value).astimezone(zone)
            for value in quote.start_times
        ],
        read=quote.read_at is not None,
        lead_fee=fee.as_json() if fee else None,
        lead_fee_status=quote.lead_fee or None,
    )


def _quote_of(invitation: Invitation) -> Quote | None:
    try:
        return invitation.quote
    except ObjectDoesNotExist:
        return None


def _invitation_fields(invitation: Invitation) -> dict:
    zone = ZoneInfo(invitation.request.time_zone)
    return {
        "id": invitation.public_id,
        "status": invitation.status,
        "status_label": invitation.get_status_display(),
        "listing_id": invitation.listing.public_id,
        "distance_km": round(invitation.distance_km, 1),
        "sent_at": invitation.sent_at.astimezone(zone),
        "respond_by": invitation.respond_by.astimezone(zone),
        "seen_at": _local(invitation.seen_at, zone),
        "answered_at": _local(invitation.answered_at, zone),
    }


def _invitation_out(invitation: Invitation) -> QuoteInvitationOut:
    job = invitation.request
    quote = _quote_of(invitation)
    return QuoteInvitationOut(
        **_invitation_fields(invitation),
        request=QuoteJobSummaryOut(
            id=job.public_id,
            status=job.status,
            category=_category_out(job.category),
            title=job.title,
            city=job.city,
            wanted_from=job.wanted_from,
            wanted_until=job.wanted_until,
            times_of_day=job.times_of_day,
            budget=_budget_out(job),
        ),
        quote_id=quote.public_id if quote else None,
    )


def _invitation_detail_out(invitation: Invitation) -> QuoteInvitationDetailOut:
    job = invitation.request
    quote = queries.quote_of(invitation)
    return QuoteInvitationDetailOut(
        **_invitation_fields(invitation),
        decline_reason=invitation.decline_reason,
        request=QuoteJobOut(**_request_fields(job)),
        quote=_provider_quote_out(quote, job) if quote else None,
    )


# --- Reading a posted request's body -------------------------------------------------


def _invalid_body(errors: list[dict]) -> ValidationError:
    return ValidationError(
        [{**error, "loc": ("body", "payload", *error["loc"])} for error in errors]
    )


def _number(value: str, kind: type) -> object:
    # A form sends text: read numbers as the JSON body would carry them, and
    # leave anything else for the schema to refuse ("Enter a number").
    try:
        return kind(value)
    except ValueError:
        return value


def _form_data(form: QueryDict) -> dict:
    data: dict = {}
    budget: dict = {}
    answers: dict = {}
    for key in form:
        value = form.get(key, "")
        if key == "times_of_day":
            data[key] = [name for name in form.getlist(key) if name]
        elif value == "":
            continue
        elif key in ("latitude", "longitude"):
            data[key] = _number(value, float)
        elif key == "budget_amount":
            budget["amount"] = _number(value, int)
        elif key == "budget_currency":
            budget["currency"] = value
        elif key.startswith(ANSWER_PREFIX):
            answers[key.removeprefix(ANSWER_PREFIX)] = value
        else:
            data[key] = value
    if "amount" in budget:  # a currency alone is no budget
        data["budget"] = budget
    if answers:
        data["answers"] = answers
    return data


def _posted_request(request: HttpRequest) -> tuple[QuoteRequestIn, list]:
    """The job and its photos from a JSON or a multipart body."""
    if request.content_type == "multipart/form-data":
        data = _form_data(request.POST)
        photos = request.FILES.getlist("photos")
    else:
        try:
            data = json.loads(request.body or b"{}")
        except (ValueError, UnicodeDecodeError):
            raise ValidationError(
                [{"loc": ("body",), "type": "json_invalid", "msg": "Invalid JSON"}]
            ) from None
        photos = []
    try:
        return QuoteRequestIn.model_validate(data), photos
    except pydantic.ValidationError as error:
        raise _invalid_body(error.errors(include_url=False)) from None


# --- Customers -----------------------------------------------------------------------


@router.post(
    "/quote-requests",
    response={200: QuoteRequestDetailOut, 201: QuoteRequestDetailOut},
    summary="Ask for quotes",
    description=(
        "Post a job: it goes to the best matching providers near the pin (or, "
        "with `listing_id`, to that service's provider alone), who quote or "
        "decline within the platform's answer window. JSON, or "
        "`multipart/form-data` with the same fields (`times_of_day` repeated, "
        "`budget_amount` and `budget_currency`, an answer per question as "
        "`answers.<question id>`) and "
        "up to 6 `photos`. Answer the category's questions "
        "(`GET /categories/{slug}/quote-questions`) in `answers`.\n\n"
        "Send an `Idempotency-Key` header to make retries safe: the first "
        "request answers **201**; a repeat with the same key and body answers "
        "**200** with the same request (`Idempotent-Replayed: true`) and sends "
        "nothing again; the same key with another body is a 422 "
        "`idempotency_mismatch`.\n\n"
        "Errors: 404 `category_not_found`, `listing_not_found`; 422 "
        "`outside_service_area` (no city we serve there), `no_providers_match` "
        "(nobody free for it there and then), `own_listing`, "
        "`currency_mismatch`; 400 bad fields (`invalid_input` with `errors`), "
        "`too_many_photos`, `invalid_photo`."
    ),
    openapi_extra=quote_request_body(),
)
def post_request(request: HttpRequest, response: HttpResponse):
    user = _caller(request)
    payload, photos = _posted_request(request)
    job = services.post_request(
        customer=user,
        category_id=payload.category_id or "",
        listing_id=payload.listing_id or "",
        title=payload.title,
        description=payload.description,
        address=payload.address,
        latitude=payload.latitude,
        longitude=payload.longitude,
        wanted_from=payload.wanted_from,
        wanted_until=payload.wanted_until,
        times_of_day=payload.times_of_day,
        budget_amount=payload.budget.amount if payload.budget else None,
        budget_currency=payload.budget.currency if payload.budget else None,
        answers=payload.answers,
        photos=photos,
        idempotency_key=request.headers.get("Idempotency-Key", ""),
    )
    replayed = job.replayed
    body = _request_detail_out(queries.customers_request(user, job.public_id))
    if replayed:
        response["Idempotent-Replayed"] = "true"
        return Status(200, body)
    return Status(201, body)


@router.get(
    "/quote-requests",
    response=QuoteRequestPageOut,
    summary="Your requests for quotes",
    description="Newest first, with how many quotes each has.",
)
def list_requests(
    request: HttpRequest, page: Query[CursorPageIn]
) -> QuoteRequestPageOut:
    found = queries.customer_requests(_caller(request)).prefetch_related(
        "photos", "invitations"
    )
    result = CursorPagination().paginate_queryset(
        found.select_related("listing"), pagination=page, request=request
    )
    return QuoteRequestPageOut(
        items=[QuoteRequestOut(**_request_out(job)) for job in result["items"]],
        next=result["next"],
    )


@router.get(
    "/quote-requests/{request_id}",
    response=QuoteRequestDetailOut,
    summary="One of your requests, with its quotes to compare",
    description=(
        "The quotes, cheapest in total first: the price, what you would pay "
        "with the service fee, the provider's rating, completed jobs, response "
        "time and badges, the start times still ahead, the counter-offer and "
        "revision. Reading them marks them read for the providers."
    ),
)
def get_request(request: HttpRequest, request_id: str) -> QuoteRequestDetailOut:
    user = _caller(request)
    job = queries.customers_request(user, request_id)
    services.mark_quotes_read(user=user, request_id=job.public_id)
    return _request_detail_out(job)


@router.post(
    "/quote-requests/{request_id}/cancel",
    response=QuoteRequestOut,
    summary="Cancel a request for quotes",
    description="While it is open: the providers who quoted or were asked are "
    "told. 409 `request_closed` once hired, cancelled or expired.",
)
def cancel_request(request: HttpRequest, request_id: str) -> QuoteRequestOut:
    user = _caller(request)
    services.cancel_request(user=user, request_id=request_id)
    return QuoteRequestOut(**_request_out(queries.customers_request(user, request_id)))


@router.get(
    "/categories/{slug}/quote-questions",
    auth=None,
    response=list[QuoteQuestionOut],
    summary="The questions to ask for quotes in a category",
    description="Its own questions, then its parents', in the request's "
    "language. Public.",
)
def list_questions(request: HttpRequest, slug: str) -> list[QuoteQuestionOut]:
    category = Category.objects.filter(slug=slug, is_active=True).first()
    if category is None:
        raise NotFound("category_not_found", _("No such category."))
    return [
        QuoteQuestionOut(
            id=question.public_id,
            kind=question.kind,
            label=question.label,
            required=question.required,
            choices=[
                QuoteQuestionChoiceOut(
                    value=str(choice.get("value")),
                    label=question.choice_label(choice.get("value")),
                )
                for choice in question.choices
            ],
        )
        for question in services.questions_for(category)
    ]


@router.post(
    "/quotes/{quote_id}/counter",
    response=QuoteCardOut,
    summary="Make your one counter-offer on a quote",
    description="A lower price for the whole job, with a note; the provider may "
    "revise to it. 409 `counter_used` the second time.",
)
def counter_quote(
    request: HttpRequest, quote_id: str, payload: QuoteCounterIn
) -> QuoteCardOut:
    quote = services.counter_quote(
        user=_caller(request),
        quote_id=quote_id,
        amount=payload.amount,
        message=payload.message,
    )
    return _customer_card(quote)


@router.post(
    "/quotes/{quote_id}/hire",
    response={201: OrderDetailOut},
    summary="Hire a provider at a start time they offered",
    description=(
        "Makes the order (at the quote's current price) and holds the time on "
        "the provider's calendar. The order starts `awaiting_payment`: confirm "
        "its `payment` with the gateway as for `POST /orders` (or open it again "
        "with `POST /orders/{id}/payment`). Once the money is held the order is "
        "`accepted` and the other quotes are not chosen; unpaid in time, the "
        "time is freed and the request takes quotes again.\n\n"
        "Errors: 409 `request_closed` (already hired), `quote_not_open`, "
        "`quote_expired`, `slot_taken`; 422 `not_an_offered_time`."
    ),
)
@raises(*QUOTE.hooks)  # the engine runs them through the process's table
def hire_quote(
    request: HttpRequest, quote_id: str, payload: QuoteHireIn, response: HttpResponse
) -> Status[OrderDetailOut]:
    user = _caller(request)
    order = services.hire(
        user=user, quote_id=quote_id, starts_at=payload.starts_at, notes=payload.notes
    )
    order.replayed = False
    return placed_order_answer(request, response, order, user)


# --- Providers -----------------------------------------------------------------------


@router.get(
    "/me/quote-invitations",
    response=QuoteInvitationPageOut,
    summary="Requests for quotes sent to you",
    description="Newest first; `?status=waiting` for those to answer.",
)
def list_invitations(
    request: HttpRequest,
    filters: Query[QuoteInvitationsQuery],
    page: Query[CursorPageIn],
) -> QuoteInvitationPageOut:
    found = queries.provider_invitations(_caller(request))
    if filters.status:
        found = found.filter(status=filters.status)
    result = CursorPagination(field="sent_at").paginate_queryset(
        found, pagination=page, request=request
    )
    return QuoteInvitationPageOut(
        items=[_invitation_out(invitation) for invitation in result["items"]],
        next=result["next"],
    )


@router.get(
    "/me/quote-invitations/{invitation_id}",
    response=QuoteInvitationDetailOut,
    summary="A request sent to you, to quote",
    description="The job, how far it is from your base, its answers and photos "
    "(never its address nor the customer's name or contact details: the order "
    "has them once you are hired), and your quote once sent. Opening it marks "
    "it seen.",
)
def get_invitation(
    request: HttpRequest, invitation_id: str
) -> QuoteInvitationDetailOut:
    user = _caller(request)
    services.mark_invitation_seen(user=user, invitation_id=invitation_id)
    return _invitation_detail_out(queries.providers_invitation(user, invitation_id))


@router.post(
    "/me/quote-invitations/{invitation_id}/quote",
    response={201: ProviderQuoteOut},
    summary="Send a quote",
    description=(
        "A fixed price for the job or an hourly rate with the hours estimated, "
        "what is included, and 1 to 5 start times free on your calendar. With a "
        "lead fee set by the platform, it is taken from your balance (and given "
        "back if the customer never opens the quote).\n\n"
        "Errors: 409 `request_closed`, `invitation_answered`, "
        "`invitation_lapsed`; 422 `start_time_not_free`; 400 bad fields."
    ),
)
def send_quote(
    request: HttpRequest, invitation_id: str, payload: QuoteIn
) -> Status[ProviderQuoteOut]:
    quote = services.send_quote(
        user=_caller(request),
        invitation_id=invitation_id,
        pricing=payload.pricing,
        amount=payload.amount,
        hours=payload.hours,
        duration_minutes=payload.duration_minutes,
        included=payload.included,
        message=payload.message,
        start_times=payload.start_times,
        valid_until=payload.valid_until,
    )
    return Status(201, _provider_quote_out(quote, quote.request))


@router.post(
    "/me/quote-invitations/{invitation_id}/decline",
    response=QuoteInvitationOut,
    summary="Decline to quote",
    description="Counts as an answer for your response time. 409 "
    "`invitation_answered` once you quoted or declined.",
)
def decline_invitation(
    request: HttpRequest, invitation_id: str, payload: QuoteDeclineIn
) -> QuoteInvitationOut:
    user = _caller(request)
    services.decline_invitation(
        user=user, invitation_id=invitation_id, reason=payload.reason
    )
    return _invitation_out(queries.providers_invitation(user, invitation_id))


@router.post(
    "/quotes/{quote_id}/revise",
    response=ProviderQuoteOut,
    summary="Revise your quote, once",
    description="A new price (the customer's counter-offer to accept it), "
    "hours and start times. 409 `revision_used` the second time.",
)
def revise_quote(
    request: HttpRequest, quote_id: str, payload: QuoteReviseIn
) -> ProviderQuoteOut:
    quote = services.revise_quote(
        user=_caller(request),
        quote_id=quote_id,
        amount=payload.amount,
        hours=payload.hours,
        start_times=payload.start_times,
        message=payload.message,
    )
    return _provider_quote_out(quote, quote.request)


@router.post(
    "/quotes/{quote_id}/withdraw",
    response=ProviderQuoteOut,
    summary="Withdraw your quote",
    description="Before it is hired; a lead fee is not given back.",
)
def withdraw_quote(request: HttpRequest, quote_id: str) -> ProviderQuoteOut:
    quote = services.withdraw_quote(user=_caller(request), quote_id=quote_id)
    return _provider_quote_out(quote, quote.request)
