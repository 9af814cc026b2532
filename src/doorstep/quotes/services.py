"""Every change to a request for quotes: posting it, inviting, quoting,
countering, revising, hiring, closing. One function per action, each in a
transaction; nothing is written when one raises.

Who may do what: the customer owns their request (posts, counters, hires,
cancels); a provider acts only on invitations sent to them (quotes, revises,
declines, withdraws). Anyone else is told the thing does not exist.
"""

import hashlib
import json
import statistics
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.files import File
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from doorstep.accounts.models import ProviderProfile, User
from doorstep.catalog.models import Category, Listing
from doorstep.catalog.photos import ProcessedPhoto, process_photos
from doorstep.core.errors import Conflict, DomainError, NotFound
from doorstep.core.ids import new_public_id
from doorstep.core.money import Money, known_currencies
from doorstep.events.services import record_event
from doorstep.marketplace import policy
from doorstep.marketplace.queries import city_near
from doorstep.orders.engine import start_order
from doorstep.orders.models import BuyingMode, Order, OrderEvent
from doorstep.orders.pricing import price_quoted_job, save_lines
from doorstep.orders.process import Actor
from doorstep.orders.states import OrderState
from doorstep.payments import flows
from doorstep.quotes.matching import TIMES_OF_DAY, match_providers
from doorstep.quotes.models import (
    CategoryQuestion,
    Invitation,
    JobRequest,
    JobRequestPhoto,
    Quote,
)
from doorstep.scheduling.services import claim_time
from doorstep.scheduling.slots import find_claimable, job_minutes
from doorstep.subscriptions.perks import perks_of
from doorstep.taxes.rates import region_at

MAX_PHOTOS = 6
MAX_DAYS_AHEAD = 90
MAX_START_TIMES = 5
MAX_AMOUNT = 100_000_000
MIN_MINUTES, MAX_MINUTES = 15, 24 * 60
MAX_HOURS = 24
# Response times counted over this many days (quotes and booking requests).
RESPONSE_WINDOW_DAYS = 90


def _invalid(fields: dict[str, list[str]]) -> DomainError:
    return DomainError(
        "invalid_input", _("Please correct the marked fields."), fields=fields
    )


def _clean_text(value: str | None, *, limit: int) -> str:
    return (value or "").strip()[:limit] if value else ""


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


# --- Posting a request ---------------------------------------------------------------


def questions_for(category: Category) -> list[CategoryQuestion]:
    """The questions asked for ``category``: its own, then its parents'."""
    lineage = []
    node: Category | None = category
    while node is not None and len(lineage) < 10:
        lineage.append(node.pk)
        node = node.parent
    rank = {pk: index for index, pk in enumerate(lineage)}
    questions = list(CategoryQuestion.objects.filter(category_id__in=lineage))
    return sorted(questions, key=lambda q: (rank[q.category_id], q.position, q.pk))


def _check_answers(
    category: Category, answers: dict[str, Any] | None
) -> dict[str, str]:
    """The answers kept (by question id, as text); field errors named
    ``answers.<question id>``."""
    answers = {str(key): value for key, value in (answers or {}).items()}
    kept: dict[str, str] = {}
    errors: dict[str, list[str]] = {}
    for question in questions_for(category):
        key = question.public_id
        raw = answers.get(key)
        text = "" if raw is None else str(raw).strip()[:500]
        field = f"answers.{key}"
        if not text:
            if question.required:
                errors[field] = [_("Please answer this question.")]
            continue
        if question.kind == CategoryQuestion.Kind.NUMBER:
            try:
                number = int(text)
            except ValueError:
                errors[field] = [_("Enter a whole number.")]
                continue
            if not 0 <= number <= 10_000:
                errors[field] = [_("Enter a number from 0 to 10,000.")]
                continue
            text = str(number)
        elif question.kind == CategoryQuestion.Kind.CHOICE:
            values = {str(choice.get("value")) for choice in question.choices}
            if text not in values:
                errors[field] = [_("Choose one of the answers offered.")]
                continue
        kept[key] = text
    if errors:
        raise _invalid(errors)
    return kept


def _fingerprint(**parameters: Any) -> str:
    canonical = json.dumps(parameters, sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _request_listing(listing_id: str, customer: User) -> Listing:
    listing = (
        Listing.objects.not_archived()
        .select_related("provider", "category")
        .filter(public_id=listing_id, status=Listing.Status.PUBLISHED)
        .first()
    )
    if listing is None or not listing.provider.is_active:
        raise NotFound("listing_not_found", _("Service not found."))
    if listing.provider.user_id == customer.pk:
        raise DomainError(
            "own_listing", _("This is your own service: you cannot ask it for a quote.")
        )
    return listing


def _wanted_dates(
    wanted_from: date | None, wanted_until: date | None, *, today: date
) -> tuple[date, date]:
    errors: dict[str, list[str]] = {}
    if wanted_from is None:
        errors["wanted_from"] = [_("Choose the first day that suits you.")]
    elif wanted_from < today:
        errors["wanted_from"] = [_("Choose today or a later day.")]
    elif wanted_from > today + timedelta(days=MAX_DAYS_AHEAD):
        errors["wanted_from"] = [
            _("Choose a day within %(days)d days.") % {"days": MAX_DAYS_AHEAD}
        ]
    if wanted_until is None:
        wanted_until = wanted_from
    elif wanted_from is not None and wanted_until < wanted_from:
        errors["wanted_until"] = [_("The last day cannot be before the first.")]
    elif wanted_until > today + timedelta(days=MAX_DAYS_AHEAD):
        errors["wanted_until"] = [
            _("Choose a day within %(days)d days.") % {"days": MAX_DAYS_AHEAD}
        ]
    if errors:
        raise _invalid(errors)
    return wanted_from, wanted_until


def post_request(
    *,
    customer: User,
    category_id: str = "",
    listing_id: str = "",
    title: str = "",
    description: str,
    address: str,
    latitude: float | None,
    longitude: float | None,
    wanted_from: date | None,
    wanted_until: date | None = None,
    times_of_day: Sequence[str] = (),
    budget_amount: int | None = None,
    budget_currency: str | None = None,
    answers: dict[str, Any] | None = None,
    photos: Sequence[File] = (),
    idempotency_key: str = "",
    now: datetime | None = None,
) -> JobRequest:
    """Post a job and send it to the best matching providers (at most the
    operator's ``quote_invitations``), or, with ``listing_id`` (an on-quote
    listing), to that listing's provider only. Each invited provider is told
    and has ``quote_answer_hours`` to quote or decline.

    With ``idempotency_key``, a repeat returns the request the first call
    made (``request.replayed``) and sends nothing again.

    Raises ``DomainError`` 400 ``invalid_input`` (fields: ``category_id``,
    ``description``, ``address``, ``latitude``, ``wanted_from``,
    ``wanted_until``, ``times_of_day``, ``budget_amount``, ``answers.<id>``),
    ``too_many_photos``, ``invalid_photo``; 404 ``category_not_found``,
    ``listing_not_found``; 422 ``outside_service_area`` (the pin is in no
    served city, or outside the listing's area), ``own_listing``,
    ``no_providers_match`` (nobody serves that job there and then: change the
    dates or the place), ``currency_mismatch`` (a ``budget_currency`` other
    than the city's; the budget is in the city's currency), ``idempotency_mismatch``.
    """
    now = _now(now)
    key = (idempotency_key or "").strip()[:100]
    times = sorted({str(name) for name in times_of_day})
    fingerprint = _fingerprint(
        category=category_id,
        listing=listing_id,
        description=(description or "").strip(),
        address=(address or "").strip(),
        latitude=latitude,
        longitude=longitude,
        wanted_from=wanted_from,
        wanted_until=wanted_until,
        times=times,
        budget=budget_amount,
    )
    existing = _request_with_key(customer, key)
    if existing is not None:
        return _replay(existing, fingerprint)
    listing = _request_listing(listing_id, customer) if listing_id else None
    if listing is not None:
        category = listing.category
    else:
        category = (
            Category.objects.filter(slug=category_id, is_active=True).first()
            if category_id
            else None
        )
        if category is None and category_id:
            raise NotFound("category_not_found", _("No such category."))
    errors: dict[str, list[str]] = {}
    if category is None:
        errors["category_id"] = [_("Choose what kind of job this is.")]
    description = (description or "").strip()
    if not description:
        errors["description"] = [_("Say what needs doing.")]
    elif len(description) > 3000:
        errors["description"] = [_("Keep the description under 3,000 characters.")]
    address = (address or "").strip()
    if not address:
        errors["address"] = [_("Tell the providers where the job is.")]
    elif len(address) > 255:
        errors["address"] = [_("Keep the address under 255 characters.")]
    if (
        latitude is None
        or longitude is None
        or not -90 <= latitude <= 90
        or not -180 <= longitude <= 180
    ):
        errors["latitude"] = [_("Place the pin on the map.")]
    unknown = [name for name in times if name not in TIMES_OF_DAY]
    if unknown:
        errors["times_of_day"] = [_("Choose morning, afternoon or evening.")]
    if budget_amount is not None and not 0 < budget_amount <= MAX_AMOUNT:
        errors["budget_amount"] = [_("Enter a budget above zero, or leave it empty.")]
    if errors:
        raise _invalid(errors)
    city = city_near(latitude, longitude)
    if city is None:
        message = _(
            "We do not serve this place yet: move the pin into a city we serve."
        )
        raise DomainError(
            "outside_service_area", message, fields={"address": [message]}
        )
    if budget_currency and budget_currency != city.currency:
        message = _("Give the budget in %(currency)s, the currency of this city.") % {
            "currency": city.currency
        }
        raise DomainError(
            "currency_mismatch", message, fields={"budget.currency": [message]}
        )
    zone = ZoneInfo(city.time_zone)
    today = now.astimezone(zone).date()
    wanted_from, wanted_until = _wanted_dates(wanted_from, wanted_until, today=today)
    kept_answers = _check_answers(category, answers)
    processed = process_photos(list(photos), at_most=MAX_PHOTOS) if photos else []
    limit = 1 if listing is not None else policy.current().quote_invitations
    matches = match_providers(
        category=category,
        latitude=latitude,
        longitude=longitude,
        customer=customer,
        wanted_from=wanted_from,
        wanted_until=wanted_until,
        times_of_day=times,
        zone=zone,
        limit=limit,
        listing=listing,
        now=now,
    )
    if not matches:
        if listing is not None:
            message = _(
                "This provider does not come to this address, or has no free time "
                "on those days. Try other days, or post the job to other providers."
            )
        else:
            message = _(
                "No provider is free for this job there on those days. Try more "
                "days, another time of day, or another category."
            )
        raise DomainError(
            "no_providers_match", message, fields={"wanted_from": [message]}
        )
    try:
        return _create_request(
            customer=customer,
            category=category,
            listing=listing,
            title=_clean_text(title, limit=120) or category.name,
            description=description,
            address=address,
            latitude=latitude,
            longitude=longitude,
            city=city,
            zone=zone,
            wanted_from=wanted_from,
            wanted_until=wanted_until,
            times=times,
            budget_amount=budget_amount,
            answers=kept_answers,
            photos=processed,
            matches=matches,
            key=key,
            fingerprint=fingerprint,
            now=now,
        )
    except IntegrityError:
        # A concurrent post with the same key won the race: answer as its repeat.
        existing = _request_with_key(customer, key)
        if existing is None:
            raise
        return _replay(existing, fingerprint)


def _request_with_key(customer: User, key: str) -> JobRequest | None:
    if not key:
        return None
    return JobRequest.objects.filter(customer=customer, idempotency_key=key).first()


def _replay(existing: JobRequest, fingerprint: str) -> JobRequest:
    if existing.request_fingerprint != fingerprint:
        raise DomainError(
            "idempotency_mismatch",
            _(
                "This Idempotency-Key was already used for a different request. "
                "Send a new key for a new request."
            ),
        )
    existing.replayed = True
    return existing


@transaction.atomic
def _create_request(
    *,
    customer: User,
    category: Category,
    listing: Listing | None,
    title: str,
    description: str,
    address: str,
    latitude: float,
    longitude: float,
    city,
    zone: ZoneInfo,
    wanted_from: date,
    wanted_until: date,
    times: list[str],
    budget_amount: int | None,
    answers: dict[str, str],
    photos: list[ProcessedPhoto],
    matches,
    key: str,
    fingerprint: str,
    now: datetime,
) -> JobRequest:
    last_moment = datetime.combine(
        wanted_until + timedelta(days=1), time(0), tzinfo=zone
    ).astimezone(UTC)
    expires_at = min(
        now + timedelta(days=settings.DOORSTEP_QUOTE_REQUEST_DAYS), last_moment
    )
    request = JobRequest.objects.create(
        customer=customer,
        category=category,
        listing=listing,
        title=title,
        description=description,
        address=address,
        latitude=latitude,
        longitude=longitude,
        city=city.slug,
        time_zone=city.time_zone,
        currency=city.currency,
        wanted_from=wanted_from,
        wanted_until=wanted_until,
        times_of_day=times,
        budget_amount=budget_amount,
        answers=answers,
        invitations_limit=len(matches)
        if listing is not None
        else policy.current().quote_invitations,
        expires_at=expires_at,
        created_at=now,
        idempotency_key=key,
        request_fingerprint=fingerprint if key else "",
    )
    for photo in photos:
        row = JobRequestPhoto(
            public_id=new_public_id("rqp"),
            request=request,
            width=photo.width,
            height=photo.height,
        )
        row.image.save(photo.image_name, photo.image, save=False)
        row.thumbnail.save(photo.thumbnail_name, photo.thumbnail, save=False)
        row.save()
    respond_by = now + timedelta(hours=policy.current().quote_answer_hours)
    respond_by = min(respond_by, expires_at)
    Invitation.objects.bulk_create(
        Invitation(
            public_id=new_public_id("inv"),
            request=request,
            provider=match.provider,
            listing=match.listing,
            rank=rank,
            score=round(match.score, 6),
            distance_km=round(match.distance_km, 3),
            sent_at=now,
            respond_by=respond_by,
        )
        for rank, match in enumerate(matches, start=1)
    )
    record_event(
        topic="quote.request_posted",
        subject=request.public_id,
        payload={"invited": [match.provider.public_id for match in matches]},
    )
    request.replayed = False
    return request


# --- Providers: invitations and quotes -----------------------------------------------


def _locked_invitation(user: User, invitation_id: str) -> Invitation:
    """``user``'s invitation, its row locked; anyone else's is "not found"."""
    invitation = (
        Invitation.objects.select_for_update()
        .select_related("request", "listing", "provider")
        .filter(public_id=invitation_id, provider__user=user)
        .first()
    )
    if invitation is None:
        raise NotFound("request_not_found", _("No such request."))
    return invitation


def _locked_request(request_id: int) -> JobRequest:
    return JobRequest.objects.select_for_update().get(pk=request_id)


def _request_closed(request: JobRequest) -> Conflict:
    return Conflict(
        "request_closed",
        _("This request is %(status)s: it takes no more quotes.")
        % {"status": request.get_status_display().lower()},
    )


def _check_can_answer(
    invitation: Invitation, request: JobRequest, now: datetime
) -> None:
    if not request.is_open:
        raise _request_closed(request)
    if invitation.status != Invitation.Status.WAITING:
        raise Conflict(
            "invitation_answered",
            _("You have already answered this request (%(status)s).")
            % {"status": invitation.get_status_display().lower()},
        )
    if now >= invitation.respond_by:
        raise Conflict(
            "invitation_lapsed", _("The time to answer this request has run out.")
        )


@transaction.atomic
def mark_invitation_seen(
    *, user: User, invitation_id: str, now: datetime | None = None
) -> Invitation:
    """The provider opened the request (shown to ops; a request read and not
    answered still lapses)."""
    invitation = _locked_invitation(user, invitation_id)
    if invitation.seen_at is None:
        invitation.seen_at = _now(now)
        invitation.save(update_fields=["seen_at"])
    return invitation


@transaction.atomic
def decline_invitation(
    *, user: User, invitation_id: str, reason: str = "", now: datetime | None = None
) -> Invitation:
    """The provider will not quote. Raises 404 ``request_not_found``, 409
    ``request_closed``, ``invitation_answered``, ``invitation_lapsed``."""
    now = _now(now)
    invitation = _locked_invitation(user, invitation_id)
    request = _locked_request(invitation.request_id)
    _check_can_answer(invitation, request, now)
    invitation.status = Invitation.Status.DECLINED
    invitation.answered_at = now
    invitation.decline_reason = _clean_text(reason, limit=300)
    invitation.save(update_fields=["status", "answered_at", "decline_reason"])
    refresh_response_time(invitation.provider, now=now)
    record_event(
        topic="quote.declined",
        subject=invitation.public_id,
        payload={"request": request.public_id},
    )
    return invitation


def _parse_instant(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        parsed = parse_datetime(value.strip())
        return parsed
    return None


def _terms(
    *,
    listing: Listing,
    pricing: str,
    amount: int | None,
    hours: int | None,
    duration_minutes: int | None,
    start_times: Sequence[Any],
    now: datetime,
    currency: str,
) -> tuple[int | None, int, list[datetime]]:
    """Check a quote's terms; return (hours, minutes on the job, the start
    times in UTC, earliest first). Each start time must be free on the
    listing's calendar now (the booking rules: hours, notice, buffers)."""
    errors: dict[str, list[str]] = {}
    if pricing not in Quote.Pricing.values:
        errors["pricing"] = [_("Choose a fixed price or an hourly rate.")]
    if amount is None or not 0 < amount <= MAX_AMOUNT:
        errors["amount"] = [_("Enter a price above zero.")]
    if pricing == Quote.Pricing.HOURLY:
        if hours is None or not 1 <= hours <= MAX_HOURS:
            errors["hours"] = [
                _("Estimate the hours: 1 to %(max)d.") % {"max": MAX_HOURS}
            ]
        minutes = (hours or 1) * 60
    else:
        hours = None
        minutes = duration_minutes or listing.duration_minutes
        if not MIN_MINUTES <= minutes <= MAX_MINUTES:
            errors["duration_minutes"] = [_("The job takes 15 minutes to 24 hours.")]
    if currency not in known_currencies():
        errors["amount"] = [_("This currency is not supported.")]
    instants = [_parse_instant(value) for value in start_times]
    if not instants:
        errors["start_times"] = [_("Offer at least one start time.")]
    elif len(instants) > MAX_START_TIMES:
        errors["start_times"] = [
            _("Offer at most %(count)d start times.") % {"count": MAX_START_TIMES}
        ]
    elif any(instant is None or timezone.is_naive(instant) for instant in instants):
        errors["start_times"] = [_("Give each start time with its time zone.")]
    if errors:
        raise _invalid(errors)
    extra = minutes - job_minutes(listing=listing)
    free: list[datetime] = []
    for instant in sorted({instant.astimezone(UTC) for instant in instants}):
        try:
            find_claimable(
                listing=listing, starts_at=instant, extra_minutes=extra, now=now
            )
        except DomainError as refusal:
            message = _("%(time)s is not free on your calendar: %(reason)s") % {
                "time": instant.isoformat(),
                "reason": refusal.message,
            }
            raise DomainError(
                "start_time_not_free", message, fields={"start_times": [message]}
            ) from None
        free.append(instant)
    return hours, minutes, free


def _valid_until(
    value: datetime | None, request: JobRequest, now: datetime
) -> datetime:
    if value is None:
        return request.expires_at
    if timezone.is_naive(value) or value <= now:
        raise _invalid({"valid_until": [_("Choose a moment in the future.")]})
    return min(value, request.expires_at)


def send_quote(
    *,
    user: User,
    invitation_id: str,
    pricing: str,
    amount: int | None,
    included: str,
    start_times: Sequence[Any],
    hours: int | None = None,
    duration_minutes: int | None = None,
    message: str = "",
    valid_until: datetime | None = None,
    now: datetime | None = None,
) -> Quote:
    """Quote for an invitation: a fixed price (``amount``, the whole job) or an
    hourly rate (``amount`` per hour, ``hours`` estimated), what is included,
    up to five start times free on the listing's calendar, valid until
    ``valid_until`` (the request's end by default). With a lead fee set, the
    fee is taken from the provider's balance (the rest owed) in the same
    transaction. The customer is told.

    Raises 404 ``request_not_found``; 409 ``request_closed``,
    ``invitation_answered``, ``invitation_lapsed``; 400 ``invalid_input``
    (``pricing``, ``amount``, ``hours``, ``duration_minutes``, ``included``,
    ``message``, ``start_times``, ``valid_until``); 422
    ``start_time_not_free``."""
    now = _now(now)
    included = (included or "").strip()
    message = (message or "").strip()
    text_errors: dict[str, list[str]] = {}
    if not included:
        text_errors["included"] = [_("Say what the price includes.")]
    elif len(included) > 2000:
        text_errors["included"] = [_("Keep this under 2,000 characters.")]
    if len(message) > 2000:
        text_errors["message"] = [_("Keep the message under 2,000 characters.")]
    with transaction.atomic():
        invitation = _locked_invitation(user, invitation_id)
        request = _locked_request(invitation.request_id)
        _check_can_answer(invitation, request, now)
        if text_errors:
            raise _invalid(text_errors)
        hours, minutes, times = _terms(
            listing=invitation.listing,
            pricing=pricing,
            amount=amount,
            hours=hours,
            duration_minutes=duration_minutes,
            start_times=start_times,
            now=now,
            currency=request.currency,
        )
        until = _valid_until(valid_until, request, now)
        fee = lead_fee_for(
            provider=invitation.provider, currency=request.currency, now=now
        )
        quote = Quote.objects.create(
            invitation=invitation,
            request=request,
            provider=invitation.provider,
            listing=invitation.listing,
            pricing=pricing,
            amount=amount,
            currency=request.currency,
            hours=hours,
            duration_minutes=minutes,
            included=included,
            message=message,
            start_times=[instant.isoformat() for instant in times],
            valid_until=until,
            sent_at=now,
            lead_fee_amount=fee,
            lead_fee=Quote.LeadFee.CHARGED if fee else Quote.LeadFee.NONE,
        )
        if fee:
            flows.charge_lead_fee(
                provider=invitation.provider,
                quote_id=quote.public_id,
                amount=fee,
                currency=request.currency,
            )
        invitation.status = Invitation.Status.QUOTED
        invitation.answered_at = now
        invitation.save(update_fields=["status", "answered_at"])
        refresh_response_time(invitation.provider, now=now)
        record_event(
            topic="quote.sent",
            subject=quote.public_id,
            payload={"request": request.public_id, "lead_fee": fee},
        )
    return quote


def lead_fee_for(*, provider: ProviderProfile, currency: str, now: datetime) -> int:
    """The lead fee of the quote ``provider`` sends at ``now``: the operator's
    ``quote_lead_fee`` in ``currency``, except for the first quotes of the
    provider's calendar month (in their time zone) that their plan includes
    free (``subscriptions.perks``' ``extra_quote_leads``, the plan's one
    reading). Call inside the sending transaction: with a plan's free quotes,
    the provider's row is locked so that two quotes at once cannot both take
    the month's last free one."""
    fee = policy.amount_in("quote_lead_fee", currency)
    if not fee:
        return 0
    included = perks_of(provider).extra_quote_leads
    if not included:
        return fee
    ProviderProfile.objects.select_for_update().filter(pk=provider.pk).first()
    local = timezone.localtime(now, ZoneInfo(provider.time_zone or "UTC"))
    month_start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    sent = Quote.objects.filter(
        provider=provider, sent_at__gte=month_start, sent_at__lte=now
    ).count()
    return 0 if sent < included else fee


def _locked_quote(quote_id: str, **owner) -> Quote:
    quote = (
        Quote.objects.select_for_update()
        .select_related("request", "listing", "provider", "invitation")
        .filter(public_id=quote_id, **owner)
        .first()
    )
    if quote is None:
        raise NotFound("quote_not_found", _("No such quote."))
    return quote


def _check_still_sent(quote: Quote, request: JobRequest) -> None:
    if not request.is_open:
        raise _request_closed(request)
    if quote.status != Quote.Status.SENT:
        raise Conflict(
            "quote_not_open",
            _("This quote is %(status)s.")
            % {"status": quote.get_status_display().lower()},
        )


def _check_quote_open(quote: Quote, request: JobRequest, now: datetime) -> None:
    _check_still_sent(quote, request)
    if now >= quote.valid_until:
        raise Conflict("quote_expired", _("This quote is no longer valid."))


@transaction.atomic
def revise_quote(
    *,
    user: User,
    quote_id: str,
    amount: int | None,
    hours: int | None = None,
    start_times: Sequence[Any] = (),
    message: str = "",
    now: datetime | None = None,
) -> Quote:
    """The provider's one revision: a new price (for an hourly quote, the
    rate; the hours estimated stay unless given), new start times if given,
    a note. Answers the customer's counter
    too (``amount`` equal to it accepts it). The price before is kept to
    show. Raises 404 ``quote_not_found``; 409 ``request_closed``,
    ``quote_not_open``, ``quote_expired``, ``revision_used``; 400
    ``invalid_input``; 422 ``start_time_not_free``."""
    now = _now(now)
    quote = _locked_quote(quote_id, provider__user=user)
    request = _locked_request(quote.request_id)
    _check_quote_open(quote, request, now)
    if quote.revised_at is not None:
        raise Conflict("revision_used", _("You have already revised this quote once."))
    message = (message or "").strip()
    if len(message) > 2000:
        raise _invalid({"message": [_("Keep the message under 2,000 characters.")]})
    new_hours, minutes, times = _terms(
        listing=quote.listing,
        pricing=quote.pricing,
        amount=amount,
        hours=(hours or quote.hours) if quote.pricing == Quote.Pricing.HOURLY else None,
        duration_minutes=quote.duration_minutes,
        start_times=start_times or quote.start_times,
        now=now,
        currency=quote.currency,
    )
    quote.previous_amount, quote.previous_hours = quote.amount, quote.hours
    quote.amount, quote.hours, quote.duration_minutes = amount, new_hours, minutes
    quote.start_times = [instant.isoformat() for instant in times]
    if message:
        quote.message = message
    quote.revised_at = now
    quote.save()
    record_event(
        topic="quote.revised",
        subject=quote.public_id,
        payload={"request": request.public_id},
    )
    return quote


@transaction.atomic
def withdraw_quote(*, user: User, quote_id: str, now: datetime | None = None) -> Quote:
    """The provider takes their quote back before it is hired (no lead fee
    comes back). Raises 404 ``quote_not_found``, 409 ``quote_not_open``,
    ``request_closed``."""
    now = _now(now)
    quote = _locked_quote(quote_id, provider__user=user)
    request = _locked_request(quote.request_id)
    _check_still_sent(quote, request)
    quote.status = Quote.Status.WITHDRAWN
    quote.save(update_fields=["status"])
    record_event(
        topic="quote.withdrawn",
        subject=quote.public_id,
        payload={"request": request.public_id},
    )
    return quote


# --- Customers: reading, countering, hiring ------------------------------------------


def _customers_request(
    user: User, request_id: str, *, lock: bool = False
) -> JobRequest:
    requests = JobRequest.objects.filter(public_id=request_id, customer=user)
    if lock:
        requests = requests.select_for_update()
    request = requests.first()
    if request is None:
        raise NotFound("request_not_found", _("No such request."))
    return request


@transaction.atomic
def mark_quotes_read(
    *, user: User, request_id: str, now: datetime | None = None
) -> int:
    """The customer opened the request's quotes: each is read from now (which
    keeps its lead fee, if any, charged). Returns how many were unread."""
    request = _customers_request(user, request_id)
    return Quote.objects.filter(request=request, read_at__isnull=True).update(
        read_at=_now(now)
    )


@transaction.atomic
def counter_quote(
    *,
    user: User,
    quote_id: str,
    amount: int | None,
    message: str = "",
    now: datetime | None = None,
) -> Quote:
    """The customer's one counter-offer: a lower price for the whole job, with
    a note. The provider may revise to it (or not); hiring always takes the
    provider's terms. Raises 404 ``quote_not_found``; 409 ``request_closed``,
    ``quote_not_open``, ``quote_expired``, ``counter_used``; 400
    ``invalid_input`` (``amount`` missing or not below the quote)."""
    now = _now(now)
    quote = _locked_quote(quote_id, request__customer=user)
    request = _locked_request(quote.request_id)
    _check_quote_open(quote, request, now)
    if quote.countered_at is not None:
        raise Conflict("counter_used", _("You have already made a counter-offer."))
    message = (message or "").strip()
    errors: dict[str, list[str]] = {}
    if amount is None or not 0 < amount < quote.job_amount:
        errors["amount"] = [
            _("Offer a price above zero and below %(price)s.")
            % {"price": quote.job_price}
        ]
    if len(message) > 2000:
        errors["message"] = [_("Keep the message under 2,000 characters.")]
    if errors:
        raise _invalid(errors)
    quote.counter_amount = amount
    quote.counter_message = message
    quote.countered_at = now
    if quote.read_at is None:
        quote.read_at = now
    quote.save(
        update_fields=["counter_amount", "counter_message", "countered_at", "read_at"]
    )
    record_event(
        topic="quote.countered",
        subject=quote.public_id,
        payload={"request": request.public_id},
    )
    return quote


def _fixed_hourly(quote: Quote) -> int | None:
    return quote.hours if quote.pricing == Quote.Pricing.HOURLY else None


def hire(
    *,
    user: User,
    quote_id: str,
    starts_at: datetime | None,
    notes: str = "",
    now: datetime | None = None,
) -> Order:
    """Accept a quote at one of its start times: the order is created (mode
    ``quote``) with the quoted price and time, the time claimed on the
    provider's calendar at once, waiting for the payment like any booking
    (``orders.services.start_order_payment``); paid, it is confirmed and the
    request closes (``close_hired_request``). The request is locked first, so
    of two quotes hired at once exactly one wins; the other is told
    ``request_closed``.

    Raises 404 ``quote_not_found``; 409 ``request_closed``,
    ``quote_not_open``, ``quote_expired``, ``slot_taken`` (the time went
    meanwhile: pick another or ask the provider); 422 ``not_an_offered_time``
    (field ``starts_at``)."""
    now = _now(now)
    try:
        with transaction.atomic():
            return _hire(
                user=user, quote_id=quote_id, starts_at=starts_at, notes=notes, now=now
            )
    except IntegrityError:
        # A concurrent hire of another quote of the same request committed first.
        request = JobRequest.objects.filter(quotes__public_id=quote_id).first()
        if request is None:
            raise
        raise _request_closed(request) from None


def _hire(
    *, user: User, quote_id: str, starts_at: datetime | None, notes: str, now: datetime
) -> Order:
    quote = (
        Quote.objects.select_related("request", "listing__provider", "provider")
        .filter(public_id=quote_id, request__customer=user)
        .first()
    )
    if quote is None:
        raise NotFound("quote_not_found", _("No such quote."))
    request = _locked_request(quote.request_id)
    quote = _locked_quote(quote_id, request__customer=user)
    _check_quote_open(quote, request, now)
    offered = {_parse_instant(value) for value in quote.start_times}
    start = (
        starts_at.astimezone(UTC)
        if starts_at and timezone.is_aware(starts_at)
        else None
    )
    if start is None or start not in offered:
        message = _("Choose one of the start times the provider offered.")
        raise DomainError(
            "not_an_offered_time", message, fields={"starts_at": [message]}
        )
    notes = (notes or "").strip()
    if len(notes) > 2000:
        raise _invalid({"notes": [_("Keep the notes under 2,000 characters.")]})
    listing = quote.listing
    extra = quote.duration_minutes - job_minutes(listing=listing)
    claimable = find_claimable(
        listing=listing, starts_at=start, extra_minutes=extra, now=now
    )
    breakdown = price_quoted_job(
        title=request.title,
        unit_amount=quote.amount,
        hours=_fixed_hourly(quote),
        currency=quote.currency,
        tax_region=region_at(request.latitude, request.longitude),
    )
    order = Order.objects.create(
        mode=BuyingMode.QUOTE,
        state=OrderState.AWAITING_PAYMENT,
        state_changed_at=now,
        customer=user,
        provider=quote.provider,
        listing=listing,
        title=request.title,
        starts_at=start,
        ends_at=start + timedelta(minutes=quote.duration_minutes),
        time_zone=request.time_zone,
        address=request.address,
        latitude=request.latitude,
        longitude=request.longitude,
        notes=notes or request.description[:2000],
        **breakdown.order_figures(),
        hours=_fixed_hourly(quote),
    )
    save_lines(order, breakdown)
    claim_time(
        provider=listing.provider,
        starts_at=claimable.starts_at,
        ends_at=claimable.ends_at,
        staff_key=claimable.staff_keys[0] if claimable.staff_keys else 0,
        order=order,
    )
    if claimable.staff_keys and claimable.staff_keys[0]:
        order.staff_id = claimable.staff_keys[0]
        order.save(update_fields=["staff"])
    quote.status = Quote.Status.HIRED
    quote.order = order
    if quote.read_at is None:
        quote.read_at = now
    quote.save(update_fields=["status", "order", "read_at"])
    request.status = JobRequest.Status.HIRED
    request.closed_at = now
    request.save(update_fields=["status", "closed_at"])
    start_order(
        order,
        user=user,
        actor=Actor.CUSTOMER,
        data={"instant_book": True, "quote": quote.public_id},
    )
    return order


# --- Closing -------------------------------------------------------------------------


def close_hired_request(*, order: Order, now: datetime) -> None:
    """The hired quote's order is paid: every other quote is not chosen and
    every unanswered invitation closed; their providers are told (an effect of
    the quote process's ``pay_instant``, in its transaction)."""
    quote = Quote.objects.filter(order=order).select_related("request").first()
    if quote is None:
        return
    _close_others(
        quote.request, keep=quote, quote_status=Quote.Status.NOT_CHOSEN, now=now
    )
    record_event(
        topic="quote.hired",
        subject=quote.public_id,
        payload={"request": quote.request.public_id},
    )


def _close_others(
    request: JobRequest, *, keep: Quote | None, quote_status: str, now: datetime
) -> None:
    others = Quote.objects.filter(request=request, status=Quote.Status.SENT)
    if keep is not None:
        others = others.exclude(pk=keep.pk)
    told = list(others.values_list("public_id", flat=True))
    others.update(status=quote_status)
    Invitation.objects.filter(request=request, status=Invitation.Status.WAITING).update(
        status=Invitation.Status.CLOSED
    )
    for quote_id in told:
        record_event(
            topic=f"quote.{quote_status}",
            subject=quote_id,
            payload={"request": request.public_id},
        )


def reopen_after_lapse(*, order: Order, now: datetime) -> None:
    """The hired quote's order was not paid in time: the quote may be hired
    again and the request takes quotes again, unless its time is up."""
    quote = Quote.objects.filter(order=order).select_related("request").first()
    if quote is None:
        return
    request = _locked_request(quote.request_id)
    if request.status != JobRequest.Status.HIRED:
        return
    quote.status = Quote.Status.SENT
    quote.order = None
    quote.save(update_fields=["status", "order"])
    if request.expires_at > now:
        request.status = JobRequest.Status.OPEN
        request.closed_at = None
    else:
        request.status = JobRequest.Status.EXPIRED
    request.save(update_fields=["status", "closed_at"])


@transaction.atomic
def cancel_request(
    *, user: User, request_id: str, now: datetime | None = None
) -> JobRequest:
    """The customer no longer needs the job: quotes are not chosen, waiting
    providers are told. Raises 404 ``request_not_found``, 409
    ``request_closed``."""
    now = _now(now)
    request = _customers_request(user, request_id, lock=True)
    if not request.is_open:
        raise _request_closed(request)
    request.status = JobRequest.Status.CANCELLED
    request.closed_at = now
    request.save(update_fields=["status", "closed_at"])
    _close_others(request, keep=None, quote_status=Quote.Status.NOT_CHOSEN, now=now)
    record_event(topic="quote.request_cancelled", subject=request.public_id, payload={})
    return request


def expire_due(*, now: datetime | None = None) -> dict[str, int]:
    """The durable timers of requests for quotes, run by the periodic job
    ``expire_quote_requests``: invitations nobody answered lapse, requests
    past their end expire (with their open quotes), quotes past their
    validity expire, and lead fees of quotes the customer never opened are
    refunded after ``DOORSTEP_QUOTE_LEAD_REFUND_HOURS``."""
    now = _now(now)
    counts = {
        "lapsed": 0,
        "requests_expired": 0,
        "quotes_expired": 0,
        "fees_refunded": 0,
    }
    lapsing = list(
        Invitation.objects.filter(
            status=Invitation.Status.WAITING, respond_by__lte=now
        ).select_related("provider")[:500]
    )
    for invitation in lapsing:
        with transaction.atomic():
            updated = Invitation.objects.filter(
                pk=invitation.pk, status=Invitation.Status.WAITING
            ).update(status=Invitation.Status.LAPSED)
            if updated:
                counts["lapsed"] += 1
                refresh_response_time(invitation.provider, now=now)
    for request in JobRequest.objects.filter(
        status=JobRequest.Status.OPEN, expires_at__lte=now
    )[:500]:
        with transaction.atomic():
            locked = _locked_request(request.pk)
            if not locked.is_open:
                continue
            locked.status = JobRequest.Status.EXPIRED
            locked.closed_at = now
            locked.save(update_fields=["status", "closed_at"])
            _close_others(locked, keep=None, quote_status=Quote.Status.EXPIRED, now=now)
            record_event(
                topic="quote.request_expired", subject=locked.public_id, payload={}
            )
            counts["requests_expired"] += 1
    for quote in Quote.objects.filter(status=Quote.Status.SENT, valid_until__lte=now)[
        :500
    ]:
        with transaction.atomic():
            counts["quotes_expired"] += Quote.objects.filter(
                pk=quote.pk, status=Quote.Status.SENT
            ).update(status=Quote.Status.EXPIRED)
    refund_before = now - timedelta(hours=settings.DOORSTEP_QUOTE_LEAD_REFUND_HOURS)
    for quote in Quote.objects.filter(
        lead_fee=Quote.LeadFee.CHARGED, read_at__isnull=True, sent_at__lte=refund_before
    ).select_related("provider")[:500]:
        with transaction.atomic():
            updated = Quote.objects.filter(
                pk=quote.pk, lead_fee=Quote.LeadFee.CHARGED, read_at__isnull=True
            ).update(lead_fee=Quote.LeadFee.REFUNDED)
            if updated:
                flows.refund_lead_fee(provider=quote.provider, quote_id=quote.public_id)
                record_event(
                    topic="quote.lead_fee_refunded",
                    subject=quote.public_id,
                    payload={
                        "amount": quote.lead_fee_amount,
                        "currency": quote.currency,
                    },
                )
                counts["fees_refunded"] += 1
    return counts


# --- Response time -------------------------------------------------------------------


def response_minutes(provider: ProviderProfile, *, now: datetime) -> list[int]:
    """Minutes the provider took to answer, over ``RESPONSE_WINDOW_DAYS``: each
    invitation quoted or declined, each invitation left to lapse (counted as
    the whole window it had), and each booking request accepted, declined or
    left to expire (from the payment that asked them)."""
    since = now - timedelta(days=RESPONSE_WINDOW_DAYS)
    minutes: list[int] = []
    for sent_at, answered_at, respond_by, status in (
        Invitation.objects.filter(provider=provider, sent_at__gte=since)
        .exclude(status__in=[Invitation.Status.WAITING, Invitation.Status.CLOSED])
        .values_list("sent_at", "answered_at", "respond_by", "status")
    ):
        end = respond_by if status == Invitation.Status.LAPSED else answered_at
        if end is not None:
            minutes.append(max(int((end - sent_at).total_seconds() // 60), 0))
    asked: dict[int, datetime] = {}
    answered: dict[int, datetime] = {}
    for order_id, transition, created_at in OrderEvent.objects.filter(
        order__provider=provider,
        order__mode=BuyingMode.BOOK_PROVIDER,
        created_at__gte=since,
        transition__in=["pay", "accept", "decline", "expire"],
    ).values_list("order_id", "transition", "created_at"):
        if transition == "pay":
            asked[order_id] = created_at
        else:
            answered.setdefault(order_id, created_at)
    for order_id, asked_at in asked.items():
        if order_id in answered:
            seconds = (answered[order_id] - asked_at).total_seconds()
            minutes.append(max(int(seconds // 60), 0))
    return minutes


def refresh_response_time(provider: ProviderProfile, *, now: datetime) -> int | None:
    """Store the provider's median response time (what search and matching
    rank by and the responsiveness badge reads) and reindex their listings
    when it changed."""
    from doorstep.search.indexing import index_provider

    values = response_minutes(provider, now=now)
    median = int(statistics.median(values)) if values else None
    if median != provider.median_response_minutes:
        ProviderProfile.objects.filter(pk=provider.pk).update(
            median_response_minutes=median
        )
        provider.median_response_minutes = median
        transaction.on_commit(lambda: index_provider(provider))
    return median


def refresh_response_times(*, now: datetime | None = None) -> dict[str, int]:
    """Every provider asked anything in the window: their median again (booking
    requests answered since, and answers ageing out of the window, move it
    without a quote being sent). Run daily by ``refresh_response_times``."""
    now = _now(now)
    since = now - timedelta(days=RESPONSE_WINDOW_DAYS + 1)
    asked = set(
        Invitation.objects.filter(sent_at__gte=since).values_list(
            "provider_id", flat=True
        )
    ) | set(
        Order.objects.filter(
            mode=BuyingMode.BOOK_PROVIDER, created_at__gte=since
        ).values_list("provider_id", flat=True)
    )
    asked |= set(
        ProviderProfile.objects.filter(
            median_response_minutes__isnull=False
        ).values_list("pk", flat=True)
    )
    changed = 0
    for provider in ProviderProfile.objects.filter(pk__in=asked - {None}):
        before = provider.median_response_minutes
        with transaction.atomic():
            if refresh_response_time(provider, now=now) != before:
                changed += 1
    return {"providers": len(asked - {None}), "changed": changed}


def lead_fee_of(quote: Quote) -> Money | None:
    if not quote.lead_fee_amount:
        return None
    return Money(quote.lead_fee_amount, quote.currency)
