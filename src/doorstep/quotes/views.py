"""Request-for-quotes pages. The customer: post a job, their requests, one
request with its quotes side by side (counter, message, hire, cancel). The
provider: their leads, one lead (quote, decline, revise, withdraw). The job's
photos, to the customer, the invited providers and ops only.

Thin: parse a form, call one ``quotes.services`` function, render or redirect;
a refusal shows its message beside the field it names. Anyone else's request,
lead or quote is "not found".
"""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from doorstep.api.auth import session_or_token
from doorstep.backoffice.access import can_use_back_office
from doorstep.catalog.models import Category, Listing
from doorstep.core.errors import DomainError, NotFound
from doorstep.core.storage import private_file_response
from doorstep.marketplace.queries import cities, city_near
from doorstep.messaging.services import start_inquiry
from doorstep.quotes import queries, services
from doorstep.quotes.forms import (
    FIELD_OF_CODE,
    CounterForm,
    DeclineForm,
    HireForm,
    QuoteForm,
    RequestForm,
    ReviseForm,
    add_domain_error,
)
from doorstep.quotes.matching import free_start_times
from doorstep.quotes.models import Invitation, JobRequest, Quote


def _beside_field(form, error: DomainError) -> bool:
    """Put a refusal about the input beside its field; a refusal about the
    state of things (closed, already answered) is not the form's: ``False``."""
    if not error.fields and error.code not in FIELD_OF_CODE:
        return False
    add_domain_error(form, error)
    return True


# --- Posting a job -------------------------------------------------------------------


def _asked_listing(request: HttpRequest) -> Listing | None:
    """The on-quote listing the job is asked of (``?listing=``), if any."""
    listing_id = request.GET.get("listing") or ""
    if not listing_id:
        return None
    listing = (
        Listing.objects.not_archived()
        .select_related("provider", "category")
        .filter(public_id=listing_id, status=Listing.Status.PUBLISHED)
        .first()
    )
    if listing is None:
        raise Http404
    return listing


def _new_request_page(
    request: HttpRequest,
    form: RequestForm,
    *,
    listing: Listing | None,
    centre: tuple[float, float],
    status: int = 200,
) -> HttpResponse:
    context = {
        "form": form,
        "listing": listing,
        "addresses": form.addresses,
        "area_latitude": centre[0],
        "area_longitude": centre[1],
        "map_tile_url": settings.DOORSTEP_MAP_TILE_URL,
        "map_attribution": settings.DOORSTEP_MAP_ATTRIBUTION,
    }
    return render(request, "quotes/new_request.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def new_request(request: HttpRequest) -> HttpResponse:
    """Describe a job, place it on the map, say when: it goes to the best
    matching providers (or to the one whose service it was asked from)."""
    listing = _asked_listing(request)
    served = cities()
    if listing is not None:
        category = listing.category
        centre = (listing.latitude, listing.longitude)
    else:
        slug = request.POST.get("category") or request.GET.get("category") or ""
        category = Category.objects.filter(slug=slug, is_active=True).first()
        centre = (served[0].latitude, served[0].longitude) if served else (0.0, 0.0)
    options = {
        "user": request.user,
        "centre": centre,
        "categories": Category.objects.filter(is_active=True),
        "category": category,
        "questions": services.questions_for(category) if category else [],
        "fixed_category": listing is not None,
    }
    page = {"listing": listing, "centre": centre}
    if request.method == "GET":
        return _new_request_page(request, RequestForm(**options), **page)
    form = RequestForm(request.POST, request.FILES, **options)
    if not form.is_valid():
        return _new_request_page(request, form, status=400, **page)
    data = form.cleaned_data
    # The budget is read in the currency of the city the pin is in; a pin in
    # no served city is refused by the service whatever the budget.
    city = city_near(data["latitude"], data["longitude"]) or (
        served[0] if served else None
    )
    currency = city.currency if city else settings.DOORSTEP_CURRENCY
    arguments = form.service_arguments(currency=currency)
    if form.errors:
        return _new_request_page(request, form, status=400, **page)
    try:
        job = services.post_request(
            customer=request.user,
            listing_id=listing.public_id if listing else "",
            **arguments,
        )
    except DomainError as error:
        form.add_service_error(error)
        return _new_request_page(request, form, status=error.status, **page)
    messages.success(
        request,
        _("Your job was sent to providers. Their quotes will appear here."),
    )
    return redirect(job)


# --- The customer's requests ---------------------------------------------------------


@login_required
@require_GET
def my_requests(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "quotes/my_requests.html",
        {"jobs": queries.customer_requests(request.user)},
    )


def _customers_request(request: HttpRequest, request_id: str) -> JobRequest:
    try:
        return queries.customers_request(request.user, request_id)
    except NotFound as error:
        raise Http404 from error


def _quote_on(job: JobRequest, quote_id: str) -> Quote:
    quote = (
        Quote.objects.filter(request=job, public_id=quote_id)
        .exclude(status=Quote.Status.WITHDRAWN)
        .select_related("listing", "provider")
        .first()
    )
    if quote is None:
        raise Http404
    return quote


def _offered_times(quote: Quote, zone: ZoneInfo, now: datetime) -> list[datetime]:
    times = (datetime.fromisoformat(value) for value in quote.start_times)
    return [instant.astimezone(zone) for instant in times if instant > now]


def _counter_form(quote: Quote, data=None) -> CounterForm:
    return CounterForm(
        data, prefix=f"counter-{quote.public_id}", currency=quote.currency
    )


def _hire_form(quote: Quote, zone: ZoneInfo, now: datetime, data=None) -> HireForm:
    return HireForm(
        data,
        prefix=f"hire-{quote.public_id}",
        start_times=_offered_times(quote, zone, now),
        zone=zone,
    )


def _render_request(
    request: HttpRequest,
    job: JobRequest,
    *,
    bound: dict[str, dict] | None = None,
    status: int = 200,
) -> HttpResponse:
    now = timezone.now()
    zone = ZoneInfo(job.time_zone)
    items = []
    for card in queries.quote_cards(job, now=now):
        quote = card.quote
        forms_of = (bound or {}).get(quote.public_id, {})
        may_act = (
            job.is_open
            and quote.status == Quote.Status.SENT
            and now < quote.valid_until
        )
        items.append(
            {
                "card": card,
                "quote": quote,
                "may_act": may_act,
                "may_counter": may_act and quote.countered_at is None,
                "counter_form": forms_of.get("counter") or _counter_form(quote),
                "hire_form": forms_of.get("hire") or _hire_form(quote, zone, now),
            }
        )
    invitations = list(job.invitations.all())
    context = {
        "job": job,
        "photos": list(job.photos.all()),
        "answers": queries.answers_of(job),
        "items": items,
        "invited_count": len(invitations),
        "waiting_count": sum(
            invitation.status == Invitation.Status.WAITING for invitation in invitations
        ),
    }
    return render(request, "quotes/request.html", context, status=status)


@login_required
@require_GET
def request_page(request: HttpRequest, request_id: str) -> HttpResponse:
    job = _customers_request(request, request_id)
    services.mark_quotes_read(user=request.user, request_id=job.public_id)
    return _render_request(request, job)


@login_required
@require_POST
def counter(request: HttpRequest, request_id: str, quote_id: str) -> HttpResponse:
    job = _customers_request(request, request_id)
    quote = _quote_on(job, quote_id)
    form = _counter_form(quote, request.POST)
    if form.is_valid():
        amount = form.minor()
        if not form.errors:
            try:
                services.counter_quote(
                    user=request.user,
                    quote_id=quote.public_id,
                    amount=amount,
                    message=form.cleaned_data["message"],
                )
            except DomainError as error:
                if not _beside_field(form, error):
                    messages.error(request, error.message)
                    return redirect(job)
            else:
                messages.success(request, _("Your counter-offer was sent."))
                return redirect(job)
    return _render_request(
        request, job, bound={quote.public_id: {"counter": form}}, status=400
    )


@login_required
@require_POST
def hire(request: HttpRequest, request_id: str, quote_id: str) -> HttpResponse:
    """Hire at one of the offered times, then pay on the gateway's page as
    after any booking."""
    job = _customers_request(request, request_id)
    quote = _quote_on(job, quote_id)
    form = _hire_form(quote, ZoneInfo(job.time_zone), timezone.now(), request.POST)
    if form.is_valid():
        try:
            order = services.hire(
                user=request.user,
                quote_id=quote.public_id,
                starts_at=form.chosen_start(),
                notes=form.cleaned_data["notes"],
            )
        except DomainError as error:
            if not _beside_field(form, error):
                messages.error(request, error.message)
                return redirect(job)
        else:
            # The time is held; the card is typed on the gateway's page, not ours.
            return redirect("orders:pay", order_id=order.public_id)
    return _render_request(
        request, job, bound={quote.public_id: {"hire": form}}, status=400
    )


@login_required
@require_POST
def message_provider(
    request: HttpRequest, request_id: str, quote_id: str
) -> HttpResponse:
    """The conversation with the quote's provider (contact details masked
    until they are hired)."""
    job = _customers_request(request, request_id)
    quote = _quote_on(job, quote_id)
    try:
        conversation = start_inquiry(
            customer=request.user, listing_id=quote.listing.public_id
        )
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(job)
    return redirect(conversation)


@login_required
@require_POST
def cancel(request: HttpRequest, request_id: str) -> HttpResponse:
    job = _customers_request(request, request_id)
    try:
        services.cancel_request(user=request.user, request_id=job.public_id)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Your request is cancelled."))
    return redirect(job)


# --- The provider's leads ------------------------------------------------------------


@login_required
@require_GET
def leads(request: HttpRequest) -> HttpResponse:
    """Requests sent to the provider: those waiting for an answer first,
    soonest to lapse first; then the rest, newest first."""
    now = timezone.now()
    invitations = list(queries.provider_invitations(request.user))
    waiting = sorted(
        (
            invitation
            for invitation in invitations
            if invitation.status == Invitation.Status.WAITING
            and invitation.request.is_open
            and invitation.respond_by > now
        ),
        key=lambda invitation: invitation.respond_by,
    )
    rest = [invitation for invitation in invitations if invitation not in waiting]
    return render(
        request,
        "quotes/leads.html",
        {"waiting": waiting, "rest": rest, "now": now},
    )


def _providers_invitation(request: HttpRequest, invitation_id: str) -> Invitation:
    try:
        return queries.providers_invitation(request.user, invitation_id)
    except NotFound as error:
        raise Http404 from error


def _free_times(invitation: Invitation) -> list[datetime]:
    job = invitation.request
    return free_start_times(
        invitation.listing,
        wanted_from=job.wanted_from,
        wanted_until=job.wanted_until,
        times_of_day=job.times_of_day,
        zone=ZoneInfo(job.time_zone),
    )


def _may_quote(invitation: Invitation, now: datetime) -> bool:
    return (
        invitation.status == Invitation.Status.WAITING
        and invitation.request.is_open
        and now < invitation.respond_by
    )


def _may_change(quote: Quote | None, job: JobRequest, now: datetime) -> bool:
    return bool(
        quote is not None
        and quote.status == Quote.Status.SENT
        and job.is_open
        and now < quote.valid_until
    )


def _quote_form(invitation: Invitation, data=None) -> QuoteForm:
    job = invitation.request
    return QuoteForm(
        data,
        currency=job.currency,
        free_times=_free_times(invitation),
        zone=ZoneInfo(job.time_zone),
    )


def _revise_form(invitation: Invitation, quote: Quote, data=None) -> ReviseForm:
    return ReviseForm(
        data,
        quote=quote,
        free_times=_free_times(invitation),
        zone=ZoneInfo(invitation.request.time_zone),
    )


def _render_invitation(
    request: HttpRequest,
    invitation: Invitation,
    *,
    quote_form: QuoteForm | None = None,
    decline_form: DeclineForm | None = None,
    revise_form: ReviseForm | None = None,
    status: int = 200,
) -> HttpResponse:
    now = timezone.now()
    job = invitation.request
    zone = ZoneInfo(job.time_zone)
    quote = queries.quote_of(invitation)
    may_quote = quote is None and _may_quote(invitation, now)
    may_change = _may_change(quote, job, now)
    may_revise = may_change and quote.revised_at is None
    context = {
        "invitation": invitation,
        "job": job,
        "photos": list(job.photos.all()),
        "answers": queries.answers_of(job),
        "quote": quote,
        "offered": _offered_times(quote, zone, now) if quote else [],
        "may_quote": may_quote,
        "may_revise": may_revise,
        "may_withdraw": may_change,
        "quote_form": (quote_form or _quote_form(invitation)) if may_quote else None,
        "decline_form": decline_form or DeclineForm(),
        "revise_form": (revise_form or _revise_form(invitation, quote))
        if may_revise
        else None,
    }
    return render(request, "quotes/invitation.html", context, status=status)


@login_required
@require_GET
def invitation_page(request: HttpRequest, invitation_id: str) -> HttpResponse:
    invitation = _providers_invitation(request, invitation_id)
    services.mark_invitation_seen(user=request.user, invitation_id=invitation.public_id)
    return _render_invitation(request, invitation)


@login_required
@require_POST
def send_quote(request: HttpRequest, invitation_id: str) -> HttpResponse:
    invitation = _providers_invitation(request, invitation_id)
    form = _quote_form(invitation, request.POST)
    if form.is_valid():
        arguments = form.service_arguments()
        if not form.errors:
            try:
                services.send_quote(
                    user=request.user,
                    invitation_id=invitation.public_id,
                    **arguments,
                )
            except DomainError as error:
                if not _beside_field(form, error):
                    messages.error(request, error.message)
                    return redirect("quotes:invitation", invitation.public_id)
            else:
                messages.success(request, _("Your quote was sent to the customer."))
                return redirect("quotes:invitation", invitation.public_id)
    return _render_invitation(request, invitation, quote_form=form, status=400)


@login_required
@require_POST
def decline(request: HttpRequest, invitation_id: str) -> HttpResponse:
    invitation = _providers_invitation(request, invitation_id)
    form = DeclineForm(request.POST)
    if form.is_valid():
        try:
            services.decline_invitation(
                user=request.user,
                invitation_id=invitation.public_id,
                reason=form.cleaned_data["reason"],
            )
        except DomainError as error:
            if not _beside_field(form, error):
                messages.error(request, error.message)
                return redirect("quotes:invitation", invitation.public_id)
        else:
            messages.success(
                request, _("Declined: the customer will not wait for you.")
            )
            return redirect("quotes:leads")
    return _render_invitation(request, invitation, decline_form=form, status=400)


def _invitations_quote(invitation: Invitation) -> Quote:
    quote = queries.quote_of(invitation)
    if quote is None:
        raise Http404
    return quote


@login_required
@require_POST
def revise(request: HttpRequest, invitation_id: str) -> HttpResponse:
    invitation = _providers_invitation(request, invitation_id)
    quote = _invitations_quote(invitation)
    form = _revise_form(invitation, quote, request.POST)
    if form.is_valid():
        arguments = form.service_arguments()
        if not form.errors:
            try:
                services.revise_quote(
                    user=request.user, quote_id=quote.public_id, **arguments
                )
            except DomainError as error:
                if not _beside_field(form, error):
                    messages.error(request, error.message)
                    return redirect("quotes:invitation", invitation.public_id)
            else:
                messages.success(request, _("Your revised quote was sent."))
                return redirect("quotes:invitation", invitation.public_id)
    return _render_invitation(request, invitation, revise_form=form, status=400)


@login_required
@require_POST
def withdraw(request: HttpRequest, invitation_id: str) -> HttpResponse:
    invitation = _providers_invitation(request, invitation_id)
    quote = _invitations_quote(invitation)
    try:
        services.withdraw_quote(user=request.user, quote_id=quote.public_id)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Your quote is withdrawn."))
    return redirect("quotes:invitation", invitation.public_id)


# --- Photos --------------------------------------------------------------------------


@require_GET  # before the token is read: a POST is refused, never authenticated
@session_or_token
def photo(request: HttpRequest, request_id: str, photo_id: str) -> HttpResponse:
    """A photo of the job (``?thumb=1``: its thumbnail), to the customer, the
    providers it was sent to and ops in the back office; never cached."""
    try:
        found = queries.request_photo(request.user, photo_id)
    except NotFound as error:
        raise Http404 from error
    job = found.request
    if job.public_id != request_id:
        raise Http404
    user = request.user
    party = (
        job.customer_id == user.pk
        or job.invitations.filter(provider__user=user).exists()
    )
    if not party and not can_use_back_office(request):
        raise Http404
    image = found.thumbnail if request.GET.get("thumb") else found.image
    return private_file_response(
        image,
        filename=f"{found.public_id}.webp",
        content_type="image/webp",
        as_attachment=False,
    )
