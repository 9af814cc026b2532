"""The pictures shared links show (og:image, 1200×630 PNG) for a listing, a
provider and a review, drawn by ``growth.sharing.render_preview_png``.

Only what is public has a picture: a draft or paused listing, a suspended
provider, or a review still blind or hidden answer 404, as their pages do.
Each picture is named by its content (ETag) and cached: chat apps and crawlers
fetch it far more often than it changes. ``?lang=`` picks the language (the
page's og:image asks for its own), so one URL always draws one picture.
"""

import html
from typing import IO

from django.conf import settings
from django.core.cache import cache
from django.db.models.fields.files import FieldFile
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils import translation
from django.utils.html import strip_tags
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET

from doorstep.catalog.models import Listing, PricingModel
from doorstep.core.errors import NotFound
from doorstep.growth.sharing import PreviewCard, render_preview_png
from doorstep.marketplace.queries import site_name
from doorstep.reviews import queries as reviews
from doorstep.web.templatetags.doorstep_ui import price_label

MAX_AGE = 60 * 60  # one hour in browsers and shared caches
RENDERED_FOR = 60 * 60 * 24 * 7  # the drawn PNG, by fingerprint


def _found(function, *args):
    try:
        return function(*args)
    except NotFound as error:
        raise Http404 from error


def _language(request: HttpRequest) -> str:
    requested = request.GET.get("lang", "")
    if requested in dict(settings.LANGUAGES):
        return requested
    return translation.get_language() or settings.LANGUAGE_CODE


def _plain_price(listing: Listing) -> str:
    return html.unescape(strip_tags(price_label(listing)))


def _rating_label(mean: float, count: int) -> str:
    reviews_text = ngettext("%(count)d review", "%(count)d reviews", count) % {
        "count": count
    }
    return f"{mean:.1f} · {reviews_text}"


def _open(image: FieldFile | None) -> IO[bytes] | None:
    if not image:
        return None
    try:
        return image.open("rb")
    except (OSError, ValueError):
        return None  # a missing file draws the card without its photo


def picture_response(
    request: HttpRequest, card: PreviewCard, image: FieldFile | None = None
) -> HttpResponse:
    """The drawn picture of ``card`` with its ETag and cache headers (a
    repeat with the same ETag gets 304)."""
    fingerprint = card.fingerprint()
    etag = f'"{fingerprint}"'
    asked = {tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")}
    if etag in asked or f"W/{etag}" in asked:
        response = HttpResponseNotModified()
    else:
        key = f"share-preview:{fingerprint}"
        png = cache.get(key)
        if png is None:
            photo = _open(image)
            try:
                png = render_preview_png(card, photo=photo)
            finally:
                if photo is not None:
                    photo.close()
            cache.set(key, png, RENDERED_FOR)
        response = HttpResponse(png, content_type="image/png")
    response["ETag"] = etag
    response["Cache-Control"] = f"public, max-age={MAX_AGE}"
    return response


@require_GET
def listing_picture(request: HttpRequest, public_id: str) -> HttpResponse:
    listing = _found(reviews.public_listing, public_id)
    with translation.override(_language(request)):
        summary = reviews.listing_summary(listing)
        photo = listing.photos.first()
        card = PreviewCard(
            site_name=site_name(),
            title=listing.title,
            subtitle=" · ".join(
                part for part in (listing.provider.display_name, listing.category.name)
            ),
            rating=summary.mean if summary.count else None,
            rating_count=summary.count,
            rating_label=_rating_label(summary.mean, summary.count),
            price=_plain_price(listing),
            photo_key=photo.image.name if photo else "",
        )
    return picture_response(request, card, photo.image if photo else None)


@require_GET
def provider_picture(request: HttpRequest, public_id: str) -> HttpResponse:
    provider = _found(reviews.public_provider, public_id)
    with translation.override(_language(request)):
        summary = reviews.provider_summary(provider)
        listings = Listing.objects.filter(
            provider=provider, status=Listing.Status.PUBLISHED
        ).select_related("category")
        priced = [
            listing
            for listing in listings
            if listing.price is not None and listing.pricing_model == PricingModel.FIXED
        ]
        cheapest = min(priced, key=lambda listing: listing.price_amount, default=None)
        categories = list(dict.fromkeys(listing.category.name for listing in listings))
        card = PreviewCard(
            site_name=site_name(),
            title=provider.display_name,
            subtitle=" · ".join(categories[:3]),
            rating=summary.mean if summary.count else None,
            rating_count=summary.count,
            rating_label=_rating_label(summary.mean, summary.count),
            price=_plain_price(cheapest) if cheapest else "",
            photo_key=provider.photo.name if provider.photo else "",
        )
    return picture_response(request, card, provider.photo or None)


@require_GET
def review_picture(request: HttpRequest, public_id: str) -> HttpResponse:
    review = _found(reviews.public_review, public_id)
    with translation.override(_language(request)):
        photo = review.photos.first()
        name = review.reviewer_public_name or _("A customer")
        card = PreviewCard(
            site_name=site_name(),
            quote=review.text or "",
            title=_("%(name)s about %(provider)s")
            % {"name": name, "provider": review.provider.display_name},
            subtitle=review.listing.title if review.listing else "",
            rating=float(review.stars),
            rating_count=1,
            photo_key=photo.image.name if photo else "",
        )
    return picture_response(request, card, photo.image if photo else None)
