"""The operator's settings changes: one function per change, each checking the
ops role, validating every field (a bad value changes nothing and says which
field), saving in a transaction with its audit entry, and bumping the settings
version so every process sees the change on its next request."""

import re
from collections.abc import Mapping
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.utils.formats import number_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from doorstep.audit.services import record
from doorstep.backoffice.access import OpsPermission, require_ops_permission
from doorstep.catalog.models import Category
from doorstep.catalog.photos import process_photo
from doorstep.core.errors import DomainError, NotFound
from doorstep.core.geo import MAX_RADIUS_KM
from doorstep.core.money import Money, known_currencies
from doorstep.marketplace import audit_actions, policy, state
from doorstep.marketplace.models import (
    SINGLETON_ID,
    City,
    ExchangeRate,
    MarketplaceSettings,
)
from doorstep.marketplace.policy import FIGURES_BY_NAME, Figure, Unit
from doorstep.search.indexing import index_category

MAX_NAME_LENGTH = 60
MAX_COMMISSION_BPS = 5_000
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
BRANDING_FIELDS = ("name", "logo", "primary_colour", "accent_colour")
CITY_FIELDS = (
    "name_en",
    "name_zh_hans",
    "name_zh_hant",
    "currency",
    "time_zone",
    "latitude",
    "longitude",
    "radius_km",
    "position",
    "is_active",
)
SEARCHED_CATEGORY_FIELDS = {"name_en", "name_zh_hans", "name_zh_hant", "is_active"}
CATEGORY_FIELDS = (
    "name_en",
    "name_zh_hans",
    "name_zh_hant",
    "commission_bps",
    "is_active",
)


def _invalid(errors: dict[str, list[str]]) -> DomainError:
    return DomainError(
        "invalid_input",
        _("Some fields are not valid."),
        status=400,
        fields=errors,
    )


def _lock_settings() -> MarketplaceSettings:
    row = MarketplaceSettings.objects.select_for_update().filter(pk=SINGLETON_ID)
    found = row.first()
    if found is None:
        MarketplaceSettings.objects.get_or_create(pk=SINGLETON_ID)
        found = row.get()
    return found


def _bump_version(row: MarketplaceSettings, changed: list[str]) -> None:
    """Save ``changed`` with a new version, and drop the copies this process
    and this request hold (other processes see the new version)."""
    row.version += 1
    row.save(update_fields=[*changed, "version", "updated_at"])
    state.forget()
    transaction.on_commit(state.forget)


def _changes(
    before: Mapping[str, object], after: Mapping[str, object]
) -> tuple[dict[str, object], dict[str, object]]:
    keys = [key for key in after if before.get(key) != after[key]]
    return {key: before.get(key) for key in keys}, {key: after[key] for key in keys}


# --- Name, logo and colours --------------------------------------------------------


def _branding_of(row: MarketplaceSettings) -> dict[str, object]:
    return {
        "name": row.name,
        "logo": row.logo.name if row.logo else "",
        "primary_colour": row.primary_colour,
        "accent_colour": row.accent_colour,
    }


def _clean_colour(value: str, field: str, errors: dict[str, list[str]]) -> str:
    value = (value or "").strip()
    if value and not _HEX.match(value):
        errors[field] = [_("Enter a colour as # and six hexadecimal digits.")]
    return value.lower()


def _logo_file(upload: UploadedFile) -> tuple[str, bytes]:
    """The logo re-encoded (WebP, metadata stripped, long side 400 px)."""
    try:
        processed = process_photo(upload)
    except DomainError as error:
        raise DomainError(
            error.code, error.message, fields={"logo": [error.message]}
        ) from None
    return processed.thumbnail_name, processed.thumbnail.read()


def update_branding(
    *,
    actor,
    name: str,
    primary_colour: str,
    accent_colour: str,
    logo: UploadedFile | None = None,
    remove_logo: bool = False,
    reason: str = "",
) -> MarketplaceSettings:
    """Rename the marketplace (empty: ``DOORSTEP_SITE_NAME``), set its colours
    (empty: the built-in ones) and replace or remove its logo.

    Raises 403 ``ops_permission_required`` without ``MANAGE_SETTINGS``, 400
    ``invalid_input`` (or the photo codes on ``logo``) and changes nothing on a
    bad field."""
    require_ops_permission(actor, OpsPermission.MANAGE_SETTINGS)
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if len(name) > MAX_NAME_LENGTH:
        errors["name"] = [
            _("Use at most %(count)d characters.") % {"count": MAX_NAME_LENGTH}
        ]
    primary = _clean_colour(primary_colour, "primary_colour", errors)
    accent = _clean_colour(accent_colour, "accent_colour", errors)
    if errors:
        raise _invalid(errors)
    # Re-encoding a photo takes a while: done before the transaction, which on
    # SQLite holds the database's write lock from its first statement.
    new_logo = _logo_file(logo) if logo is not None else None
    with transaction.atomic():
        return _save_branding(
            actor=actor,
            name=name,
            colours=(primary, accent),
            new_logo=new_logo,
            remove_logo=remove_logo,
            reason=reason,
        )


def _save_branding(
    *,
    actor,
    name: str,
    colours: tuple[str, str],
    new_logo: tuple[str, bytes] | None,
    remove_logo: bool,
    reason: str,
) -> MarketplaceSettings:
    primary, accent = colours
    row = _lock_settings()
    before = _branding_of(row)
    old_logo = row.logo.name if row.logo else ""
    row.name, row.primary_colour, row.accent_colour = name, primary, accent
    if new_logo is not None:
        row.logo.name = default_storage.save(
            f"marketplace/{new_logo[0]}", ContentFile(new_logo[1])
        )
    elif remove_logo:
        row.logo = ""
    after = _branding_of(row)
    before_changed, after_changed = _changes(before, after)
    if not after_changed:
        return row
    _bump_version(row, list(after_changed))
    record(
        actor=actor,
        action=audit_actions.UPDATE_BRANDING,
        target=row,
        before=before_changed,
        after=after_changed,
        reason=reason,
    )
    if old_logo and "logo" in after_changed:
        transaction.on_commit(lambda: default_storage.delete(old_logo))
    return row


# --- Fees and policies -------------------------------------------------------------


def describe_range(figure: Figure) -> str:
    """The allowed range in the unit ops type it in."""
    if figure.unit == Unit.PERCENT:
        low = number_format(Decimal(figure.low) / 100)
        high = number_format(Decimal(figure.high) / 100)
        return _("Enter a percentage from %(low)s to %(high)s.") % {
            "low": low,
            "high": high,
        }
    return _("Enter a whole number from %(low)s to %(high)s.") % {
        "low": figure.low,
        "high": figure.high,
    }


@transaction.atomic
def update_policy(
    *, actor, values: Mapping[str, int | None], reason: str = ""
) -> MarketplaceSettings:
    """Override the environment's money and policy figures (``None``: back to
    the default). Prices previewed from now on use the new figures; orders
    keep the amounts they were booked at.

    Raises 403 ``ops_permission_required`` without ``MANAGE_SETTINGS`` and 400
    ``invalid_input`` naming each figure out of range (nothing is saved)."""
    require_ops_permission(actor, OpsPermission.MANAGE_SETTINGS)
    errors: dict[str, list[str]] = {}
    for name, value in values.items():
        figure = FIGURES_BY_NAME.get(name)
        if figure is None:
            errors[name] = [_("This setting does not exist.")]
        elif value is not None and (
            isinstance(value, bool)
            or not isinstance(value, int)
            or not figure.low <= value <= figure.high
        ):
            errors[name] = [describe_range(figure)]
    if errors:
        raise _invalid(errors)
    row = _lock_settings()
    before = {name: getattr(row, name) for name in values}
    for name, value in values.items():
        setattr(row, name, value)
    before_changed, after_changed = _changes(before, dict(values))
    if not after_changed:
        return row
    _bump_version(row, list(after_changed))
    record(
        actor=actor,
        action=audit_actions.UPDATE_POLICY,
        target=row,
        before=before_changed,
        after=after_changed,
        reason=reason,
    )
    return row


@transaction.atomic
def update_currency_amounts(
    *,
    actor,
    values: Mapping[str, Mapping[str, int | None]],
    reason: str = "",
) -> MarketplaceSettings:
    """Set money figures for single currencies, in that currency's minor units
    (``{"min_payout": {"JPY": 1000, "KWD": None}}``; ``None``: back to the
    scaled figure, see ``policy.amount_in``). Audited with the amounts before
    and after.

    Raises 403 ``ops_permission_required`` without ``MANAGE_SETTINGS`` and 400
    ``invalid_input`` naming each ``figure.CUR`` that is not a money figure, not
    a currency or out of the figure's range there (nothing is saved)."""
    require_ops_permission(actor, OpsPermission.MANAGE_SETTINGS)
    money = {figure.name: figure for figure in policy.money_figures()}
    errors: dict[str, list[str]] = {}
    for name, amounts in values.items():
        figure = money.get(name)
        for currency, amount in amounts.items():
            key = f"{name}.{currency}"
            if figure is None:
                errors[key] = [_("This setting does not exist.")]
            elif currency not in known_currencies():
                errors[key] = [_("Unknown currency.")]
            elif amount is not None and (
                isinstance(amount, bool)
                or not isinstance(amount, int)
                or not policy.scaled(figure.low, currency)
                <= amount
                <= policy.scaled(figure.high, currency)
            ):
                low, high = (
                    Money(policy.scaled(limit, currency), currency).format(
                        get_language() or "en"
                    )
                    for limit in (figure.low, figure.high)
                )
                errors[key] = [
                    _("Enter an amount from %(low)s to %(high)s.")
                    % {"low": low, "high": high}
                ]
    if errors:
        raise _invalid(errors)
    row = _lock_settings()
    before = {name: dict(amounts) for name, amounts in row.currency_amounts.items()}
    after = {name: dict(amounts) for name, amounts in before.items()}
    for name, amounts in values.items():
        for currency, amount in amounts.items():
            if amount is None:
                after.get(name, {}).pop(currency, None)
            else:
                after.setdefault(name, {})[currency] = amount
    after = {name: amounts for name, amounts in after.items() if amounts}
    if after == before:
        return row
    row.currency_amounts = after
    _bump_version(row, ["currency_amounts"])
    record(
        actor=actor,
        action=audit_actions.UPDATE_POLICY,
        target=row,
        before={"currency_amounts": before},
        after={"currency_amounts": after},
        reason=reason,
    )
    return row


# --- Cities ------------------------------------------------------------------------


def _city_values(city: City) -> dict[str, object]:
    return {field: getattr(city, field) for field in ("slug", *CITY_FIELDS)}


def _check_city(city: City, errors: dict[str, list[str]]) -> None:
    if not _SLUG.match(city.slug or ""):
        errors["slug"] = [
            _("Use lowercase letters, digits and hyphens, e.g. hong-kong.")
        ]
    elif City.objects.filter(slug=city.slug).exclude(pk=city.pk).exists():
        errors["slug"] = [_("Another city has this slug.")]
    city.name_en = (city.name_en or "").strip()
    if not city.name_en:
        errors["name_en"] = [_("Give the city's English name.")]
    for field in ("name_en", "name_zh_hans", "name_zh_hant"):
        value = (getattr(city, field) or "").strip()
        setattr(city, field, value)
        if len(value) > 100:
            errors[field] = [_("Use at most %(count)d characters.") % {"count": 100}]
    city.currency = (city.currency or "").strip().upper()
    if city.currency not in known_currencies():
        errors["currency"] = [_("Enter an ISO 4217 currency code, e.g. CNY.")]
    try:
        ZoneInfo((city.time_zone or "").strip())
        city.time_zone = city.time_zone.strip()
    except (ZoneInfoNotFoundError, ValueError):
        errors["time_zone"] = [_("Enter a time zone name, e.g. Asia/Shanghai.")]
    if city.latitude is None or not -90 <= city.latitude <= 90:
        errors["latitude"] = [_("Enter a latitude from -90 to 90.")]
    if city.longitude is None or not -180 <= city.longitude <= 180:
        errors["longitude"] = [_("Enter a longitude from -180 to 180.")]
    if city.radius_km is None or not 1 <= city.radius_km <= MAX_RADIUS_KM:
        errors["radius_km"] = [
            _("Enter a radius from 1 to %(max)d km.") % {"max": int(MAX_RADIUS_KM)}
        ]


def _save_city(actor, city: City, before: dict[str, object], action) -> City:
    errors: dict[str, list[str]] = {}
    _check_city(city, errors)
    if errors:
        raise _invalid(errors)
    city.save()
    row = _lock_settings()
    _bump_version(row, [])
    before_changed, after_changed = _changes(before, _city_values(city))
    record(
        actor=actor,
        action=action,
        target=city,
        before=before_changed,
        after=after_changed,
    )
    return city


@transaction.atomic
def add_city(
    *,
    actor,
    slug: str,
    name_en: str,
    currency: str,
    time_zone: str,
    latitude: float | None,
    longitude: float | None,
    name_zh_hans: str = "",
    name_zh_hant: str = "",
    radius_km: int | None = 50,
    is_active: bool = True,
) -> City:
    """Start serving a city (placed last). Raises 403 without
    ``MANAGE_SETTINGS``, 400 ``invalid_input`` on a bad field."""
    require_ops_permission(actor, OpsPermission.MANAGE_SETTINGS)
    last = City.objects.aggregate(last=Max("position"))["last"]
    city = City(
        slug=(slug or "").strip(),
        name_en=name_en,
        name_zh_hans=name_zh_hans,
        name_zh_hant=name_zh_hant,
        currency=currency,
        time_zone=time_zone,
        latitude=latitude,
        longitude=longitude,
        radius_km=radius_km,
        position=0 if last is None else last + 1,
        is_active=is_active,
    )
    return _save_city(actor, city, {}, audit_actions.ADD_CITY)


def _locked_city(slug: str) -> City:
    city = City.objects.select_for_update().filter(slug=slug).first()
    if city is None:
        raise NotFound("not_found", _("Not found."))
    return city


@transaction.atomic
def update_city(*, actor, slug: str, **changes: object) -> City:
    """Change a city's names, currency, time zone, centre, radius, position or
    whether it is served (``CITY_FIELDS``). Raises 403 without
    ``MANAGE_SETTINGS``, 404 ``not_found``, 400 ``invalid_input``."""
    require_ops_permission(actor, OpsPermission.MANAGE_SETTINGS)
    unknown = set(changes) - set(CITY_FIELDS)
    if unknown:
        raise _invalid({name: [_("This field cannot be changed.")] for name in unknown})
    city = _locked_city(slug)
    before = _city_values(city)
    for field, value in changes.items():
        setattr(city, field, value)
    if _city_values(city) == before:
        return city
    return _save_city(actor, city, before, audit_actions.UPDATE_CITY)


# --- Categories --------------------------------------------------------------------


def _category_values(category: Category) -> dict[str, object]:
    return {
        "slug": category.slug,
        "parent": category.parent.slug if category.parent_id else None,
        **{field: getattr(category, field) for field in CATEGORY_FIELDS},
        "position": category.position,
    }


def _check_category(category: Category, errors: dict[str, list[str]]) -> None:
    for field in ("name_en", "name_zh_hans", "name_zh_hant"):
        value = (getattr(category, field) or "").strip()
        setattr(category, field, value)
        if not value:
            errors[field] = [_("Give the category's name in this language.")]
        elif len(value) > 100:
            errors[field] = [_("Use at most %(count)d characters.") % {"count": 100}]
    commission = category.commission_bps
    if (
        isinstance(commission, bool)
        or not isinstance(commission, int)
        or not 0 <= commission <= MAX_COMMISSION_BPS
    ):
        errors["commission_bps"] = [
            _("Enter a percentage from %(low)s to %(high)s.")
            % {"low": 0, "high": MAX_COMMISSION_BPS // 100}
        ]


def _locked_category(category_id: str) -> Category:
    category = (
        Category.objects.select_for_update(of=("self",))
        .select_related("parent")
        .filter(public_id=category_id)
        .first()
    )
    if category is None:
        raise NotFound("not_found", _("Not found."))
    return category


@transaction.atomic
def add_category(
    *,
    actor,
    slug: str,
    name_en: str,
    name_zh_hans: str,
    name_zh_hant: str,
    commission_bps: int | None,
    parent_id: str | None = None,
) -> Category:
    """Add a category (last among its siblings) under ``parent_id`` or at the
    top. Raises 403 without ``MANAGE_SETTINGS``, 400 ``invalid_input``."""
    require_ops_permission(actor, OpsPermission.MANAGE_SETTINGS)
    errors: dict[str, list[str]] = {}
    parent = None
    if parent_id:
        parent = Category.objects.filter(public_id=parent_id).first()
        if parent is None:
            errors["parent"] = [_("Choose a category from the list.")]
    slug = (slug or "").strip()
    if not _SLUG.match(slug) or len(slug) > 80:
        errors["slug"] = [
            _("Use lowercase letters, digits and hyphens, e.g. deep-cleaning.")
        ]
    elif Category.objects.filter(slug=slug).exists():
        errors["slug"] = [_("Another category has this slug.")]
    last = Category.objects.filter(parent=parent).aggregate(last=Max("position"))
    category = Category(
        slug=slug,
        parent=parent,
        name_en=name_en,
        name_zh_hans=name_zh_hans,
        name_zh_hant=name_zh_hant,
        commission_bps=commission_bps,
        position=0 if last["last"] is None else last["last"] + 1,
    )
    _check_category(category, errors)
    if errors:
        raise _invalid(errors)
    category.save()
    record(
        actor=actor,
        action=audit_actions.ADD_CATEGORY,
        target=category,
        after=_category_values(category),
    )
    return category


@transaction.atomic
def update_category(*, actor, category_id: str, **changes: object) -> Category:
    """Rename a category, change its commission, or retire it (``is_active``
    false: search, the category tree and new listings no longer offer it or
    anything under it; existing listings and orders keep it). Raises 403
    without ``MANAGE_SETTINGS``, 404 ``not_found``, 400 ``invalid_input``."""
    require_ops_permission(actor, OpsPermission.MANAGE_SETTINGS)
    unknown = set(changes) - set(CATEGORY_FIELDS)
    if unknown:
        raise _invalid({name: [_("This field cannot be changed.")] for name in unknown})
    category = _locked_category(category_id)
    before = _category_values(category)
    for field, value in changes.items():
        setattr(category, field, value)
    errors: dict[str, list[str]] = {}
    _check_category(category, errors)
    if errors:
        raise _invalid(errors)
    before_changed, after_changed = _changes(before, _category_values(category))
    if not after_changed:
        return category
    category.save(update_fields=list(after_changed))
    if set(after_changed) & SEARCHED_CATEGORY_FIELDS:
        # Search documents carry the category's names and visibility.
        index_category(category)
    record(
        actor=actor,
        action=audit_actions.UPDATE_CATEGORY,
        target=category,
        before=before_changed,
        after=after_changed,
    )
    return category


@transaction.atomic
def move_category(*, actor, category_id: str, up: bool) -> Category:
    """Swap a category with its previous (``up``) or next sibling; siblings are
    numbered 0, 1, 2… afterwards. Raises 403 without ``MANAGE_SETTINGS``, 404
    ``not_found``."""
    require_ops_permission(actor, OpsPermission.MANAGE_SETTINGS)
    category = _locked_category(category_id)
    siblings = list(
        Category.objects.select_for_update()
        .filter(parent_id=category.parent_id)
        .order_by("position", "slug")
    )
    index = next(i for i, sibling in enumerate(siblings) if sibling.pk == category.pk)
    other = index - 1 if up else index + 1
    if not 0 <= other < len(siblings):
        return category
    before = [sibling.slug for sibling in siblings]
    siblings[index], siblings[other] = siblings[other], siblings[index]
    for position, sibling in enumerate(siblings):
        if sibling.position != position:
            sibling.position = position
            sibling.save(update_fields=["position"])
    record(
        actor=actor,
        action=audit_actions.MOVE_CATEGORY,
        target=category,
        before={"order": before},
        after={"order": [sibling.slug for sibling in siblings]},
    )
    category.refresh_from_db()
    return category


# --- Exchange rates for estimates ---------------------------------------------------

MAX_RATE = Decimal("1000000000")
RATE_PLACES = 10  # as ExchangeRate.rate stores


@transaction.atomic
def set_exchange_rate(
    *, actor, base: str, quote: str, rate: Decimal, reason: str = ""
) -> ExchangeRate:
    """Enter the rate of one ``base`` in ``quote`` for display estimates (a
    new row; the pair's earlier rates stay as history).

    Raises 403 ``ops_permission_required`` without ``MANAGE_SETTINGS`` and 400
    ``invalid_input`` (nothing saved) for an unknown currency, the same
    currency twice or a rate that is not positive."""
    require_ops_permission(actor, OpsPermission.MANAGE_SETTINGS)
    errors: dict[str, list[str]] = {}
    base, quote = (base or "").strip().upper(), (quote or "").strip().upper()
    for field, code in (("base", base), ("quote", quote)):
        if code not in known_currencies():
            errors[field] = [_("Enter a currency code such as CNY or USD.")]
    if not errors and base == quote:
        errors["quote"] = [_("Choose a currency other than the first.")]
    if rate is None or not rate.is_finite() or not 0 < rate < MAX_RATE:
        errors["rate"] = [_("Enter a rate greater than zero.")]
    elif rate.as_tuple().exponent < -RATE_PLACES:
        errors["rate"] = [
            _("Use at most %(places)d decimal places.") % {"places": RATE_PLACES}
        ]
    if errors:
        raise _invalid(errors)
    previous = (
        ExchangeRate.objects.filter(base=base, quote=quote)
        .order_by("-entered_at", "-pk")
        .first()
    )
    row = ExchangeRate.objects.create(
        base=base, quote=quote, rate=rate, entered_by=actor
    )
    record(
        actor=actor,
        action=audit_actions.SET_EXCHANGE_RATE,
        target=row,
        before={"rate": str(previous.rate)} if previous else {},
        after={"base": base, "quote": quote, "rate": str(rate)},
        reason=reason,
    )
    return row
