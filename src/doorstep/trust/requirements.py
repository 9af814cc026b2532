"""Onboarding requirements, set by ops in the console: which document types
providers must (or may) have approved, per category and served city, and the
document types themselves.

Every change needs ``MANAGE_SETTINGS``, is audited, and holds from the next
request: the publishing gate (``services.documents_missing_for``) and the
provider's Verification page read the requirements from the database each time.
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from doorstep.audit.services import record
from doorstep.backoffice.access import OpsPermission, require_ops_permission
from doorstep.catalog.models import Category
from doorstep.core.errors import Conflict, DomainError, NotFound
from doorstep.marketplace.queries import cities
from doorstep.trust import audit_actions
from doorstep.trust.models import BadgeKind, DocumentRequirement, DocumentType

NAME_LIMIT = 100
CODE_LIMIT = 40


def _invalid(errors: dict[str, list[str]]) -> DomainError:
    return DomainError(
        "invalid_input", _("Some fields are not valid."), status=400, fields=errors
    )


def _values(requirement: DocumentRequirement) -> dict[str, object]:
    return {
        "document_type": requirement.document_type.code,
        "category": requirement.category.slug if requirement.category_id else None,
        "region": requirement.region,
        "mandatory": requirement.mandatory,
    }


# --- Reads --------------------------------------------------------------------------


@dataclass(frozen=True)
class RegionChoice:
    slug: str
    name: str


def region_choices() -> list[RegionChoice]:
    """The served cities a requirement may be limited to."""
    return [RegionChoice(city.slug, str(city.name)) for city in cities()]


def region_name(slug: str) -> str:
    if not slug:
        return _("Everywhere")
    return next((c.name for c in region_choices() if c.slug == slug), slug)


def requirement_rows() -> list[DocumentRequirement]:
    """Every requirement, by document type, category and region."""
    rows = list(
        DocumentRequirement.objects.select_related(
            "document_type", "category"
        ).order_by("document_type__code", "category__slug", "region")
    )
    for row in rows:
        row.region_name = region_name(row.region)
    return rows


def document_types() -> list[DocumentType]:
    return list(DocumentType.objects.order_by("code"))


def categories() -> list[Category]:
    """The catalogue's active categories a requirement may name."""
    return list(
        Category.objects.filter(is_active=True).order_by("parent_id", "position", "pk")
    )


# --- Requirements -------------------------------------------------------------------


@transaction.atomic
def add_requirement(
    *,
    actor,
    document_type: str,
    category_id: str | None = None,
    region: str = "",
    mandatory: bool = True,
) -> DocumentRequirement:
    """Ask providers of ``category_id`` (a category's public id; every category
    when empty) in ``region`` (a served city's slug; everywhere when blank) for
    ``document_type`` (its code). Raises 403 without ``MANAGE_SETTINGS``, 400
    ``invalid_input`` on an unknown type, category or region, 409 ``conflict``
    when that requirement exists already."""
    require_ops_permission(actor, OpsPermission.MANAGE_SETTINGS)
    errors: dict[str, list[str]] = {}
    # Locking the type row makes two ops adding the same requirement take turns
    # (the unique constraint cannot, as "every category" is NULL).
    kind = (
        DocumentType.objects.select_for_update()
        .filter(code=(document_type or "").strip())
        .first()
    )
    if kind is None:
        errors["document_type"] = [_("Choose one of the document types.")]
    category = None
    if category_id:
        category = Category.objects.filter(public_id=category_id).first()
        if category is None:
            errors["category"] = [_("Choose one of the categories.")]
    region = (region or "").strip()
    if region and region not in {choice.slug for choice in region_choices()}:
        errors["region"] = [_("Choose one of the cities the marketplace serves.")]
    if errors:
        raise _invalid(errors)
    if DocumentRequirement.objects.filter(
        document_type=kind, category=category, region=region
    ).exists():
        raise Conflict(
            "conflict",
            _(
                "%(document)s is already required for %(category)s in %(region)s: "
                "change that requirement instead."
            )
            % {
                "document": kind.name,
                "category": category.name if category else _("every category"),
                "region": region_name(region),
            },
        )
    requirement = DocumentRequirement.objects.create(
        document_type=kind, category=category, region=region, mandatory=bool(mandatory)
    )
    record(
        actor=actor,
        action=audit_actions.ADD_REQUIREMENT,
        target=requirement,
        after=_values(requirement),
    )
    return requirement


def _locked_requirement(requirement_id) -> DocumentRequirement:
    requirement = None
    if str(requirement_id).isdigit():
        requirement = (
            DocumentRequirement.objects.select_for_update(of=("self",))
            .select_related("document_type", "category")
            .filter(pk=int(requirement_id))
            .first()
        )
    if requirement is None:
        raise NotFound("not_found", _("Not found."))
    return requirement


@transaction.atomic
def set_mandatory(*, actor, requirement_id, mandatory: bool) -> DocumentRequirement:
    """Make a requirement mandatory (it holds back publishing) or optional.
    Raises 403 without ``MANAGE_SETTINGS``, 404 ``not_found``."""
    require_ops_permission(actor, OpsPermission.MANAGE_SETTINGS)
    requirement = _locked_requirement(requirement_id)
    if requirement.mandatory == bool(mandatory):
        return requirement
    before = _values(requirement)
    requirement.mandatory = bool(mandatory)
    requirement.save(update_fields=["mandatory"])
    record(
        actor=actor,
        action=audit_actions.CHANGE_REQUIREMENT,
        target=requirement,
        before=before,
        after=_values(requirement),
    )
    return requirement


@transaction.atomic
def remove_requirement(*, actor, requirement_id) -> None:
    """Stop asking for a document. Documents providers uploaded for it stay.
    Raises 403 without ``MANAGE_SETTINGS``, 404 ``not_found``."""
    require_ops_permission(actor, OpsPermission.MANAGE_SETTINGS)
    requirement = _locked_requirement(requirement_id)
    record(
        actor=actor,
        action=audit_actions.REMOVE_REQUIREMENT,
        target=requirement,
        before=_values(requirement),
    )
    requirement.delete()


# --- Document types -----------------------------------------------------------------


@transaction.atomic
def add_document_type(
    *,
    actor,
    code: str,
    name_en: str,
    name_zh_hans: str,
    name_zh_hant: str,
    has_number: bool = True,
    has_expiry: bool = False,
    grants_badge: str = "",
) -> DocumentType:
    """A new kind of document ops may then require. ``code`` is a lowercase
    slug, unique; every language needs a name; ``grants_badge`` is a
    ``BadgeKind`` or blank. Raises 403 without ``MANAGE_SETTINGS``, 400
    ``invalid_input``."""
    require_ops_permission(actor, OpsPermission.MANAGE_SETTINGS)
    errors: dict[str, list[str]] = {}
    code = (code or "").strip()
    if not code:
        errors["code"] = [_("Give the document type a code.")]
    elif len(code) > CODE_LIMIT or not all(
        ch.isascii() and (ch.islower() or ch.isdigit() or ch in "_-") for ch in code
    ):
        errors["code"] = [
            _(
                "Use at most %(count)d lowercase letters, digits, hyphens or "
                "underscores."
            )
            % {"count": CODE_LIMIT}
        ]
    elif DocumentType.objects.filter(code=code).exists():
        errors["code"] = [_("A document type already has this code.")]
    names = {
        "name_en": name_en,
        "name_zh_hans": name_zh_hans,
        "name_zh_hant": name_zh_hant,
    }
    for field, value in list(names.items()):
        value = (value or "").strip()
        names[field] = value
        if not value:
            errors[field] = [_("Give the document type's name in this language.")]
        elif len(value) > NAME_LIMIT:
            errors[field] = [
                _("Use at most %(count)d characters.") % {"count": NAME_LIMIT}
            ]
    grants_badge = (grants_badge or "").strip()
    if grants_badge and grants_badge not in BadgeKind.values:
        errors["grants_badge"] = [_("Choose one of the badges, or none.")]
    if errors:
        raise _invalid(errors)
    kind = DocumentType.objects.create(
        code=code,
        has_number=bool(has_number),
        has_expiry=bool(has_expiry),
        grants_badge=grants_badge,
        **names,
    )
    record(
        actor=actor,
        action=audit_actions.ADD_DOCUMENT_TYPE,
        target=kind,
        after={
            "code": kind.code,
            **names,
            "has_number": kind.has_number,
            "has_expiry": kind.has_expiry,
            "grants_badge": kind.grants_badge,
        },
    )
    return kind
