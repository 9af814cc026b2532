"""The provider's promotion page for one listing: choose the days (or a daily
budget and cost per click) and where it shows, see the price, confirm; below,
what each promotion earned and cost, with pause, resume and cancel, and the
day-by-day export as CSV."""

import secrets

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from doorstep.catalog.dashboard import provider_required
from doorstep.catalog.models import Category
from doorstep.catalog.services import access_own_listing
from doorstep.core.errors import DomainError, NotFound
from doorstep.marketplace.models import City
from doorstep.promotions.models import MAX_DAYS, MIN_DAYS, Promotion
from doorstep.promotions.pricing import promotion_price
from doorstep.promotions.queries import (
    own_promotions_days_csv,
    promotion_reports,
    totals_by_currency,
)
from doorstep.promotions.services import (
    buy_promotion,
    cancel_promotion,
    pause_promotion,
    resume_promotion,
)


def _amount(raw: str | None) -> int:
    """Minor units typed in a form; 0 (refused by the service) if not a number."""
    try:
        return int(raw or "")
    except ValueError:
        return 0


def _days(raw: str | None) -> int | None:
    try:
        days = int(raw or "")
    except ValueError:
        return None
    return days if MIN_DAYS <= days <= MAX_DAYS else None


@provider_required
@require_http_methods(["GET", "POST"])
def promote(request: HttpRequest, listing_id: str) -> HttpResponse:
    try:
        listing = access_own_listing(actor=request.user, listing_id=listing_id)
    except NotFound as error:
        raise Http404(error.message) from error
    error_message = None
    if request.method == "POST":
        try:
            buy_promotion(
                user=request.user,
                listing_id=listing_id,
                days=_days(request.POST.get("days")) or 0,
                request_key=request.POST.get("request_key", ""),
                mode=request.POST.get("mode") or Promotion.Mode.FIXED_DAYS,
                daily_budget=_amount(request.POST.get("daily_budget")),
                cost_per_click=_amount(request.POST.get("cost_per_click")),
                cities=request.POST.getlist("cities"),
                categories=request.POST.getlist("categories"),
            )
        except NotFound as error:
            raise Http404(error.message) from error
        except DomainError as error:
            error_message = error.message
        else:
            messages.success(
                request,
                _("“%(title)s” is promoted. It shows as Promoted in search.")
                % {"title": listing.title},
            )
            return redirect("promotions:promote", listing_id=listing.public_id)
    data = request.POST if request.method == "POST" else request.GET
    days = _days(data.get("days"))
    mode = data.get("mode") or Promotion.Mode.FIXED_DAYS
    quote = (
        promotion_price(listing=listing, days=days)
        if days and mode == Promotion.Mode.FIXED_DAYS
        else None
    )
    reports = promotion_reports(listing)
    return render(
        request,
        "promotions/promote.html",
        {
            "listing": listing,
            "days": days,
            "day_choices": [1, 3, 7, 14, 30],
            "min_days": MIN_DAYS,
            "max_days": MAX_DAYS,
            "day_price": quote[0] if quote else None,
            "total": quote[1] if quote else None,
            # One purchase per confirmation shown: a double submit buys once.
            "request_key": secrets.token_urlsafe(16),
            "error_message": error_message,
            "mode": mode,
            "modes": Promotion.Mode,
            "daily_budget": data.get("daily_budget", ""),
            "cost_per_click": data.get("cost_per_click", ""),
            "chosen_cities": data.getlist("cities"),
            "chosen_categories": data.getlist("categories"),
            "cities": City.objects.filter(is_active=True),
            "categories": Category.objects.filter(parent__isnull=True),
            "reports": reports,
            "totals": totals_by_currency(reports),
        },
    )


_ACTIONS = {
    "pause": (pause_promotion, gettext_lazy("The promotion is paused.")),
    "resume": (resume_promotion, gettext_lazy("The promotion is running again.")),
    "cancel": (cancel_promotion, gettext_lazy("The promotion is cancelled.")),
}


@provider_required
@require_http_methods(["POST"])
def change_promotion(
    request: HttpRequest, promotion_id: str, action: str
) -> HttpResponse:
    """Pause, resume or cancel one of the provider's promotions."""
    if action not in _ACTIONS:
        raise Http404
    service, done = _ACTIONS[action]
    try:
        promotion = service(user=request.user, promotion_id=promotion_id)
    except NotFound as error:
        raise Http404(error.message) from error
    except DomainError as error:
        messages.error(request, error.message)
        listing_id = (
            Promotion.objects.filter(public_id=promotion_id)
            .values_list("listing__public_id", flat=True)
            .get()
        )
        return redirect("promotions:promote", listing_id=listing_id)
    messages.success(request, str(done))
    return redirect("promotions:promote", listing_id=promotion.listing.public_id)


@provider_required
@require_http_methods(["GET"])
def report_csv(request: HttpRequest, listing_id: str) -> HttpResponse:
    """The listing's promotions day by day, as a CSV file."""
    try:
        listing = access_own_listing(actor=request.user, listing_id=listing_id)
    except NotFound as error:
        raise Http404(error.message) from error
    response = HttpResponse(
        own_promotions_days_csv(listing), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="promotions-{listing.public_id}.csv"'
    )
    return response
