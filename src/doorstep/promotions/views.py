"""The provider's promotion page for one listing: choose the days, see the
price, confirm; below, what each promotion earned."""

import secrets

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from doorstep.catalog.dashboard import provider_required
from doorstep.catalog.services import access_own_listing
from doorstep.core.errors import DomainError, NotFound
from doorstep.promotions.models import MAX_DAYS, MIN_DAYS
from doorstep.promotions.pricing import promotion_price
from doorstep.promotions.queries import promotion_reports
from doorstep.promotions.services import buy_promotion


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
    days = _days(request.GET.get("days") or request.POST.get("days"))
    quote = promotion_price(listing=listing, days=days) if days else None
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
            "reports": promotion_reports(listing),
        },
    )
