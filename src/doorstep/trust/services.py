"""Provider onboarding: the application, its documents and ops' decisions.

Every write is here, one function per business action, in a transaction that
locks the application (``_lock_application``) before it checks the state. Ops
actions check the ops permission here, not only in the views, and write their
audit entry in the same transaction. Providers are told through events
(``verification.*``), which the notifications app turns into messages after
commit.

The application's states::

    applying ──submit──▶ submitted ──approve──▶ approved ──upload, submit──▶ submitted
        ▲                   │  │
        └─ changes_requested ◀┘  └──reject──▶ rejected
"""

import logging
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.accounts.models import ProviderProfile, StaffMember, User
from doorstep.audit import services as audit
from doorstep.backoffice.access import (
    OpsPermission,
    has_ops_permission,
    require_ops_permission,
)
from doorstep.catalog import services as catalog
from doorstep.catalog.models import Listing
from doorstep.core.errors import Conflict, DomainError, NotFound
from doorstep.events.services import record_event
from doorstep.trust import audit_actions, queries
from doorstep.trust.badges import grant_badge, revoke_badge
from doorstep.trust.files import process_document
from doorstep.trust.models import (
    ApplicationStatus,
    BadgeKind,
    DocumentRequirement,
    DocumentStatus,
    ProviderApplication,
    ProviderDocument,
)

logger = logging.getLogger(__name__)

# Days before expiry a provider is reminded, largest first.
REMINDER_DAYS = (30, 7)
MAX_REASON_LENGTH = 2000


# --- Access -------------------------------------------------------------------------


def _provider(actor: User) -> ProviderProfile:
    return catalog.provider_of(actor)


def _lock_application(provider: ProviderProfile) -> ProviderApplication:
    """The provider's application, created on first use, locked until commit."""
    ProviderApplication.objects.get_or_create(provider=provider)
    return (
        ProviderApplication.objects.select_for_update(of=("self",))
        .select_related("provider__user")
        .get(provider=provider)
    )


def _lock_application_by_id(application_id: str) -> ProviderApplication:
    application = (
        ProviderApplication.objects.select_for_update(of=("self",))
        .select_related("provider__user")
        .filter(public_id=str(application_id))
        .first()
    )
    if application is None:
        raise NotFound("application_not_found", _("No such application."))
    return application


def _document_not_found() -> NotFound:
    return NotFound("document_not_found", _("No such document."))


def access_document(*, actor: User, document_id: str) -> ProviderDocument:
    """The document, for its owner or for ops whose role may view documents.

    Ops staff without ``VIEW_DOCUMENTS`` get ``PermissionDenied`` whether or not
    the document exists; everyone else who is not the owner gets ``NotFound``,
    as for a document that does not exist. A deleted file is not found.
    """
    document = (
        ProviderDocument.objects.select_related("provider__user", "document_type")
        .filter(public_id=str(document_id), file_deleted_at__isnull=True)
        .first()
    )
    if document is not None and document.provider.user_id == actor.pk:
        return document
    if actor.is_authenticated and actor.is_staff:
        require_ops_permission(actor, OpsPermission.VIEW_DOCUMENTS)
        if document is not None:
            return document
    raise _document_not_found()


@transaction.atomic
def open_document(*, actor: User, document_id: str) -> ProviderDocument:
    """``access_document``, and the view written down: in the audit trail when
    ops open someone's document, in the log when owners open their own."""
    document = access_document(actor=actor, document_id=document_id)
    if document.provider.user_id == actor.pk:
        logger.info("document %s opened by its owner", document.public_id)
    else:
        audit.record(actor=actor, action=audit_actions.VIEW_DOCUMENT, target=document)
    return document


# --- The provider's side ------------------------------------------------------------


@transaction.atomic
def start_application(*, actor: User) -> ProviderApplication:
    """The actor's application (``applying`` when new). ``NotFound``
    ``not_a_provider`` for someone without a provider profile."""
    return _lock_application(_provider(actor))


def _requirement(provider: ProviderProfile, requirement_id) -> DocumentRequirement:
    applicable = {str(req.pk): req for req in queries.requirements_for(provider)}
    requirement = applicable.get(str(requirement_id))
    if requirement is None:
        message = _("Choose one of the documents asked of you.")
        raise DomainError(
            "requirement_not_asked", message, fields={"requirement": [message]}
        )
    return requirement


def _clean_details(
    requirement: DocumentRequirement,
    number: str,
    expires_on: date | None,
    today: date,
) -> tuple[str, date | None]:
    errors: dict[str, list[str]] = {}
    document_type = requirement.document_type
    number = (number or "").strip()
    if document_type.has_number:
        if not number:
            errors["number"] = [_("Enter the document's number.")]
        elif len(number) > 64:
            errors["number"] = [_("The number is too long.")]
    else:
        number = ""
    if document_type.has_expiry:
        if expires_on is None:
            errors["expires_on"] = [_("Enter the date the document is valid until.")]
        elif expires_on <= today:
            errors["expires_on"] = [_("This document has already expired.")]
    else:
        expires_on = None
    if errors:
        raise DomainError(
            "invalid_input", _("Some details are not valid."), fields=errors
        )
    return number, expires_on


def _delete_file_on_commit(name: str) -> None:
    if name:
        storage = ProviderDocument.file.field.storage
        transaction.on_commit(lambda: storage.delete(name))


@transaction.atomic
def upload_document(
    *,
    actor: User,
    requirement_id,
    upload,
    number: str = "",
    expires_on: date | None = None,
    now: datetime | None = None,
) -> ProviderDocument:
    """Add the provider's document for one of their requirements, waiting for
    review. A document of the same kind still waiting is replaced (its file
    deleted); an approved one stays in force until the new one is approved.

    Raises ``Conflict`` ``application_not_open`` while ops review the
    application or after it was rejected, ``DomainError`` 400 for a bad file
    (see ``files.process_document``) or bad details, with nothing written.
    """
    now = now or timezone.now()
    provider = _provider(actor)
    application = _lock_application(provider)
    if application.status in (ApplicationStatus.SUBMITTED, ApplicationStatus.REJECTED):
        raise Conflict(
            "application_not_open",
            _("Your application is with our team: you cannot change it now."),
        )
    requirement = _requirement(provider, requirement_id)
    number, expires_on = _clean_details(
        requirement, number, expires_on, timezone.localdate(now)
    )
    processed = process_document(upload)
    return _store_document(
        provider=provider,
        staff=None,
        requirement=requirement,
        processed=processed,
        number=number,
        expires_on=expires_on,
        now=now,
    )


def _store_document(
    *,
    provider: ProviderProfile,
    staff: StaffMember | None,
    requirement: DocumentRequirement,
    processed,
    number: str,
    expires_on: date | None,
    now: datetime,
) -> ProviderDocument:
    """Save a new waiting document; the one of the same kind still waiting (for
    the same staff member, or the provider themself) is replaced."""
    document_type = requirement.document_type
    category = requirement.category if document_type.per_category else None
    waiting = ProviderDocument.objects.select_for_update(of=("self",)).filter(
        provider=provider,
        staff=staff,
        document_type=document_type,
        category=category,
        status=DocumentStatus.PENDING,
    )
    for old in waiting:
        _delete_file_on_commit(old.file.name)
        old.status = DocumentStatus.REPLACED
        old.retired_at = now
        old.file_deleted_at = now
        old.file = ""
        old.save(update_fields=["status", "retired_at", "file_deleted_at", "file"])
    document = ProviderDocument(
        provider=provider,
        staff=staff,
        document_type=document_type,
        category=category,
        number=number,
        expires_on=expires_on,
        content_type=processed.content_type,
        size=processed.content.size,
        uploaded_at=now,
    )
    document.file.save(processed.name, processed.content, save=False)
    document.save()
    return document


@transaction.atomic
def upload_staff_document(
    *,
    staff: StaffMember,
    requirement_id,
    upload,
    number: str = "",
    expires_on: date | None = None,
    now: datetime | None = None,
) -> ProviderDocument:
    """Add a document of an agency's staff member for one of the requirements
    that apply to them, waiting for ops' review (``review_document``). The
    caller (``agencies.services``) has checked who may upload it. Raises as
    ``upload_document`` does for a bad file or details, with nothing written."""
    now = now or timezone.now()
    applicable = {str(req.pk): req for req in queries.staff_requirements_for(staff)}
    requirement = applicable.get(str(requirement_id))
    if requirement is None:
        message = _("Choose one of the documents asked of you.")
        raise DomainError(
            "requirement_not_asked", message, fields={"requirement": [message]}
        )
    number, expires_on = _clean_details(
        requirement, number, expires_on, timezone.localdate(now)
    )
    processed = process_document(upload)
    return _store_document(
        provider=staff.agency.owner.provider_profile,
        staff=staff,
        requirement=requirement,
        processed=processed,
        number=number,
        expires_on=expires_on,
        now=now,
    )


@transaction.atomic
def submit_application(
    *, actor: User, now: datetime | None = None
) -> ProviderApplication:
    """Hand the application to ops. Needs every mandatory document uploaded
    (``DomainError`` 422 ``documents_missing`` naming them) and something new
    to review; ``Conflict`` ``application_not_open`` while submitted or after
    rejection."""
    now = now or timezone.now()
    provider = _provider(actor)
    application = _lock_application(provider)
    if not application.can_submit():
        raise Conflict(
            "application_not_open",
            _("Your application cannot be submitted now."),
        )
    missing = queries.missing_requirements(
        provider, accept_pending=True, today=timezone.localdate(now)
    )
    if missing:
        names = ", ".join(str(req.document_type) for req in missing)
        message = _("Upload these documents first: %(documents)s.") % {
            "documents": names
        }
        raise DomainError("documents_missing", message, fields={"documents": [message]})
    if (
        application.status == ApplicationStatus.APPROVED
        and not provider.documents.filter(status=DocumentStatus.PENDING).exists()
    ):
        raise Conflict(
            "application_not_open",
            _("You are verified already; upload a new document to submit it."),
        )
    application.status = ApplicationStatus.SUBMITTED
    application.submitted_at = now
    application.save(update_fields=["status", "submitted_at", "updated_at"])
    return application


# --- Ops decisions ------------------------------------------------------------------


def _clean_reason(reason: str, *, required: bool) -> str:
    reason = (reason or "").strip()[:MAX_REASON_LENGTH]
    if required and not reason:
        message = _("Tell the provider why.")
        raise DomainError("invalid_input", message, fields={"reason": [message]})
    return reason


def _badge_until(day: date | None) -> datetime | None:
    """A badge from a document valid until ``day`` lapses as that day starts."""
    if day is None:
        return None
    return timezone.make_aware(datetime.combine(day, time.min))


def _grants(document: ProviderDocument) -> tuple[BadgeKind | None, object]:
    kind = document.document_type.grants_badge
    # A staff member's document qualifies them, not their agency: no badge.
    if not kind or document.staff_id is not None:
        return None, None
    return BadgeKind(
        kind
    ), document.category if document.document_type.per_category else None


def _approve_document(
    document: ProviderDocument, *, actor: User, now: datetime
) -> None:
    """Approve one waiting document: the one it renews is replaced, and the
    badge it earns is granted (an ID also sets ``verified_at``)."""
    older = ProviderDocument.objects.filter(
        provider_id=document.provider_id,
        staff_id=document.staff_id,
        document_type_id=document.document_type_id,
        category_id=document.category_id,
        status=DocumentStatus.APPROVED,
    ).exclude(pk=document.pk)
    older.update(status=DocumentStatus.REPLACED, retired_at=now)
    document.status = DocumentStatus.APPROVED
    document.reviewed_at = now
    document.reviewed_by = actor
    document.review_reason = ""
    document.save(
        update_fields=["status", "reviewed_at", "reviewed_by", "review_reason"]
    )
    kind, category = _grants(document)
    if kind is None:
        return
    grant_badge(
        document.provider,
        kind,
        source=f"document:{document.public_id}",
        category=category,
        expires_at=_badge_until(document.expires_on),
        now=now,
    )
    if kind == BadgeKind.ID_VERIFIED:
        ProviderProfile.objects.filter(pk=document.provider_id).update(verified_at=now)


def _take_badge_away(document: ProviderDocument, *, reason: str, now: datetime) -> None:
    """Revoke the badge ``document`` earned, if it is still the one in force."""
    kind, category = _grants(document)
    if kind is None:
        return
    provider = document.provider
    still_from_it = provider.badges.filter(
        kind=kind,
        category=category,
        revoked_at__isnull=True,
        source=f"document:{document.public_id}",
    ).exists()
    if still_from_it:
        revoke_badge(provider, kind, reason=reason, category=category, now=now)
        if kind == BadgeKind.ID_VERIFIED:
            ProviderProfile.objects.filter(pk=provider.pk).update(verified_at=None)


def _reject_document(
    document: ProviderDocument, *, actor: User, reason: str, now: datetime
) -> None:
    was_approved = document.status == DocumentStatus.APPROVED
    document.status = DocumentStatus.REJECTED
    document.review_reason = reason
    document.reviewed_at = now
    document.reviewed_by = actor
    document.retired_at = now
    document.save(
        update_fields=[
            "status",
            "review_reason",
            "reviewed_at",
            "reviewed_by",
            "retired_at",
        ]
    )
    if was_approved:
        _take_badge_away(document, reason="document rejected", now=now)


def _tell(topic: str, subject: str, **payload) -> None:
    record_event(topic=f"verification.{topic}", subject=subject, payload=payload)


def _decide(
    *,
    actor: User,
    application_id: str,
    status: ApplicationStatus,
    reason: str,
    now: datetime | None,
) -> ProviderApplication:
    require_ops_permission(actor, OpsPermission.VERIFY_PROVIDERS)
    now = now or timezone.now()
    application = _lock_application_by_id(application_id)
    if not application.can_decide():
        raise Conflict(
            "application_not_open",
            _("This application is not waiting for a decision."),
        )
    before = application.status
    pending = ProviderDocument.objects.select_for_update(of=("self",)).filter(
        provider=application.provider, status=DocumentStatus.PENDING
    )
    if status == ApplicationStatus.APPROVED:
        for document in pending.select_related("document_type", "category", "provider"):
            _approve_document(document, actor=actor, now=now)
    elif status == ApplicationStatus.REJECTED:
        for document in pending.select_related("document_type", "provider"):
            _reject_document(document, actor=actor, reason=reason, now=now)
    application.status = status
    application.reason = reason
    application.decided_at = now
    application.decided_by = actor
    application.save(
        update_fields=["status", "reason", "decided_at", "decided_by", "updated_at"]
    )
    action = {
        ApplicationStatus.APPROVED: audit_actions.APPROVE_APPLICATION,
        ApplicationStatus.REJECTED: audit_actions.REJECT_APPLICATION,
        ApplicationStatus.CHANGES_REQUESTED: audit_actions.REQUEST_CHANGES,
    }[status]
    audit.record(
        actor=actor,
        action=action,
        target=application,
        reason=reason,
        before={"status": before},
        after={"status": status.value},
    )
    _tell(status.value, application.public_id, reason=reason)
    return application


def approve_application(
    *, actor: User, application_id: str, reason: str = "", now: datetime | None = None
) -> ProviderApplication:
    """Approve a submitted application and every document waiting in it,
    granting their badges. Needs ``VERIFY_PROVIDERS``; audited; the provider
    is told."""
    with transaction.atomic():
        return _decide(
            actor=actor,
            application_id=application_id,
            status=ApplicationStatus.APPROVED,
            reason=_clean_reason(reason, required=False),
            now=now,
        )


def request_changes(
    *, actor: User, application_id: str, reason: str, now: datetime | None = None
) -> ProviderApplication:
    """Send a submitted application back to the provider with ``reason``
    (required). Documents ops rejected one by one stay rejected; the rest wait."""
    with transaction.atomic():
        return _decide(
            actor=actor,
            application_id=application_id,
            status=ApplicationStatus.CHANGES_REQUESTED,
            reason=_clean_reason(reason, required=True),
            now=now,
        )


def reject_application(
    *, actor: User, application_id: str, reason: str, now: datetime | None = None
) -> ProviderApplication:
    """Turn the provider down, with ``reason`` (required); documents waiting
    are rejected too (their files go after the retention period)."""
    with transaction.atomic():
        return _decide(
            actor=actor,
            application_id=application_id,
            status=ApplicationStatus.REJECTED,
            reason=_clean_reason(reason, required=True),
            now=now,
        )


@transaction.atomic
def review_document(
    *,
    actor: User,
    document_id: str,
    approve: bool,
    reason: str = "",
    now: datetime | None = None,
) -> ProviderDocument:
    """Approve a waiting document (granting its badge), or reject a waiting or
    approved one with ``reason`` (taking its badge away and pausing the
    published services that needed it). Needs
    ``VERIFY_PROVIDERS``; audited; a rejection is told to the provider.
    ``Conflict`` ``document_already_decided`` for any other state."""
    require_ops_permission(actor, OpsPermission.VERIFY_PROVIDERS)
    now = now or timezone.now()
    document = (
        ProviderDocument.objects.select_for_update(of=("self",))
        .select_related("provider", "document_type", "category")
        .filter(public_id=str(document_id))
        .first()
    )
    if document is None:
        raise _document_not_found()
    reason = _clean_reason(reason, required=not approve)
    allowed = (
        (DocumentStatus.PENDING,)
        if approve
        else (DocumentStatus.PENDING, DocumentStatus.APPROVED)
    )
    if document.status not in allowed:
        raise Conflict(
            "document_already_decided", _("This document was already decided.")
        )
    before = document.status
    if approve:
        _approve_document(document, actor=actor, now=now)
    else:
        _reject_document(document, actor=actor, reason=reason, now=now)
        if before == DocumentStatus.APPROVED:
            # Services that relied on it go offline, as on expiry.
            _pause_listings_needing_documents(document.provider)
        _tell("document_rejected", document.public_id, reason=reason)
    audit.record(
        actor=actor,
        action=(
            audit_actions.APPROVE_DOCUMENT if approve else audit_actions.REJECT_DOCUMENT
        ),
        target=document,
        reason=reason,
        before={"status": before},
        after={"status": document.status},
    )
    return document


# --- The publishing gate ------------------------------------------------------------


def documents_missing_for(listing: Listing) -> dict[str, list[str]]:
    """The publish check the catalogue asks (registered in ``TrustConfig``):
    the listing's category needs its provider's mandatory documents approved
    and valid, when the operator requires it
    (``DOORSTEP_REQUIRE_VERIFIED_DOCUMENTS``)."""
    if not settings.DOORSTEP_REQUIRE_VERIFIED_DOCUMENTS or listing.category is None:
        return {}
    missing = queries.missing_requirements(listing.provider, listing.category)
    if not missing:
        return {}
    names = ", ".join(sorted({str(req.document_type) for req in missing}))
    return {
        "__all__": [
            _(
                "Services in this category need these documents approved first: "
                "%(documents)s. Upload them on your Verification page."
            )
            % {"documents": names}
        ]
    }


# --- Time: expiry and retention (periodic jobs) -------------------------------------


def _pause_listings_needing_documents(provider: ProviderProfile) -> int:
    paused = 0
    listings = Listing.objects.filter(
        provider=provider, status=Listing.Status.PUBLISHED
    ).select_related("category", "provider")
    for listing in listings:
        if documents_missing_for(listing):
            catalog.pause_listing(actor=provider.user, listing_id=listing.public_id)
            paused += 1
    return paused


@transaction.atomic
def lapse_document(*, document_id: int, now: datetime | None = None) -> int:
    """An approved document reached its expiry day: it expires, its badge goes,
    and the provider's published services that need it are paused. Returns how
    many were paused. Does nothing to a document no longer approved."""
    now = now or timezone.now()
    document = (
        ProviderDocument.objects.select_for_update(of=("self",))
        .select_related("provider__user", "document_type", "category")
        .filter(pk=document_id, status=DocumentStatus.APPROVED)
        .first()
    )
    if document is None:
        return 0
    document.status = DocumentStatus.EXPIRED
    document.retired_at = now
    document.save(update_fields=["status", "retired_at"])
    _take_badge_away(document, reason="document expired", now=now)
    paused = _pause_listings_needing_documents(document.provider)
    audit.record(
        actor=None,
        action=audit_actions.LAPSE_DOCUMENT,
        target=document,
        before={"status": DocumentStatus.APPROVED.value},
        after={"status": DocumentStatus.EXPIRED.value, "paused_listings": paused},
    )
    _tell("document_lapsed", document.public_id, paused=paused)
    return paused


@transaction.atomic
def _remind(document: ProviderDocument, days: int) -> None:
    updated = ProviderDocument.objects.filter(
        Q(reminded_days__isnull=True) | Q(reminded_days__gt=days),
        pk=document.pk,
        status=DocumentStatus.APPROVED,
    ).update(reminded_days=days)
    if updated:
        _tell("document_expiring", document.public_id, days=days)


def sweep_document_expiry(*, now: datetime | None = None) -> dict[str, int]:
    """The daily expiry run: remind 30 and 7 days ahead (each once), lapse
    documents on their expiry day."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    lapsed = paused = reminded = 0
    due = queries.expiring_documents(within_days=0, today=today).values_list(
        "pk", flat=True
    )
    for document_id in list(due):
        paused += lapse_document(document_id=document_id, now=now)
        lapsed += 1
    soon = queries.expiring_documents(within_days=REMINDER_DAYS[0], today=today)
    for document in soon.filter(expires_on__gt=today):
        days_left = (document.expires_on - today).days
        days = min(d for d in REMINDER_DAYS if d >= days_left)
        if document.reminded_days is None or document.reminded_days > days:
            _remind(document, days)
            reminded += 1
    return {"lapsed": lapsed, "paused_listings": paused, "reminded": reminded}


def purge_document_files(*, now: datetime | None = None) -> int:
    """Delete the files (and numbers) of documents rejected, replaced or
    expired more than ``DOORSTEP_DOCUMENT_RETENTION_DAYS`` ago, and of every
    document of an account closed that long ago. The rows stay, for the
    history of decisions. Returns how many files went."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.DOORSTEP_DOCUMENT_RETENTION_DAYS)
    due = ProviderDocument.objects.filter(file_deleted_at__isnull=True).filter(
        Q(retired_at__lt=cutoff) | Q(provider__user__deleted_at__lt=cutoff)
    )
    storage = ProviderDocument.file.field.storage
    purged = 0
    for document in due.only("pk", "file"):
        with transaction.atomic():
            name = document.file.name
            ProviderDocument.objects.filter(pk=document.pk).update(
                file="", number="", file_deleted_at=now
            )
            if name:
                transaction.on_commit(lambda name=name: storage.delete(name))
        purged += 1
    return purged


def can_view_documents(user: User) -> bool:
    return has_ops_permission(user, OpsPermission.VIEW_DOCUMENTS)
