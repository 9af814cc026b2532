"""The catalogue API: a provider's own listings (``/me/listings``) with their
add-ons and photos, and one listing as customers see it (``/listings/{id}``).

Handlers parse, call one service, shape output. Someone else's listing answers
404 exactly like a listing that does not exist.
"""

from typing import Annotated

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Path, Router
from ninja.files import UploadedFile
from ninja.pagination import paginate

from doorstep.accounts.models import User
from doorstep.api.auth import signed_in
from doorstep.api.pagination import CursorPagination
from doorstep.catalog import services
from doorstep.catalog.models import Listing, ListingAddOn, ListingPhoto
from doorstep.catalog.schemas import (
    AddOnIn,
    AddOnOut,
    AddOnPatchIn,
    ListingIn,
    ListingOut,
    ListingPatchIn,
    ListingStatus,
    PhotoOrderIn,
    PhotoOut,
    PublicListingOut,
)
from doorstep.core.errors import NotFound, raises

router = Router(tags=["catalogue"])

# Photo ids start with "pho_", so ``…/photos/order`` (which only takes PUT) is
# never read as the id of a photo to remove.
PhotoId = Annotated[
    str, Path(pattern=r"^pho_[A-Za-z0-9]+$", description="A photo's id, pho_…")
]


def _caller(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined,return-value]


def _anyone(request: HttpRequest) -> AnonymousUser:
    """Lets a request without credentials through, after the real schemes had
    their chance (so an owner signed in either way is recognised)."""
    return AnonymousUser()


def _listings() -> QuerySet[Listing]:
    return Listing.objects.select_related("category", "provider").prefetch_related(
        "add_ons", "photos"
    )


def _full(listing: Listing) -> Listing:
    """The listing re-read with what the output shows, after a service changed it."""
    return _listings().get(pk=listing.pk)


# --- The caller's listings ----------------------------------------------------------


@router.get(
    "/me/listings",
    response=list[ListingOut],
    summary="Your services",
    description="Every listing of your provider profile, newest first.",
)
@paginate(CursorPagination)
def list_my_listings(
    request: HttpRequest, status: ListingStatus | None = None
) -> QuerySet[Listing]:
    listings = _listings().not_archived().filter(provider__user=_caller(request))
    if status is not None:
        listings = listings.filter(status=status)
    return listings


@router.post(
    "/me/listings",
    response={201: ListingOut},
    summary="Add a service",
    description="Creates a draft; publish it with `POST /me/listings/{id}/publish`.",
)
@raises(ListingIn.service_arguments)  # called on the body, which the reader cannot see
def create_listing(request: HttpRequest, payload: ListingIn) -> Listing:
    listing = services.create_listing(
        provider=services.provider_of(_caller(request)), **payload.service_arguments()
    )
    return _full(listing)


@router.get("/me/listings/{listing_id}", response=ListingOut, summary="One service")
def get_my_listing(request: HttpRequest, listing_id: str) -> Listing:
    listing = services.access_own_listing(actor=_caller(request), listing_id=listing_id)
    return _full(listing)


@router.patch(
    "/me/listings/{listing_id}", response=ListingOut, summary="Change a service"
)
@raises(ListingPatchIn.service_arguments)
def update_listing(
    request: HttpRequest, listing_id: str, payload: ListingPatchIn
) -> Listing:
    listing = services.update_listing(
        actor=_caller(request), listing_id=listing_id, **payload.service_arguments()
    )
    return _full(listing)


@router.delete(
    "/me/listings/{listing_id}",
    response={204: None},
    summary="Delete a draft or paused service",
)
def delete_listing(request: HttpRequest, listing_id: str) -> None:
    services.delete_listing(actor=_caller(request), listing_id=listing_id)


@router.post(
    "/me/listings/{listing_id}/publish",
    response=ListingOut,
    summary="Publish a service",
    description="Answers 422 `cannot_publish` with the reasons by field.",
)
def publish_listing(request: HttpRequest, listing_id: str) -> Listing:
    listing = services.publish_listing(actor=_caller(request), listing_id=listing_id)
    return _full(listing)


@router.post(
    "/me/listings/{listing_id}/pause",
    response=ListingOut,
    summary="Pause a published service",
)
def pause_listing(request: HttpRequest, listing_id: str) -> Listing:
    listing = services.pause_listing(actor=_caller(request), listing_id=listing_id)
    return _full(listing)


@router.post(
    "/me/listings/{listing_id}/unpublish",
    response=ListingOut,
    summary="Send a service back to draft",
)
def unpublish_listing(request: HttpRequest, listing_id: str) -> Listing:
    listing = services.unpublish_listing(actor=_caller(request), listing_id=listing_id)
    return _full(listing)


# --- Add-ons ------------------------------------------------------------------------


@router.post(
    "/me/listings/{listing_id}/add-ons",
    response={201: AddOnOut},
    summary="Add an optional extra to a service",
)
def add_add_on(request: HttpRequest, listing_id: str, payload: AddOnIn) -> ListingAddOn:
    return services.add_listing_add_on(
        actor=_caller(request),
        listing_id=listing_id,
        name=payload.name,
        price_amount=payload.price.amount,
        currency=payload.price.currency,
        extra_minutes=payload.extra_minutes,
    )


@router.patch(
    "/me/listings/{listing_id}/add-ons/{add_on_id}",
    response=AddOnOut,
    summary="Change an add-on",
)
def update_add_on(
    request: HttpRequest, listing_id: str, add_on_id: str, payload: AddOnPatchIn
) -> ListingAddOn:
    return services.update_listing_add_on(
        actor=_caller(request),
        listing_id=listing_id,
        add_on_id=add_on_id,
        **payload.service_arguments(),
    )


@router.delete(
    "/me/listings/{listing_id}/add-ons/{add_on_id}",
    response={204: None},
    summary="Remove an add-on",
)
def remove_add_on(request: HttpRequest, listing_id: str, add_on_id: str) -> None:
    services.remove_listing_add_on(
        actor=_caller(request), listing_id=listing_id, add_on_id=add_on_id
    )


# --- Photos -------------------------------------------------------------------------


@router.post(
    "/me/listings/{listing_id}/photos",
    response={201: PhotoOut},
    summary="Upload a photo of a service",
    description=(
        "`multipart/form-data` with the file in `photo` (JPEG, PNG or WebP, at most "
        "8 MB and 40 megapixels) and an optional `alt_text`. The photo is stored "
        "re-encoded without metadata, at most 1600 px on its long side, with a "
        "400 px thumbnail. At most 10 photos per service."
    ),
)
def add_photo(
    request: HttpRequest,
    listing_id: str,
    photo: File[UploadedFile],
    alt_text: Form[str] = "",
) -> ListingPhoto:
    return services.add_listing_photo(
        actor=_caller(request), listing_id=listing_id, upload=photo, alt_text=alt_text
    )


@router.put(
    "/me/listings/{listing_id}/photos/order",
    response=list[PhotoOut],
    summary="Reorder the photos of a service",
)
def reorder_photos(
    request: HttpRequest, listing_id: str, payload: PhotoOrderIn
) -> list[ListingPhoto]:
    return services.reorder_listing_photos(
        actor=_caller(request), listing_id=listing_id, photo_ids=payload.ids
    )


@router.delete(
    "/me/listings/{listing_id}/photos/{photo_id}",
    response={204: None},
    summary="Remove a photo",
)
def remove_photo(request: HttpRequest, listing_id: str, photo_id: PhotoId) -> None:
    services.remove_listing_photo(
        actor=_caller(request), listing_id=listing_id, photo_id=photo_id
    )


# --- Public -------------------------------------------------------------------------


@router.get(
    "/listings/{listing_id}",
    response=PublicListingOut,
    auth=[*signed_in, _anyone],
    summary="A service, as customers see it",
    description=(
        "Published services only; the owner also sees their own drafts and "
        "paused services here."
    ),
)
def get_listing(request: HttpRequest, listing_id: str) -> Listing:
    viewer = request.auth  # type: ignore[attr-defined]
    listing = _listings().filter(public_id=listing_id).first()
    visible = listing is not None and (
        (listing.is_published and listing.provider.is_active)
        or (viewer.is_authenticated and listing.provider.user_id == viewer.pk)
    )
    if not visible:
        raise NotFound("listing_not_found", _("No such listing."))
    return listing
