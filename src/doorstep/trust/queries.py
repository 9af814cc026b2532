"""Reads for onboarding: which documents apply to a provider, and which of
them are still missing."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Q
from django.utils import timezone

from doorstep.accounts.models import ProviderProfile, StaffMember
from doorstep.catalog.models import Category, Listing
from doorstep.trust.models import (
    ApplicationStatus,
    DocumentRequirement,
    DocumentStatus,
    ProviderApplication,
    ProviderDocument,
)
from doorstep.trust.regions import region_of, regions_of

# Documents that count for a requirement: approved, or (for submitting an
# application) waiting for review.
_COUNTING = (DocumentStatus.APPROVED, DocumentStatus.PENDING)


def _with_ancestors(categories: list[Category]) -> set[int]:
    ids: set[int] = set()
    for category in categories:
        node: Category | None = category
        while node is not None and node.pk not in ids:
            ids.add(node.pk)
            node = node.parent
    return ids


def requirements_for(
    provider: ProviderProfile, category: Category | None = None
) -> list[DocumentRequirement]:
    """The requirements that apply to ``provider`` in their region: for
    ``category`` (and its parents) if given, else for every category the
    provider has a service in. Requirements for every category always apply."""
    if category is not None:
        categories = [category]
    else:
        categories = list(
            Category.objects.filter(
                pk__in=Listing.objects.not_archived()
                .filter(provider=provider)
                .values("category_id")
            ).select_related("parent")
        )
    return _requirements_in(provider, categories)


def _requirements_in(
    provider: ProviderProfile, categories: list[Category]
) -> list[DocumentRequirement]:
    region = region_of(provider)
    return list(
        DocumentRequirement.objects.select_related("document_type", "category")
        .filter(Q(region="") | Q(region=region))
        .filter(
            Q(category__isnull=True) | Q(category_id__in=_with_ancestors(categories))
        )
        .order_by("-mandatory", "document_type__code", "category_id")
    )


def current_documents(provider: ProviderProfile) -> list[ProviderDocument]:
    """The provider's documents that still matter (not replaced), newest first.
    An agency's staff members' documents are theirs, not the agency's: left out."""
    return list(
        ProviderDocument.objects.filter(provider=provider, staff__isnull=True)
        .exclude(status=DocumentStatus.REPLACED)
        .select_related("document_type", "category")
        .order_by("-uploaded_at", "-pk")
    )


def _fits(document: ProviderDocument, requirement: DocumentRequirement) -> bool:
    if document.document_type_id != requirement.document_type_id:
        return False
    if requirement.document_type.per_category and requirement.category_id:
        return document.category_id == requirement.category_id
    return True


def _valid_on(document: ProviderDocument, day: date) -> bool:
    return document.expires_on is None or document.expires_on > day


def document_for(
    requirement: DocumentRequirement, documents: list[ProviderDocument]
) -> ProviderDocument | None:
    """The newest of ``documents`` that answers ``requirement``."""
    return next((doc for doc in documents if _fits(doc, requirement)), None)


def missing_requirements(
    provider: ProviderProfile,
    category: Category | None = None,
    *,
    accept_pending: bool = False,
    today: date | None = None,
) -> list[DocumentRequirement]:
    """The mandatory requirements (see ``requirements_for``) that no approved and
    unexpired document answers — or no waiting one either, with
    ``accept_pending`` (what a provider must upload before submitting)."""
    today = today or timezone.localdate()
    statuses = _COUNTING if accept_pending else (DocumentStatus.APPROVED,)
    documents = [
        doc
        for doc in current_documents(provider)
        if doc.status in statuses and _valid_on(doc, today)
    ]
    return [
        requirement
        for requirement in requirements_for(provider, category)
        if requirement.mandatory
        and not any(_fits(doc, requirement) for doc in documents)
    ]


@dataclass(frozen=True)
class RequirementRow:
    """One line of the provider's verification page."""

    requirement: DocumentRequirement
    document: ProviderDocument | None


def verification_rows(provider: ProviderProfile) -> list[RequirementRow]:
    documents = current_documents(provider)
    return [
        RequirementRow(requirement, document_for(requirement, documents))
        for requirement in requirements_for(provider)
    ]


def application_of(provider: ProviderProfile) -> ProviderApplication | None:
    return ProviderApplication.objects.filter(provider=provider).first()


def review_queue():
    """Applications waiting for ops, oldest first."""
    return (
        ProviderApplication.objects.filter(status=ApplicationStatus.SUBMITTED)
        .select_related("provider__user")
        .order_by("submitted_at", "pk")
    )


def expiring_documents(*, within_days: int = 30, today: date | None = None):
    """Approved documents that expire within ``within_days``."""
    today = today or timezone.localdate()
    return ProviderDocument.objects.filter(
        status=DocumentStatus.APPROVED,
        expires_on__isnull=False,
        expires_on__lte=today + timedelta(days=within_days),
    )


# --- An agency's staff members -----------------------------------------------


def current_staff_documents(staff: StaffMember) -> list[ProviderDocument]:
    """The staff member's documents that still matter (not replaced), newest first."""
    return list(
        ProviderDocument.objects.filter(staff=staff)
        .exclude(status=DocumentStatus.REPLACED)
        .select_related("document_type", "category")
        .order_by("-uploaded_at", "-pk")
    )


def staff_requirements_for(
    staff: StaffMember, category: Category | None = None
) -> list[DocumentRequirement]:
    """What ops ask of the people who do the work, applied to a staff member:
    the requirements for ``category`` (when not given: for every category the
    staff member is skilled in or the agency has a service in) in the agency's
    region."""
    provider = staff.agency.owner.provider_profile
    if category is not None:
        return requirements_for(provider, category)
    wanted = Q(
        pk__in=Listing.objects.not_archived()
        .filter(provider=provider)
        .values("category_id")
    )
    worker = getattr(staff, "dispatch_worker", None)
    if worker is not None:
        wanted |= Q(pk__in=worker.categories.values("pk"))
    categories = Category.objects.filter(wanted).select_related("parent")
    return _requirements_in(provider, list(categories))


def staff_missing_requirements(
    staff: StaffMember,
    category: Category | None = None,
    *,
    today: date | None = None,
) -> list[DocumentRequirement]:
    """The mandatory requirements for ``category`` that no approved, unexpired
    document of the staff member answers (their agency's documents do not)."""
    today = today or timezone.localdate()
    documents = [
        doc
        for doc in current_staff_documents(staff)
        if doc.status == DocumentStatus.APPROVED and _valid_on(doc, today)
    ]
    return [
        requirement
        for requirement in staff_requirements_for(staff, category)
        if requirement.mandatory
        and not any(_fits(doc, requirement) for doc in documents)
    ]


def staff_verification_rows(staff: StaffMember) -> list[RequirementRow]:
    documents = current_staff_documents(staff)
    return [
        RequirementRow(requirement, document_for(requirement, documents))
        for requirement in staff_requirements_for(staff)
    ]


def staff_documents_waiting():
    """Staff members' documents waiting for ops, oldest first."""
    return (
        ProviderDocument.objects.filter(
            staff__isnull=False, status=DocumentStatus.PENDING
        )
        .select_related("staff__agency", "document_type", "category")
        .order_by("uploaded_at", "pk")
    )


def staff_meeting_requirements(
    staff_members: list[StaffMember],
    category: Category,
    *,
    today: date | None = None,
) -> set[int]:
    """The ids of ``staff_members`` (their ``agency.owner.provider_profile``
    loaded) whom nothing mandatory for ``category`` is missing from — in a
    query for the documents and one for the requirements of each region."""
    today = today or timezone.localdate()
    documents = _approved_documents_by(
        "staff_id", ProviderDocument.objects.filter(staff__in=staff_members), today
    )
    return _meeting(
        {staff.pk: staff.agency.owner.provider_profile for staff in staff_members},
        documents,
        category,
    )


def providers_meeting_requirements(
    providers: list[ProviderProfile],
    category: Category,
    *,
    today: date | None = None,
) -> set[int]:
    """The ids of ``providers`` whom nothing mandatory for ``category`` is
    missing from (``missing_requirements`` for many at once): a query for
    their own documents (not their staff's) and one for the requirements of
    each region, whatever their number."""
    today = today or timezone.localdate()
    documents = _approved_documents_by(
        "provider_id",
        ProviderDocument.objects.filter(provider__in=providers, staff__isnull=True),
        today,
    )
    return _meeting(
        {provider.pk: provider for provider in providers}, documents, category
    )


def _approved_documents_by(
    key: str, documents, today: date
) -> dict[int, list[ProviderDocument]]:
    held: dict[int, list[ProviderDocument]] = {}
    for document in (
        documents.filter(status=DocumentStatus.APPROVED)
        .filter(Q(expires_on__isnull=True) | Q(expires_on__gt=today))
        .select_related("document_type")
    ):
        held.setdefault(getattr(document, key), []).append(document)
    return held


def _meeting(
    holders: dict[int, ProviderProfile],
    documents: dict[int, list[ProviderDocument]],
    category: Category,
) -> set[int]:
    """The holders (id → the provider whose region applies) whose documents
    answer every mandatory requirement for ``category`` there."""
    by_region: dict[str, list[DocumentRequirement]] = {}
    meeting: set[int] = set()
    regions = regions_of(
        {provider.pk: provider for provider in holders.values()}.values()
    )
    for pk, provider in holders.items():
        region = regions[provider.pk]
        if region not in by_region:
            by_region[region] = [
                requirement
                for requirement in requirements_for(provider, category)
                if requirement.mandatory
            ]
        if _holds_all(documents.get(pk, []), by_region[region]):
            meeting.add(pk)
    return meeting


@dataclass(frozen=True)
class MeetingRequirements:
    """Of the providers and staff members asked about, the ids of those whom
    nothing mandatory for one category is missing from."""

    providers: frozenset[int]
    staff: frozenset[int]


def meeting_requirements_by_category(
    category_ids: list[int],
    *,
    providers: list[ProviderProfile] = (),
    staff_members: list[StaffMember] = (),
    today: date | None = None,
) -> dict[int, MeetingRequirements]:
    """``providers_meeting_requirements`` and ``staff_meeting_requirements``
    for several categories at once (a dispatcher's round): for each of
    ``category_ids``, which ``providers`` (their own documents) and which
    ``staff_members`` (their ``agency.owner.provider_profile`` loaded; their
    own documents, in the agency's region) hold every mandatory requirement.
    Three queries (and the served cities') whatever the number of categories,
    regions and people: the categories' parents, the approved documents, and
    the requirements of every region for every category and its parents."""
    today = today or timezone.localdate()
    providers, staff_members = list(providers), list(staff_members)
    # One query for both sides: a provider's own documents have no staff member.
    staff_documents = _approved_documents_by(
        "staff_id",
        ProviderDocument.objects.filter(
            Q(provider__in=providers, staff__isnull=True) | Q(staff__in=staff_members)
        ),
        today,
    )
    provider_documents: dict[int, list[ProviderDocument]] = {}
    for document in staff_documents.pop(None, []):
        provider_documents.setdefault(document.provider_id, []).append(document)
    staff_regions = {
        staff.pk: staff.agency.owner.provider_profile for staff in staff_members
    }
    regions = regions_of(
        {
            provider.pk: provider for provider in [*providers, *staff_regions.values()]
        }.values()
    )
    parents = dict(Category.objects.values_list("pk", "parent_id"))
    lineage = {
        category_id: _lineage(category_id, parents) for category_id in category_ids
    }
    mandatory = list(
        DocumentRequirement.objects.select_related("document_type")
        .filter(mandatory=True)
        .filter(Q(region="") | Q(region__in=set(regions.values())))
        .filter(
            Q(category__isnull=True)
            | Q(category_id__in={pk for ids in lineage.values() for pk in ids})
        )
    )
    result = {}
    for category_id, ids in lineage.items():
        by_region = {
            region: [
                requirement
                for requirement in mandatory
                if requirement.region in ("", region)
                and (requirement.category_id is None or requirement.category_id in ids)
            ]
            for region in set(regions.values())
        }
        result[category_id] = MeetingRequirements(
            providers=frozenset(
                provider.pk
                for provider in providers
                if _holds_all(
                    provider_documents.get(provider.pk, []),
                    by_region[regions[provider.pk]],
                )
            ),
            staff=frozenset(
                staff.pk
                for staff in staff_members
                if _holds_all(
                    staff_documents.get(staff.pk, []),
                    by_region[regions[staff_regions[staff.pk].pk]],
                )
            ),
        )
    return result


def _lineage(category_id: int, parents: dict[int, int | None]) -> set[int]:
    """The category and its parents (``_with_ancestors`` from a parent map)."""
    ids: set[int] = set()
    node: int | None = category_id
    while node is not None and node not in ids:
        ids.add(node)
        node = parents.get(node)
    return ids


def _holds_all(
    documents: list[ProviderDocument], requirements: list[DocumentRequirement]
) -> bool:
    return all(
        any(_fits(doc, requirement) for doc in documents)
        for requirement in requirements
    )
