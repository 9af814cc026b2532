"""Every write of the legal app: publishing a policy version (ops) and recording
that a person accepted the versions in force."""

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django_ratelimit.core import _get_ip as get_ip

from doorstep.audit.services import record
from doorstep.backoffice.access import OpsPermission, require_ops_permission
from doorstep.core.errors import Conflict, DomainError
from doorstep.events.services import record_event
from doorstep.legal import audit_actions, queries
from doorstep.legal.models import Document, PolicyAcceptance, PolicyVersion

POLICY_PUBLISHED = "policy.published"


def hash_ip(request: HttpRequest | None) -> str:
    """The client's address as a keyed hash: enough to match two acceptances
    from one place when a consent is disputed, without storing the address."""
    if request is None:
        return ""
    if getattr(settings, "RATELIMIT_IP_META_KEY", None) or request.META.get(
        "REMOTE_ADDR"
    ):
        address = get_ip(request)
    else:
        return ""
    return salted_hmac("doorstep.legal.ip", address, algorithm="sha256").hexdigest()


# --- Publishing (ops) -----------------------------------------------------------------


@transaction.atomic
def publish_version(
    *,
    actor,
    document: str,
    material: bool,
    body_en: str,
    summary_en: str,
    body_zh_hans: str = "",
    body_zh_hant: str = "",
    summary_zh_hans: str = "",
    summary_zh_hant: str = "",
    reason: str = "",
) -> PolicyVersion:
    """Publish the next version of ``document``; it is in force at once. The
    first version of a document is always material (nobody has accepted
    anything yet). A material version notifies every active account (an event
    the notifications consumer of this app turns into ``policy`` notices).

    Requires ``MANAGE_SETTINGS``. Raises ``DomainError`` 400 ``invalid_input``
    for an unknown document or an empty English text, ``Conflict``
    ``policy_version_conflict`` when another version was published at the same
    moment.
    """
    require_ops_permission(actor, OpsPermission.MANAGE_SETTINGS)
    problems: dict[str, list[str]] = {}
    if document not in Document.values:
        problems["document"] = [_("Choose the terms or the privacy policy.")]
    if not body_en.strip():
        problems["body_en"] = [_("The English text is required.")]
    if not summary_en.strip():
        problems["summary_en"] = [_("Say in a sentence what changed.")]
    if problems:
        raise DomainError(
            "invalid_input", _("Some fields are not valid."), fields=problems
        )
    previous = queries.current_version(document)
    version = PolicyVersion(
        document=document,
        number=(previous.number + 1) if previous else 1,
        material=material or previous is None,
        body_en=body_en.strip(),
        body_zh_hans=body_zh_hans.strip(),
        body_zh_hant=body_zh_hant.strip(),
        summary_en=summary_en.strip(),
        summary_zh_hans=summary_zh_hans.strip(),
        summary_zh_hant=summary_zh_hant.strip(),
        published_at=timezone.now(),
        published_by=actor,
    )
    try:
        with transaction.atomic():
            version.save()
    except IntegrityError as error:
        raise Conflict(
            "policy_version_conflict",
            _("Someone published a version at the same moment. Reload and retry."),
        ) from error
    record(
        actor=actor,
        action=audit_actions.PUBLISH_VERSION,
        target=version,
        reason=reason,
        before={"version": previous.number} if previous else {},
        after={
            "version": version.number,
            "material": version.material,
            "summary": version.summary_en,
        },
    )
    if version.material:
        record_event(
            topic=POLICY_PUBLISHED,
            subject=version.public_id,
            payload={"document": document, "number": version.number},
        )
    return version


# --- Accepting ------------------------------------------------------------------------


@transaction.atomic
def accept_current_versions(
    *, user, request: HttpRequest | None, source: str
) -> list[PolicyAcceptance]:
    """Record that ``user`` accepts the versions now in force (the newest of
    each document). Accepting again changes nothing: one row per version."""
    made = []
    ip_hash = hash_ip(request)
    for version in queries.current_versions():
        acceptance, _created = PolicyAcceptance.objects.get_or_create(
            user=user,
            version=version,
            defaults={"ip_hash": ip_hash, "source": source},
        )
        made.append(acceptance)
    return made


def record_signup_consent(*, user, request: HttpRequest | None) -> None:
    """The sign-up forms (web and API) require the box "I agree to the terms
    and privacy policy"; this records what was agreed to. Before the operator
    published any version there is nothing to record, and the first version
    will be asked for like any new one."""
    accept_current_versions(
        user=user, request=request, source=PolicyAcceptance.Source.SIGNUP
    )
