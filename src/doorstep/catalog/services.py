"""Every write to the catalogue: a provider's listings, their add-ons and photos.

One function per business action, each in a transaction, each taking the acting
user. A listing that the actor does not own is reported as not found (never as
forbidden), so that nobody can learn which listing ids exist. Ops change other
people's listings through the back office, not through these functions.

After every change the listing's search document is rewritten through
``doorstep.search.indexing`` inside the same transaction, so search is never stale
past a commit.
"""

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.accounts.models import ProviderProfile, User
from doorstep.catalog import photos
from doorstep.catalog.gates import registered_publish_problems
from doorstep.catalog.models import (
    Category,
    Listing,
    ListingAddOn,
    ListingPhoto,
    PricingModel,
)
from doorstep.core.errors import Conflict, DomainError, NotFound
from doorstep.core.geo import MAX_RADIUS_KM
from doorstep.core.money import known_currencies
from doorstep.search.indexing import index_listing, remove_listing
from doorstep.subscriptions.perks import perks_of

# Minor units. Far above any home service in any currency we trade in (ten million
# yuan, dollars or, in yen, a hundred thousand dollars' worth), and far below the
# column's limit, so a typo of three extra zeros is caught rather than stored.
MAX_PRICE_AMOUNT = 1_000_000_000
MAX_ADD_ONS_PER_LISTING = 20
MAX_DESCRIPTION_LENGTH = 5000
MIN_RADIUS_KM = Decimal("0.5")

# What a provider may change on a listing. Status, reputation, promotion and the
# H3 cell are not here: they change through their own actions.
LISTING_FIELDS = frozenset(
    {
        "title",
        "description",
        "category",
        "pricing_model",
        "price_amount",
        "currency",
        "min_hours",
        "duration_minutes",
        "languages",
        "latitude",
        "longitude",
        "service_radius_km",
        "instant_book",
        "response_window_hours",
        "offers_pay_after_service",
        "offers_cash",
    }
)
ADD_ON_FIELDS = frozenset({"name", "price_amount", "extra_minutes", "position"})

# Errors name the concept clients send ("price"), not the column ("price_amount").
_ERROR_FIELD = {"price_amount": "price"}


# --- Errors -------------------------------------------------------------------------


# Problems no request schema can rule out: which categories are offered is data.
# Well-formed input that has only these is a 422; any other field's problem is
# bad input, a 400.
RULE_FIELDS = frozenset({"category"})


def _invalid(fields: dict[str, list[str]]) -> DomainError:
    if fields and fields.keys() <= RULE_FIELDS:
        return _rule_broken(fields)
    return DomainError(
        "invalid_input", _("Some fields are not valid."), status=400, fields=fields
    )


def _rule_broken(fields: dict[str, list[str]]) -> DomainError:
    return DomainError(
        "invalid_listing",
        _("This service breaks a catalogue rule; see the fields."),
        fields=fields,
    )


def _unknown_fields(unknown: Iterable[str]) -> DomainError:
    return DomainError(
        "unknown_field",
        _("These fields cannot be changed."),
        status=400,
        fields={field: [_("Unknown field.")] for field in sorted(unknown)},
    )


def _listing_not_found() -> NotFound:
    return NotFound("listing_not_found", _("No such listing."))


def _add(errors: dict[str, list[str]], field: str, message: str) -> None:
    errors.setdefault(_ERROR_FIELD.get(field, field), []).append(message)


def _fields_in(errors: dict[str, list[str]]) -> list[str]:
    """The model fields that already have an error (not to be checked twice)."""
    columns = {name: column for column, name in _ERROR_FIELD.items()}
    return [columns.get(name, name) for name in errors]


# --- Access: fetching with the ownership check ------------------------------------


def provider_of(user: User) -> ProviderProfile:
    """The user's provider profile; ``NotFound`` (``not_a_provider``) if none."""
    profile = ProviderProfile.objects.filter(user_id=user.pk).first()
    if profile is None:
        raise NotFound("not_a_provider", _("You are not a provider yet."))
    return profile


def access_own_listing(*, actor: User, listing_id: str) -> Listing:
    """The listing with this public id if ``actor`` owns it, for reading.

    Raises ``NotFound`` both when it does not exist and when it is someone
    else's: the answer must not tell the two apart.
    """
    listing = (
        Listing.objects.not_archived()
        .select_related("provider", "category")
        .filter(public_id=listing_id, provider__user_id=actor.pk)
        .first()
    )
    if listing is None:
        raise _listing_not_found()
    return listing


def lock_own_listing(actor: User, listing_id: str) -> Listing:
    """Like ``access_own_listing``, with the listing row locked until commit.

    Every change to a listing, its add-ons or its photos takes this lock first, so
    two requests cannot both pass a limit (ten photos) or a guard (publish while
    someone deletes). ``of=("self",)`` keeps PostgreSQL from also locking the
    provider and user rows the ownership check joins.
    """
    if not isinstance(listing_id, str):
        raise _listing_not_found()
    listing = (
        Listing.objects.not_archived()
        .select_for_update(of=("self",))
        .select_related("provider", "category")
        .filter(public_id=listing_id, provider__user_id=actor.pk)
        .first()
    )
    if listing is None:
        raise _listing_not_found()
    return listing


# --- Validation ---------------------------------------------------------------------


def _resolve_category(value: Category | str | None) -> Category | None:
    """A category from an instance, a public id (``cat_…``) or a slug."""
    if isinstance(value, Category):
        return value
    if not isinstance(value, str) or not value.strip():
        return None
    value = value.strip()
    lookup = {"public_id": value} if value.startswith("cat_") else {"slug": value}
    return Category.objects.select_related("parent").filter(**lookup).first()


def _category_problem(category: Category | None) -> str | None:
    """Why a listing cannot sit in ``category``, or ``None`` if it can.

    Listings go in leaves (Deep cleaning, not Home cleaning): customers filter by
    the specific service, and each leaf carries its own standard and warranty.
    """
    if category is None:
        return _("Choose a category from the list.")
    parent = category.parent if category.parent_id else None
    if not category.is_active or (parent is not None and not parent.is_active):
        return _("This category is no longer offered. Choose another one.")
    if Category.objects.filter(parent=category, is_active=True).exists():
        return _("Choose a more specific category within “%(name)s”.") % {
            "name": category.name
        }
    return None


def _known_languages() -> set[str]:
    return {code for code, _name in settings.LANGUAGES}


def _clean_languages(value: object, errors: dict[str, list[str]]) -> list[str]:
    if not isinstance(value, list | tuple):
        _add(errors, "languages", _("Choose languages from the list."))
        return []
    known = _known_languages()
    cleaned: list[str] = []
    for code in value:
        if code not in known:
            _add(
                errors,
                "languages",
                _("Choose from: %(choices)s.") % {"choices": ", ".join(sorted(known))},
            )
            return []
        if code not in cleaned:
            cleaned.append(code)
    return cleaned


def _clean_price(value: object, errors: dict[str, list[str]]) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        _add(errors, "price_amount", _("Enter the price as a whole number of cents."))
        return None
    if value < 0:
        _add(errors, "price_amount", _("A price cannot be negative."))
    elif value > MAX_PRICE_AMOUNT:
        _add(errors, "price_amount", _("That price is too large."))
    return value


def _clean_radius(value: object, errors: dict[str, list[str]]) -> Decimal | None:
    try:
        radius = Decimal(str(value))
    except (InvalidOperation, ValueError):
        _add(errors, "service_radius_km", _("Enter a number of kilometres."))
        return None
    if not radius.is_finite() or not (MIN_RADIUS_KM <= radius <= int(MAX_RADIUS_KM)):
        _add(
            errors,
            "service_radius_km",
            _("Enter a radius between %(low)s and %(high)s km.")
            % {"low": MIN_RADIUS_KM, "high": int(MAX_RADIUS_KM)},
        )
        return None
    return radius.quantize(Decimal("0.1"))


def _check_listing(listing: Listing, errors: dict[str, list[str]]) -> None:
    """Validate a listing about to be saved; raise every problem at once.

    ``errors`` may already hold problems found while parsing the input.
    """
    listing.title = (listing.title or "").strip()
    listing.description = (listing.description or "").strip()
    if not listing.title:
        _add(errors, "title", _("Give your service a title."))
    # A TextField's max_length is not checked by full_clean.
    if len(listing.description) > MAX_DESCRIPTION_LENGTH:
        _add(
            errors,
            "description",
            _("Enter at most %(max_length)s characters.")
            % {"max_length": MAX_DESCRIPTION_LENGTH},
        )
    if listing.currency not in known_currencies():
        _add(errors, "currency", _("Enter a currency code such as CNY, TWD or USD."))
    if listing.pricing_model not in PricingModel.values:
        _add(errors, "pricing_model", _("Choose fixed price, hourly rate or on quote."))
    elif listing.pricing_model == PricingModel.QUOTE:
        # A quoted job has no list price; switching to "on quote" clears it.
        listing.price_amount = None
    elif listing.price_amount is None:
        _add(errors, "price_amount", _("Enter a price, or choose “on quote”."))
    for axis in ("latitude", "longitude"):
        value = getattr(listing, axis)
        if not isinstance(value, int | float) or not math.isfinite(value):
            _add(errors, axis, _("Enter a number."))
    try:
        # Lengths and the numeric ranges declared on the model (duration 15–1440
        # minutes, minimum hours 1–24, …). Constraints are checked above, with
        # messages a provider can act on.
        listing.full_clean(
            exclude=["provider", "category", "h3_cell", *_fields_in(errors)],
            validate_unique=False,
            validate_constraints=False,
        )
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            for message in messages:
                _add(errors, field, message)
    if errors:
        raise _invalid(errors)


def _apply_category(
    listing: Listing, value: Category | str | None, errors: dict[str, list[str]]
) -> None:
    category = _resolve_category(value)
    problem = _category_problem(category)
    if problem is not None:
        _add(errors, "category", problem)
    else:
        listing.category = category


def _apply_changes(
    listing: Listing, changes: dict[str, object], errors: dict[str, list[str]]
) -> None:
    """Set each change on ``listing``, parsing the fields that need it."""
    for field, value in changes.items():
        if field == "category":
            _apply_category(listing, value, errors)
        elif field == "languages":
            listing.languages = _clean_languages(value, errors)
        elif field == "price_amount":
            listing.price_amount = _clean_price(value, errors)
        elif field == "service_radius_km":
            listing.service_radius_km = _clean_radius(value, errors)
        elif field == "currency":
            listing.currency = str(value).strip().upper()
        else:
            setattr(listing, field, value)


def _reindex(listing: Listing) -> None:
    index_listing(listing)


# --- Listings -----------------------------------------------------------------------


@transaction.atomic
def create_listing(
    *,
    provider: ProviderProfile,
    category: Category | str,
    title: str,
    pricing_model: str,
    currency: str,
    price_amount: int | None = None,
    description: str = "",
    min_hours: int = 1,
    duration_minutes: int = 60,
    languages: Sequence[str] | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
    service_radius_km: Decimal | float | None = None,
    instant_book: bool = False,
    response_window_hours: int = 12,
    offers_pay_after_service: bool = False,
    offers_cash: bool = False,
) -> Listing:
    """Add a draft listing for ``provider`` (the caller's own profile).

    The service area defaults to the provider's base and radius, the languages to
    those the provider speaks. ``category`` is a leaf ``Category``, its public id
    or its slug. Raises ``DomainError`` 400 with every invalid field at once (422
    ``invalid_listing`` when only the category is wrong, see ``RULE_FIELDS``, or
    one coordinate comes without the other); nothing is written then.
    """
    if (latitude is None) != (longitude is None):
        missing = "longitude" if longitude is None else "latitude"
        raise _rule_broken(
            {missing: [_("Give both latitude and longitude, or neither.")]}
        )
    if languages is None:
        languages = [code for code in provider.languages if code in _known_languages()]
    listing = Listing(
        provider=provider,
        title=title,
        description=description,
        pricing_model=pricing_model,
        min_hours=min_hours,
        duration_minutes=duration_minutes,
        instant_book=instant_book,
        response_window_hours=response_window_hours,
        offers_pay_after_service=offers_pay_after_service,
        offers_cash=offers_cash,
        status=Listing.Status.DRAFT,
    )
    errors: dict[str, list[str]] = {}
    _apply_changes(
        listing,
        {
            "category": category,
            "currency": currency,
            "price_amount": price_amount,
            "languages": list(languages),
            "service_radius_km": (
                provider.service_radius_km
                if service_radius_km is None
                else service_radius_km
            ),
        },
        errors,
    )
    if latitude is None:
        latitude, longitude = provider.latitude, provider.longitude
    listing.latitude, listing.longitude = latitude, longitude
    _check_listing(listing, errors)
    listing.locate(listing.latitude, listing.longitude)
    listing.save()
    _reindex(listing)
    return listing


@transaction.atomic
def update_listing(*, actor: User, listing_id: str, **changes: object) -> Listing:
    """Change what a provider may change on their listing (``LISTING_FIELDS``).

    A published listing stays published and its search document is rewritten.
    Choosing "on quote" clears the price. The currency cannot change while the
    listing has add-ons, whose prices are amounts in that currency.
    Raises ``NotFound`` unless ``actor`` owns it; ``DomainError`` 400 for unknown
    or invalid fields, with nothing written.
    """
    unknown = set(changes) - LISTING_FIELDS
    if unknown:
        raise _unknown_fields(unknown)
    listing = lock_own_listing(actor, listing_id)
    old_currency = listing.currency
    errors: dict[str, list[str]] = {}
    _apply_changes(listing, dict(changes), errors)
    if listing.currency != old_currency and listing.add_ons.exists():
        _add(
            errors,
            "currency",
            _(
                "This listing has add-ons priced in %(currency)s. Remove them "
                "before changing the currency."
            )
            % {"currency": old_currency},
        )
    _check_listing(listing, errors)
    update_fields = {*changes, "updated_at"}
    if "price_amount" in changes or "pricing_model" in changes:
        update_fields.add("price_amount")
    if {"latitude", "longitude"} & changes.keys():
        listing.locate(listing.latitude, listing.longitude)
        update_fields.add("h3_cell")
    listing.save(update_fields=sorted(update_fields))
    _reindex(listing)
    return listing


def publish_problems(listing: Listing) -> dict[str, list[str]]:
    """Why ``listing`` cannot be published, by field; empty when it can."""
    problems: dict[str, list[str]] = {}
    if not listing.provider.is_active:
        _add(
            problems,
            "__all__",
            _("Your provider profile is suspended, so you cannot publish services."),
        )
    category_problem = _category_problem(listing.category)
    if category_problem is not None:
        _add(problems, "category", category_problem)
    if not listing.title.strip():
        _add(problems, "title", _("Give your service a title."))
    if listing.pricing_model != PricingModel.QUOTE and listing.price_amount is None:
        _add(problems, "price_amount", _("Enter a price, or choose “on quote”."))
    if listing.pricing_model == PricingModel.HOURLY and not listing.min_hours:
        _add(
            problems, "min_hours", _("Hourly services need a minimum number of hours.")
        )
    for field, messages in registered_publish_problems(listing).items():
        for message in messages:
            _add(problems, field, message)
    return problems


@transaction.atomic
def publish_listing(*, actor: User, listing_id: str) -> Listing:
    """Make a draft or paused listing visible in search and bookable.

    ``published_at`` records the first publication. Publishing a published listing
    changes nothing. Raises ``NotFound`` unless ``actor`` owns it, and
    ``DomainError`` 422 ``cannot_publish`` with the reasons by field.
    """
    listing = lock_own_listing(actor, listing_id)
    if listing.status == Listing.Status.PUBLISHED:
        return listing
    problems = publish_problems(listing)
    if problems:
        raise DomainError(
            "cannot_publish",
            _("This service cannot be published yet."),
            fields=problems,
        )
    listing.status = Listing.Status.PUBLISHED
    listing.published_at = listing.published_at or timezone.now()
    listing.save(update_fields=["status", "published_at", "updated_at"])
    _reindex(listing)
    return listing


@transaction.atomic
def pause_listing(*, actor: User, listing_id: str) -> Listing:
    """Take a published listing out of search for a while (holiday, full diary).

    Pausing a paused listing changes nothing; a draft cannot be paused
    (``Conflict`` ``not_published``).
    """
    listing = lock_own_listing(actor, listing_id)
    if listing.status == Listing.Status.PAUSED:
        return listing
    if listing.status != Listing.Status.PUBLISHED:
        raise Conflict("not_published", _("Only a published service can be paused."))
    listing.status = Listing.Status.PAUSED
    listing.save(update_fields=["status", "updated_at"])
    _reindex(listing)
    return listing


@transaction.atomic
def unpublish_listing(*, actor: User, listing_id: str) -> Listing:
    """Send a listing back to draft, out of search, to rework it."""
    listing = lock_own_listing(actor, listing_id)
    if listing.status == Listing.Status.DRAFT:
        return listing
    listing.status = Listing.Status.DRAFT
    listing.save(update_fields=["status", "updated_at"])
    _reindex(listing)
    return listing


@transaction.atomic
def delete_listing(*, actor: User, listing_id: str) -> None:
    """Delete a draft or paused listing with its add-ons and photos.

    A published listing must be paused first (``Conflict`` ``listing_published``):
    customers may be looking at it right now. A listing that orders refer to is
    archived instead (``archived_at``): their history, receipts and disputes
    still show what was booked, while for its provider and everyone else it is
    gone like a deleted one. Photo files are deleted after commit, so a rollback
    never leaves a row pointing at a missing file.
    """
    listing = lock_own_listing(actor, listing_id)
    if listing.status == Listing.Status.PUBLISHED:
        raise Conflict(
            "listing_published",
            _("Pause this service before deleting it."),
        )
    if listing.orders.exists():
        listing.archived_at = timezone.now()
        listing.save(update_fields=["archived_at", "updated_at"])
        remove_listing(listing.pk)
        return
    files = [
        name
        for photo in listing.photos.all()
        for name in (photo.image.name, photo.thumbnail.name)
    ]
    remove_listing(listing.pk)
    listing.delete()
    transaction.on_commit(lambda: _delete_files(files))


# --- Add-ons ------------------------------------------------------------------------


@dataclass(frozen=True)
class AddOnDraft:
    """One row of a listing's add-ons as a form submits them: ``id`` is the
    public id of an existing add-on, or empty for a new one."""

    name: str
    price_amount: int
    extra_minutes: int = 0
    id: str = ""


def _check_add_on(
    add_on: ListingAddOn, errors: dict[str, list[str]] | None = None
) -> None:
    errors = errors if errors is not None else {}
    add_on.name = (add_on.name or "").strip()
    if not add_on.name:
        _add(errors, "name", _("Name the add-on."))
    add_on.price_amount = _clean_price(add_on.price_amount, errors)
    if add_on.price_amount is None and "price" not in errors:
        _add(errors, "price_amount", _("Enter a price."))
    try:
        add_on.full_clean(
            exclude=["listing", *_fields_in(errors)], validate_unique=False
        )
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            for message in messages:
                _add(errors, field, message)
    if errors:
        raise _invalid(errors)


def _check_add_on_currency(listing: Listing, currency: str | None) -> None:
    if currency is not None and currency != listing.currency:
        raise _invalid(
            {
                "price": [
                    _("Add-ons are priced in the listing's currency, %(currency)s.")
                    % {"currency": listing.currency}
                ]
            }
        )


def _too_many_add_ons() -> DomainError:
    return DomainError(
        "too_many_add_ons",
        _("A service can have at most %(limit)d add-ons.")
        % {"limit": MAX_ADD_ONS_PER_LISTING},
    )


def _check_add_on_room(listing: Listing) -> None:
    if listing.add_ons.count() >= MAX_ADD_ONS_PER_LISTING:
        raise _too_many_add_ons()


@transaction.atomic
def add_listing_add_on(
    *,
    actor: User,
    listing_id: str,
    name: str,
    price_amount: int,
    currency: str | None = None,
    extra_minutes: int = 0,
) -> ListingAddOn:
    """Offer an optional extra on a listing, priced in the listing's currency
    (``currency``, if given, must be that one). Goes last in the list."""
    listing = lock_own_listing(actor, listing_id)
    _check_add_on_currency(listing, currency)
    _check_add_on_room(listing)
    top = listing.add_ons.aggregate(top=Max("position"))["top"]
    add_on = ListingAddOn(
        listing=listing,
        name=name,
        price_amount=price_amount,
        extra_minutes=extra_minutes,
        position=0 if top is None else top + 1,
    )
    _check_add_on(add_on)
    add_on.save()
    _reindex(listing)
    return add_on


def _own_add_on(listing: Listing, add_on_id: str) -> ListingAddOn:
    add_on = listing.add_ons.filter(public_id=add_on_id).first()
    if add_on is None:
        raise NotFound("add_on_not_found", _("No such add-on."))
    return add_on


@transaction.atomic
def update_listing_add_on(
    *,
    actor: User,
    listing_id: str,
    add_on_id: str,
    currency: str | None = None,
    **changes: object,
) -> ListingAddOn:
    """Change an add-on's name, price, extra time or position."""
    unknown = set(changes) - ADD_ON_FIELDS
    if unknown:
        raise _unknown_fields(unknown)
    listing = lock_own_listing(actor, listing_id)
    add_on = _own_add_on(listing, add_on_id)
    _check_add_on_currency(listing, currency)
    for field, value in changes.items():
        setattr(add_on, field, value)
    _check_add_on(add_on)
    if changes:
        add_on.save(update_fields=sorted(changes))
    _reindex(listing)
    return add_on


@transaction.atomic
def remove_listing_add_on(*, actor: User, listing_id: str, add_on_id: str) -> None:
    listing = lock_own_listing(actor, listing_id)
    _own_add_on(listing, add_on_id).delete()
    _reindex(listing)


@transaction.atomic
def replace_listing_add_ons(
    *, actor: User, listing_id: str, add_ons: Sequence[AddOnDraft]
) -> list[ListingAddOn]:
    """Make the listing's add-ons exactly ``add_ons``, in that order: rows with an
    ``id`` are updated, rows without one are created, add-ons not listed are
    removed. All or nothing: an invalid row raises ``DomainError`` 400 whose
    fields are ``add_ons.<index>.<field>``, and nothing changes."""
    listing = lock_own_listing(actor, listing_id)
    if len(add_ons) > MAX_ADD_ONS_PER_LISTING:
        raise _too_many_add_ons()
    existing = {add_on.public_id: add_on for add_on in listing.add_ons.all()}
    errors: dict[str, list[str]] = {}
    rows: list[ListingAddOn] = []
    for index, draft in enumerate(add_ons):
        add_on = existing.get(draft.id) if draft.id else ListingAddOn(listing=listing)
        if add_on is None:
            raise NotFound("add_on_not_found", _("No such add-on."))
        add_on.name = draft.name
        add_on.price_amount = draft.price_amount
        add_on.extra_minutes = draft.extra_minutes
        add_on.position = index
        try:
            _check_add_on(add_on)
        except DomainError as error:
            for field, messages in error.fields.items():
                errors[f"add_ons.{index}.{field}"] = messages
        rows.append(add_on)
    if errors:
        raise _invalid(errors)
    kept = {add_on.public_id for add_on in rows if add_on.pk}
    listing.add_ons.exclude(public_id__in=kept).delete()
    for add_on in rows:
        add_on.save()
    _reindex(listing)
    return rows


# --- Photos -------------------------------------------------------------------------


def add_listing_photo(
    *, actor: User, listing_id: str, upload: File, alt_text: str = ""
) -> ListingPhoto:
    """Attach a photo to a listing: checked, re-encoded without metadata, resized,
    with a thumbnail (see ``photos.process_photo``). Goes last.

    Decoding a large image takes a while, so it happens before the transaction and
    the row lock; ownership and the photo limit are checked both before (to fail
    fast) and under the lock (to be sure). Raises ``DomainError`` 400 on the
    ``photo`` field for a bad file, 400 ``too_many_photos`` past the limit.
    """
    alt_text = _clean_alt_text(alt_text)
    _check_photo_room(access_own_listing(actor=actor, listing_id=listing_id))
    processed = photos.process_photo(upload)
    return attach_listing_photo(
        actor=actor, listing_id=listing_id, photo=processed, alt_text=alt_text
    )


def _clean_alt_text(alt_text: str) -> str:
    alt_text = (alt_text or "").strip()
    if len(alt_text) > 200:
        raise _invalid({"alt_text": [_("Enter at most 200 characters.")]})
    return alt_text


def attach_listing_photo(
    *,
    actor: User,
    listing_id: str,
    photo: photos.ProcessedPhoto,
    alt_text: str = "",
    reindex: bool = True,
) -> ListingPhoto:
    """Store a photo ``photos.process_photo`` made on a listing ``actor`` owns,
    last, under the listing's row lock (ownership and the photo limit checked
    there). One processed photo may go to several listings: each gets its own
    copy of the files, so removing one never breaks another. ``reindex=False``
    is for a caller that rebuilds the search index after a batch."""
    alt_text = _clean_alt_text(alt_text)
    stored: list[str] = []
    try:
        with transaction.atomic():
            listing = lock_own_listing(actor, listing_id)
            _check_photo_room(listing)
            top = listing.photos.aggregate(top=Max("position"))["top"]
            row = ListingPhoto(
                listing=listing,
                width=photo.width,
                height=photo.height,
                alt_text=alt_text,
                position=0 if top is None else top + 1,
            )
            row.image.save(photo.image_name, photo.image, save=False)
            stored.append(row.image.name)
            row.thumbnail.save(photo.thumbnail_name, photo.thumbnail, save=False)
            stored.append(row.thumbnail.name)
            row.save()
            if reindex:
                _reindex(listing)
    except BaseException:
        _delete_files(stored)
        raise
    return row


def photo_limit(listing: Listing) -> int:
    """How many photos ``listing`` may have: the platform's number plus what
    its provider's plan adds (``subscriptions.perks``)."""
    return photos.MAX_PHOTOS_PER_LISTING + perks_of(listing.provider_id).extra_photos


def _check_photo_room(listing: Listing) -> None:
    limit = photo_limit(listing)
    if listing.photos.count() >= limit:
        message = _("A service can have at most %(limit)d photos.") % {"limit": limit}
        raise DomainError("too_many_photos", message, fields={"photo": [message]})


@transaction.atomic
def remove_listing_photo(*, actor: User, listing_id: str, photo_id: str) -> None:
    """Delete a photo of a listing; its files go after commit."""
    listing = lock_own_listing(actor, listing_id)
    photo = listing.photos.filter(public_id=photo_id).first()
    if photo is None:
        raise NotFound("photo_not_found", _("No such photo."))
    files = [photo.image.name, photo.thumbnail.name]
    photo.delete()
    _reindex(listing)
    transaction.on_commit(lambda: _delete_files(files))


@transaction.atomic
def reorder_listing_photos(
    *, actor: User, listing_id: str, photo_ids: Sequence[str]
) -> list[ListingPhoto]:
    """Put the listing's photos in this order (the first is the cover). The ids
    must be exactly the listing's photos, each once."""
    listing = lock_own_listing(actor, listing_id)
    current = {photo.public_id: photo for photo in listing.photos.all()}
    if sorted(photo_ids) != sorted(current):
        raise _invalid({"ids": [_("List every photo of this service exactly once.")]})
    ordered = [current[photo_id] for photo_id in photo_ids]
    for position, photo in enumerate(ordered):
        photo.position = position
    ListingPhoto.objects.bulk_update(ordered, ["position"])
    _reindex(listing)
    return ordered


def _delete_files(names: Iterable[str]) -> None:
    for name in names:
        if name:
            default_storage.delete(name)
