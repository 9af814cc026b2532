"""Background checks: the provider's consent, ops starting a check, the vendor's
webhooks, and ops deciding a "consider" result.

The vendor is called outside any transaction (a slow or failing vendor must
not hold a lock on the provider): ``start_background_check`` checks what it
can first, calls the vendor, then records the check in a transaction that
checks again. Results arrive only through ``receive_check_webhook``.
"""

import ipaddress
import logging
from collections.abc import Mapping
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.accounts.models import ProviderProfile
from doorstep.audit.services import record
from doorstep.backoffice.access import OpsPermission, require_ops_permission
from doorstep.core.errors import Conflict, DomainError, NotFound
from doorstep.core.ids import new_public_id
from doorstep.trust import audit_actions
from doorstep.trust.background_checks import get_checks, setting, vendor_name
from doorstep.trust.background_checks.base import (
    OUTCOME_CLEAR,
    OUTCOME_CONSIDER,
    OUTCOME_FAILED,
    OUTCOME_RESUMED,
    OUTCOME_SUSPENDED,
    BackgroundCheckError,
    Candidate,
    CheckEvent,
)
from doorstep.trust.badges import grant_badge
from doorstep.trust.check_models import (
    BackgroundCheck,
    BackgroundCheckConsent,
    ProcessedCheckEvent,
)
from doorstep.trust.models import BadgeKind

logger = logging.getLogger(__name__)

# The consent text's version: a new text gets a new version, and a check needs
# consent to the current one. The text is in
# ``templates/trust/badges/_consent_text.html``.
CONSENT_TEXT_VERSION = "2026-12"
Status = BackgroundCheck.Status


# --- Consent ----------------------------------------------------------------------


def current_consent(provider: ProviderProfile) -> BackgroundCheckConsent | None:
    """The provider's latest consent to the current text, if any."""
    return (
        BackgroundCheckConsent.objects.filter(
            provider=provider, text_version=CONSENT_TEXT_VERSION
        )
        .order_by("-given_at", "-pk")
        .first()
    )


@transaction.atomic
def record_consent(
    *,
    provider: ProviderProfile,
    user,
    legal_name: str,
    agreed: bool,
    ip_address: str | None,
    user_agent: str = "",
    now: datetime | None = None,
) -> BackgroundCheckConsent:
    """The provider agrees to be checked, in their own account. Raises
    ``invalid_input`` without the agreement or a legal name, and ``not_found``
    for anyone but the provider's own user."""
    if user is None or provider.user_id != getattr(user, "pk", None):
        raise NotFound("provider_not_found", _("No such provider."))
    legal_name = " ".join((legal_name or "").split())
    fields: dict[str, list[str]] = {}
    if not agreed:
        fields["agreed"] = [_("Tick the box to consent to the check.")]
    if len(legal_name) < 2 or len(legal_name) > 150:
        fields["legal_name"] = [_("Give your first and last name as on your ID.")]
    if fields:
        raise DomainError(
            "invalid_input", _("Some fields are not valid."), fields=fields
        )
    return BackgroundCheckConsent.objects.create(
        provider=provider,
        given_by=user,
        given_at=now or timezone.now(),
        text_version=CONSENT_TEXT_VERSION,
        ip_address=_address_or_none(ip_address),
        user_agent=(user_agent or "")[:300],
        legal_name=legal_name,
    )


# --- Starting a check -------------------------------------------------------------


def open_check(provider: ProviderProfile) -> BackgroundCheck | None:
    return BackgroundCheck.objects.filter(
        provider=provider, status__in=BackgroundCheck.OPEN_STATUSES
    ).first()


def _startable(provider: ProviderProfile) -> BackgroundCheckConsent:
    consent = current_consent(provider)
    if consent is None:
        raise DomainError(
            "background_check_consent_required",
            _("The provider has not consented to a background check."),
        )
    if open_check(provider) is not None:
        raise Conflict(
            "background_check_open",
            _("A background check of this provider is already in progress."),
        )
    return consent


def _split_name(name: str) -> tuple[str, str]:
    """(given, family) names: "Mei Chen" → ("Mei", "Chen"); a name written
    without spaces, as Chinese names are, starts with the family name:
    "王芳" → ("芳", "王")."""
    if " " in name:
        first, _space, last = name.rpartition(" ")
        return first, last
    return name[1:], name[:1]


def start_background_check(*, provider_id: str, user) -> BackgroundCheck:
    """Ops start a check of the provider with public id ``provider_id``: the
    vendor is asked first (outside a transaction), then the check is saved and
    audited. Needs ``VERIFY_PROVIDERS`` and the provider's consent to the
    current text; one check at a time per provider."""
    require_ops_permission(user, OpsPermission.VERIFY_PROVIDERS)
    provider = ProviderProfile.objects.filter(public_id=provider_id).first()
    if provider is None:
        raise NotFound("provider_not_found", _("No such provider."))
    consent = _startable(provider)
    first, last = _split_name(consent.legal_name)
    reference = new_public_id("bgc")
    vendor = get_checks()
    try:
        started = vendor.start_check(
            candidate=Candidate(
                reference=reference,
                first_name=first,
                last_name=last,
                email=provider.user.email or "",
                phone=provider.user.phone or "",
            )
        )
    except BackgroundCheckError as error:
        logger.warning("background check of %s not started: %s", provider_id, error)
        if error.retryable or error.code == BackgroundCheckError.NOT_CONFIGURED:
            raise DomainError(
                "background_check_unavailable",
                _("The background-check service cannot be reached; try again later."),
            ) from error
        raise DomainError(
            "background_check_refused",
            _("The background-check service refused the check: %(reason)s")
            % {"reason": error.message},
        ) from error
    with transaction.atomic():
        provider = ProviderProfile.objects.select_for_update().get(pk=provider.pk)
        consent = _startable(provider)
        check = BackgroundCheck.objects.create(
            public_id=reference,
            provider=provider,
            consent=consent,
            vendor=vendor.name,
            candidate_id=started.candidate_id,
            external_id=started.external_id,
            candidate_url=started.candidate_url,
            status=Status.PENDING,
            started_by=user,
            started_at=timezone.now(),
        )
        record(
            actor=user,
            action=audit_actions.START_BACKGROUND_CHECK,
            target=provider,
            after={
                "check": check.public_id,
                "vendor": check.vendor,
                "consent": consent.public_id,
            },
        )
    return check


# --- The vendor's webhooks --------------------------------------------------------


def receive_check_webhook(
    *, vendor: str, body: bytes, headers: Mapping[str, str], now: datetime | None = None
) -> int:
    """Handle one delivery; the HTTP status to answer: 404 for a vendor that is
    not the configured one or a check we do not know (yet: the vendor retries),
    400 for a bad signature or a stale event (nothing written), 200 otherwise,
    also for a repeated delivery (which changes nothing)."""
    if vendor != vendor_name():
        # Only the configured vendor may speak: the sandbox's key has a public
        # default, so its endpoint on a live site would let anyone pass a check.
        return 404
    try:
        event = get_checks(vendor).verify_and_parse_webhook(body=body, headers=headers)
    except BackgroundCheckError as error:
        logger.warning("check webhook from %s refused: %s", vendor, error)
        return 400
    now = now or timezone.now()
    max_age = timedelta(seconds=setting("DOORSTEP_CHECK_WEBHOOK_MAX_AGE_SECONDS"))
    if event.created_at is not None and now - event.created_at > max_age:
        logger.warning("check webhook %s is too old", event.id)
        return 400
    try:
        with transaction.atomic():
            check = (
                BackgroundCheck.objects.select_for_update()
                .filter(vendor=vendor, candidate_id=event.candidate_id)
                .first()
            )
            if check is None:
                return 404
            ProcessedCheckEvent.objects.create(
                vendor=vendor, event_id=event.id, event_type=event.type[:60]
            )
            apply_check_event(check, event, now=now)
    except IntegrityError:
        if ProcessedCheckEvent.objects.filter(
            vendor=vendor, event_id=event.id
        ).exists():
            return 200  # a repeated delivery
        raise
    return 200


def apply_check_event(
    check: BackgroundCheck, event: CheckEvent, *, now: datetime
) -> BackgroundCheck:
    """Bring the locked ``check`` in line with the vendor's event. Events about
    a check that is already decided change nothing (deliveries come in any
    order); a clear result grants the badge."""
    if event.external_id and event.external_id != check.external_id:
        check.external_id = event.external_id
        check.save(update_fields=["external_id", "updated_at"])
    if check.status not in BackgroundCheck.OPEN_STATUSES:
        return check
    changed = ["status", "updated_at"]
    if event.outcome == OUTCOME_SUSPENDED:
        check.status = Status.SUSPENDED
    elif event.outcome == OUTCOME_RESUMED:
        check.status = Status.PENDING
    elif event.outcome in {OUTCOME_CLEAR, OUTCOME_CONSIDER, OUTCOME_FAILED}:
        check.status = {
            OUTCOME_CLEAR: Status.CLEAR,
            OUTCOME_CONSIDER: Status.CONSIDER,
            OUTCOME_FAILED: Status.FAILED,
        }[event.outcome]
        check.vendor_result = event.vendor_result[:40]
        check.completed_at = now
        changed += ["vendor_result", "completed_at"]
    else:
        return check
    check.save(update_fields=changed)
    if check.status == Status.CLEAR:
        _grant(check, now=now)
    return check


def _grant(check: BackgroundCheck, *, now: datetime) -> None:
    grant_badge(
        check.provider,
        BadgeKind.BACKGROUND_CHECKED,
        source=f"check:{check.public_id}",
        expires_at=now
        + timedelta(days=setting("DOORSTEP_BACKGROUND_CHECK_VALID_DAYS")),
        now=now,
    )


# --- Ops decide "consider" --------------------------------------------------------


@transaction.atomic
def decide_background_check(
    *, check_id: str, user, approve: bool, reason: str
) -> BackgroundCheck:
    """Ops decide a check the vendor returned as "consider": approved, the
    provider gets the badge; rejected, they do not. The reason is required and
    audited. Needs ``VERIFY_PROVIDERS``."""
    require_ops_permission(user, OpsPermission.VERIFY_PROVIDERS)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(
            "reason_missing",
            _("Say why."),
            fields={"reason": [_("Say why.")]},
        )
    if len(reason) > 500:
        raise DomainError("reason_too_long", _("The reason is too long."))
    check = (
        BackgroundCheck.objects.select_for_update()
        .select_related("provider")
        .filter(public_id=check_id)
        .first()
    )
    if check is None:
        raise NotFound("background_check_not_found", _("No such background check."))
    if check.status != Status.CONSIDER:
        raise Conflict(
            "background_check_closed",
            _("This check is not waiting for a decision."),
        )
    now = timezone.now()
    check.status = Status.APPROVED if approve else Status.REJECTED
    check.decided_by = user
    check.decided_at = now
    check.decision_reason = reason
    check.save(
        update_fields=[
            "status",
            "decided_by",
            "decided_at",
            "decision_reason",
            "updated_at",
        ]
    )
    if approve:
        _grant(check, now=now)
    record(
        actor=user,
        action=(
            audit_actions.APPROVE_BACKGROUND_CHECK
            if approve
            else audit_actions.REJECT_BACKGROUND_CHECK
        ),
        target=check,
        reason=reason,
        before={"status": Status.CONSIDER.value},
        after={"status": check.status},
    )
    return check


def _address_or_none(address: str | None) -> str | None:
    """The client's IP address as given, or none when the server passed none
    (the rate limiter's shared "unknown-address" bucket is not an address)."""
    try:
        return str(ipaddress.ip_address(address)) if address else None
    except ValueError:
        return None
