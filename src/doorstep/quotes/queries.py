"""Reads of requests for quotes, for the pages and the API: who sees what is
decided here (a customer their requests and the quotes on them; a provider
the requests sent to them and their own quotes; ops everything)."""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from doorstep.accounts.models import User
from doorstep.core.errors import NotFound
from doorstep.core.money import Money
from doorstep.orders.pricing import price_quoted_job
from doorstep.quotes.models import (
    CategoryQuestion,
    Invitation,
    JobRequest,
    JobRequestPhoto,
    Quote,
)
from doorstep.quotes.services import questions_for
from doorstep.taxes.rates import region_at
from doorstep.trust.badge_queries import ShownBadge, shown_badges_of


def customer_requests(user: User) -> QuerySet[JobRequest]:
    """The customer's requests, newest first, with their quote counts."""
    return (
        JobRequest.objects.filter(customer=user)
        .select_related("category")
        .annotate(
            quote_count=Count(
                "quotes",
                filter=~Q(quotes__status=Quote.Status.WITHDRAWN),
            )
        )
        .order_by("-created_at", "-pk")
    )


def customers_request(user: User, request_id: str) -> JobRequest:
    """One of ``user``'s requests; ``NotFound`` for anyone else's."""
    request = (
        JobRequest.objects.select_related("category", "listing")
        .filter(public_id=request_id, customer=user)
        .first()
    )
    if request is None:
        raise NotFound("request_not_found", _("No such request."))
    return request


def provider_invitations(user: User) -> QuerySet[Invitation]:
    """The requests sent to ``user`` as a provider, newest first, with the
    quote they sent (if any)."""
    return (
        Invitation.objects.filter(provider__user=user)
        .select_related("request__category", "listing")
        .prefetch_related(Prefetch("quote", queryset=Quote.objects.all()))
        .order_by("-sent_at", "-pk")
    )


def providers_invitation(user: User, invitation_id: str) -> Invitation:
    """One of the invitations sent to ``user``; ``NotFound`` otherwise."""
    invitation = (
        Invitation.objects.select_related(
            "request__category", "request__customer", "listing", "provider"
        )
        .filter(public_id=invitation_id, provider__user=user)
        .first()
    )
    if invitation is None:
        raise NotFound("request_not_found", _("No such request."))
    return invitation


def quote_of(invitation: Invitation) -> Quote | None:
    return Quote.objects.filter(invitation=invitation).first()


def can_see_request(user: User | None, request: JobRequest) -> bool:
    """The customer, a provider it was sent to, or ops with the back office."""
    if user is None or not user.is_authenticated:
        return False
    if request.customer_id == user.pk:
        return True
    if request.invitations.filter(provider__user=user).exists():
        return True
    return bool(user.is_staff)


def request_photo(user: User | None, photo_id: str) -> JobRequestPhoto:
    photo = (
        JobRequestPhoto.objects.select_related("request")
        .filter(public_id=photo_id)
        .first()
    )
    if photo is None or not can_see_request(user, photo.request):
        raise NotFound("not_found", _("No such photo."))
    return photo


@dataclass(frozen=True)
class Answer:
    question: str
    answer: str


def answers_of(request: JobRequest) -> list[Answer]:
    """The customer's answers to the category's questions, in the reader's
    language, in the questions' order."""
    shown = []
    for question in questions_for(request.category):
        value = request.answers.get(question.public_id)
        if value in (None, ""):
            continue
        if question.kind == CategoryQuestion.Kind.CHOICE:
            value = question.choice_label(value)
        shown.append(Answer(question=question.label, answer=str(value)))
    return shown


@dataclass(frozen=True)
class QuoteCard:
    """One quote as the customer compares it: the price with the service fee
    they would pay (the same figures the order gets), the provider's rating,
    reviews, response time and badges, and the start times offered in the
    job's time zone."""

    quote: Quote
    total: Money
    service_fee: Money
    rating_mean: float
    rating_count: int
    median_response_minutes: int | None
    completed_jobs: int
    badges: list[ShownBadge]
    start_times: list[datetime]


def quote_cards(request: JobRequest, *, now: datetime) -> list[QuoteCard]:
    """The request's quotes a customer may still act on or look back at
    (withdrawn ones left out), cheapest first."""
    zone = ZoneInfo(request.time_zone)
    quotes = (
        Quote.objects.filter(request=request)
        .exclude(status=Quote.Status.WITHDRAWN)
        .select_related("provider", "listing", "order")
    )
    cards = []
    for quote in quotes:
        breakdown = price_quoted_job(
            title=request.title,
            unit_amount=quote.amount,
            hours=quote.hours if quote.pricing == Quote.Pricing.HOURLY else None,
            currency=quote.currency,
            tax_region=region_at(request.latitude, request.longitude),
        )
        provider = quote.provider
        cards.append(
            QuoteCard(
                quote=quote,
                total=breakdown.total,
                service_fee=breakdown.service_fee,
                rating_mean=quote.listing.rating_mean,
                rating_count=quote.listing.rating_count,
                median_response_minutes=provider.median_response_minutes,
                completed_jobs=provider.completed_jobs,
                badges=shown_badges_of(provider),
                start_times=[
                    datetime.fromisoformat(value).astimezone(zone)
                    for value in quote.start_times
                    if datetime.fromisoformat(value) > now
                ],
            )
        )
    return sorted(cards, key=lambda card: (card.total.amount, card.quote.sent_at))


def ops_requests(*, status: str = "") -> QuerySet[JobRequest]:
    requests = JobRequest.objects.select_related("customer", "category").annotate(
        quote_count=Count("quotes")
    )
    if status:
        requests = requests.filter(status=status)
    return requests.order_by("-created_at", "-pk")
