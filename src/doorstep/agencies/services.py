"""Every write of an agency: creating it, inviting and managing its staff, their
profiles, skills, availability, training, assessments and documents.

Who may do what, said once (``access_staff`` and ``_require_manager``):

* the owner and managers run the agency; workers do jobs;
* managers do everything except remove the owner or change managers' roles
  (making, demoting or deactivating a manager is the owner's);
* a staff member sees (and edits the personal part of) their own profile only;
* one agency never sees another's staff: ``NotFound``, as for what does not exist.

Agency actions are the agency's own business, not ops actions: no audit entry.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.accounts.models import Agency, ProviderProfile, StaffMember, User
from doorstep.accounts.services import normalize_phone
from doorstep.agencies.models import Assessment, StaffInvitation, TrainingRecord
from doorstep.catalog.models import Category
from doorstep.catalog.photos import process_photo
from doorstep.catalog.services import provider_of
from doorstep.core.errors import (
    Conflict,
    DomainError,
    NotFound,
    PermissionDenied,
)
from doorstep.dispatch.models import Worker
from doorstep.events.services import record_event
from doorstep.marketplace.queries import site_name
from doorstep.notifications.sms import send_sms
from doorstep.scheduling import services as scheduling
from doorstep.scheduling.models import AvailabilityException
from doorstep.trust import services as trust
from doorstep.trust.files import process_document
from doorstep.trust.models import ProviderDocument

Role = StaffMember.Role

# How long an invitation link works.
INVITATION_DAYS = 7


# --- Access -------------------------------------------------------------------------


def _membership_in(actor: User, agency_id: int) -> StaffMember | None:
    if not actor.is_authenticated:
        return None
    return (
        StaffMember.objects.filter(
            agency_id=agency_id, user_id=actor.pk, is_active=True
        )
        .select_related("agency")
        .first()
    )


def managed_agency(actor: User) -> StaffMember:
    """The actor's active owner or manager membership (of the agency they run).
    ``NotFound`` ``agency_not_found`` for anyone else."""
    membership = None
    if actor.is_authenticated:
        membership = (
            StaffMember.objects.filter(
                user_id=actor.pk, is_active=True, role__in=StaffMember.MANAGING_ROLES
            )
            .select_related("agency__owner")
            .order_by("pk")
            .first()
        )
    if membership is None:
        raise NotFound("agency_not_found", _("You do not run an agency."))
    return membership


def _staff_not_found() -> NotFound:
    return NotFound("staff_not_found", _("No such staff member."))


@dataclass(frozen=True)
class StaffAccess:
    """A staff member as one actor may see them: ``manager`` is the actor's
    managing membership of the same agency, ``None`` when it is their own
    profile and they do not run the agency."""

    staff: StaffMember
    manager: StaffMember | None

    @property
    def is_self(self) -> bool:
        return self.manager is None or self.manager.pk == self.staff.pk


def access_staff(*, actor: User, staff_id: str, manage: bool = False) -> StaffAccess:
    """The staff member with this public id, for themselves (unless ``manage``)
    or for an active owner or manager of their agency. Everyone else, another
    agency included, gets ``NotFound`` ``staff_not_found``."""
    staff = (
        StaffMember.objects.select_related("agency__owner", "user")
        .filter(public_id=str(staff_id))
        .first()
    )
    if staff is None or not actor.is_authenticated:
        raise _staff_not_found()
    membership = _membership_in(actor, staff.agency_id)
    if membership is not None and membership.role in StaffMember.MANAGING_ROLES:
        return StaffAccess(staff, membership)
    if not manage and staff.user_id == actor.pk:
        return StaffAccess(staff, None)
    raise _staff_not_found()


def _managed_staff(actor: User, staff_id: str) -> tuple[StaffMember, StaffMember]:
    """(staff, the actor's managing membership), the staff row locked."""
    access = access_staff(actor=actor, staff_id=staff_id, manage=True)
    staff = StaffMember.objects.select_for_update(of=("self",)).get(pk=access.staff.pk)
    staff.agency = access.staff.agency
    return staff, access.manager


def _require_owner_for(manager: StaffMember, *roles: str) -> None:
    """Managers' roles are the owner's to give, change and take away."""
    if manager.role != Role.OWNER and Role.MANAGER in roles:
        raise PermissionDenied(
            "role_change_not_allowed",
            _("Only the agency's owner makes, changes or removes managers."),
        )


# --- The agency ---------------------------------------------------------------------


def _create_worker(staff: StaffMember, provider: ProviderProfile) -> Worker:
    """The staff member's dispatch row: based where the agency is until set;
    workers take platform jobs, the owner and managers only when they opt in."""
    return Worker.objects.create(
        provider=provider,
        staff=staff,
        display_name=staff.display_name,
        accepts_dispatch=staff.role == Role.WORKER,
        base_latitude=provider.latitude,
        base_longitude=provider.longitude,
        service_radius_km=provider.service_radius_km,
    )


def _clean_name(value: str, field: str = "name") -> str:
    value = (value or "").strip()
    if not value or len(value) > 150:
        message = _("Enter a name of at most 150 characters.")
        raise DomainError("invalid_input", message, fields={field: [message]})
    return value


@transaction.atomic
def create_agency(*, actor: User, name: str) -> Agency:
    """Turn the actor's provider account into an agency they own: they become
    its owner (a staff member with role owner), and their provider profile is
    the agency's. ``NotFound`` ``not_a_provider`` without a provider profile;
    ``Conflict`` ``already_in_agency`` for someone who already belongs to one."""
    name = _clean_name(name)
    provider = ProviderProfile.objects.select_for_update().get(pk=provider_of(actor).pk)
    if (
        provider.agency_id is not None
        or StaffMember.objects.filter(user=actor, is_active=True).exists()
    ):
        raise Conflict("already_in_agency", _("You already belong to an agency."))
    agency = Agency.objects.create(name=name, owner=actor)
    provider.agency = agency
    provider.save(update_fields=["agency", "updated_at"])
    owner = StaffMember.objects.create(
        agency=agency,
        user=actor,
        display_name=provider.display_name,
        role=Role.OWNER,
        languages=list(provider.languages or []),
    )
    _create_worker(owner, provider)
    return agency


@transaction.atomic
def rename_agency(*, actor: User, name: str) -> Agency:
    agency = managed_agency(actor).agency
    agency.name = _clean_name(name)
    agency.save(update_fields=["name"])
    return agency


# --- Invitations --------------------------------------------------------------------


def token_digest(token: str) -> str:
    """What is stored of an invitation's token."""
    return hashlib.sha256(token.encode()).hexdigest()


def _clean_contact(email: str, phone: str) -> tuple[str, str]:
    email = User.objects.normalize_email((email or "").strip()).lower()
    phone = (phone or "").strip()
    if bool(email) == bool(phone):
        message = _("Give an e-mail address or a phone number (one of them).")
        raise DomainError(
            "invalid_input", message, fields={"email": [message], "phone": [message]}
        )
    if phone:
        phone = normalize_phone(phone)
    elif "@" not in email or len(email) > 254:
        message = _("Enter a valid e-mail address.")
        raise DomainError("invalid_input", message, fields={"email": [message]})
    return email, phone


def user_with_contact(email: str, phone: str) -> User | None:
    if email:
        return User.objects.filter(email__iexact=email).first()
    return User.objects.filter(phone=phone).first()


def invitation_link(token: str) -> str:
    return settings.DOORSTEP_BASE_URL.rstrip("/") + reverse(
        "agencies:join", kwargs={"token": token}
    )


def _deliver_invitation(invitation: StaffInvitation, token: str) -> None:
    """Tell the invitee, after commit. Someone with an account is notified
    (kind ``agency``: in the app, and by e-mail or SMS per their preferences)
    through an event, and accepts from their invitations page; someone without
    one gets the link with the token — which is never stored — by e-mail or SMS."""
    record_event(
        topic="agency.invitation_sent",
        subject=invitation.public_id,
        payload={"agency": invitation.agency.name, "role": invitation.role},
    )
    if user_with_contact(invitation.email, invitation.phone) is not None:
        return
    agency_name = invitation.agency.name
    email, phone = invitation.email, invitation.phone
    link = invitation_link(token)

    def send() -> None:
        text = _(
            "%(agency)s invites you to join their team on %(site)s. "
            "Accept within %(days)d days: %(link)s"
        ) % {
            "agency": agency_name,
            "site": site_name(),
            "days": INVITATION_DAYS,
            "link": link,
        }
        if email:
            subject = _("Join %(agency)s") % {"agency": agency_name}
            send_mail(subject, text, None, [email])
        else:
            send_sms(to=phone, body=text)

    transaction.on_commit(send)


@transaction.atomic
def invite_staff(
    *,
    actor: User,
    display_name: str,
    email: str = "",
    phone: str = "",
    role: str = Role.WORKER,
    now: datetime | None = None,
) -> tuple[StaffInvitation, str]:
    """Invite someone by e-mail address or phone number to join the actor's
    agency as a worker (or, by the owner only, as a manager). Returns the
    invitation and its token (shown nowhere but in the message sent).

    ``Conflict`` ``already_staff`` when that person already works there,
    ``invitation_exists`` when an open invitation to them exists."""
    now = now or timezone.now()
    manager = managed_agency(actor)
    agency = Agency.objects.select_for_update().get(pk=manager.agency_id)
    if role not in (Role.WORKER, Role.MANAGER):
        message = _("Choose service staff or manager.")
        raise DomainError("invalid_input", message, fields={"role": [message]})
    _require_owner_for(manager, role)
    display_name = _clean_name(display_name, "display_name")
    email, phone = _clean_contact(email, phone)
    existing = user_with_contact(email, phone)
    if (
        existing is not None
        and StaffMember.objects.filter(
            agency=agency, user=existing, is_active=True
        ).exists()
    ):
        raise Conflict("already_staff", _("This person already works for you."))
    open_ones = StaffInvitation.objects.filter(
        agency=agency,
        email=email,
        phone=phone,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=now,
    )
    if open_ones.exists():
        raise Conflict(
            "invitation_exists",
            _("You invited this person already: re-send that invitation instead."),
        )
    token = secrets.token_urlsafe(32)
    invitation = StaffInvitation.objects.create(
        agency=agency,
        role=role,
        display_name=display_name,
        email=email,
        phone=phone,
        digest=token_digest(token),
        invited_by=actor,
        created_at=now,
        sent_at=now,
        expires_at=now + timedelta(days=INVITATION_DAYS),
    )
    _deliver_invitation(invitation, token)
    return invitation, token


def _lock_invitation(agency_id: int, invitation_id: str) -> StaffInvitation:
    invitation = (
        StaffInvitation.objects.select_for_update(of=("self",))
        .select_related("agency")
        .filter(agency_id=agency_id, public_id=str(invitation_id))
        .first()
    )
    if invitation is None:
        raise NotFound("invitation_not_found", _("No such invitation."))
    return invitation


def _closed() -> Conflict:
    return Conflict(
        "invitation_closed",
        _("This invitation was accepted or withdrawn, or it has expired."),
    )


@transaction.atomic
def resend_invitation(
    *, actor: User, invitation_id: str, now: datetime | None = None
) -> tuple[StaffInvitation, str]:
    """Send a not yet accepted, not revoked invitation again, with a new token
    (the old link stops working) and a new expiry."""
    now = now or timezone.now()
    manager = managed_agency(actor)
    invitation = _lock_invitation(manager.agency_id, invitation_id)
    _require_owner_for(manager, invitation.role)
    if invitation.accepted_at is not None or invitation.revoked_at is not None:
        raise _closed()
    token = secrets.token_urlsafe(32)
    invitation.digest = token_digest(token)
    invitation.sent_at = now
    invitation.times_sent += 1
    invitation.expires_at = now + timedelta(days=INVITATION_DAYS)
    invitation.save(update_fields=["digest", "sent_at", "times_sent", "expires_at"])
    _deliver_invitation(invitation, token)
    return invitation, token


@transaction.atomic
def revoke_invitation(
    *, actor: User, invitation_id: str, now: datetime | None = None
) -> StaffInvitation:
    """Withdraw an invitation not yet accepted: its link stops working."""
    now = now or timezone.now()
    manager = managed_agency(actor)
    invitation = _lock_invitation(manager.agency_id, invitation_id)
    _require_owner_for(manager, invitation.role)
    if invitation.accepted_at is not None or invitation.revoked_at is not None:
        raise _closed()
    invitation.revoked_at = now
    invitation.save(update_fields=["revoked_at"])
    return invitation


def _invitation_by_token(token: str) -> StaffInvitation:
    invitation = (
        StaffInvitation.objects.select_for_update(of=("self",))
        .select_related("agency__owner")
        .filter(digest=token_digest(token or ""))
        .first()
    )
    if invitation is None:
        raise NotFound("invitation_not_found", _("No such invitation."))
    return invitation


def _has_contact(user: User, invitation: StaffInvitation, *, verified: bool) -> bool:
    """Whether ``invitation`` was sent to ``user``'s e-mail address or phone
    number (proved theirs, with ``verified``)."""
    if invitation.phone:
        return user.phone == invitation.phone and (user.phone_verified or not verified)
    if (user.email or "").lower() != invitation.email:
        return False
    if not verified:
        return True
    from allauth.account.models import EmailAddress

    return EmailAddress.objects.filter(
        user=user, email__iexact=invitation.email, verified=True
    ).exists()


def _join(invitation: StaffInvitation, user: User, now: datetime) -> StaffMember:
    if not invitation.is_open_at(now):
        raise _closed()
    agency = invitation.agency
    staff = StaffMember.objects.filter(agency=agency, user=user).first()
    if staff is not None and staff.is_active:
        raise Conflict("already_staff", _("You already work for this agency."))
    if staff is None:
        staff = StaffMember.objects.create(
            agency=agency,
            user=user,
            display_name=invitation.display_name,
            role=invitation.role,
        )
        _create_worker(staff, agency.owner.provider_profile)
    else:  # coming back: the same row, its history kept
        staff.is_active = True
        staff.left_at = None
        staff.role = invitation.role
        staff.save(update_fields=["is_active", "left_at", "role"])
        Worker.objects.filter(staff=staff).update(
            accepts_dispatch=staff.role == Role.WORKER
        )
    invitation.accepted_at = now
    invitation.accepted_by = user
    invitation.staff = staff
    invitation.save(update_fields=["accepted_at", "accepted_by", "staff"])
    return staff


@transaction.atomic
def accept_invitation(
    *, actor: User, token: str, now: datetime | None = None
) -> StaffMember:
    """Join the agency with the token from the invitation's link, signed in.

    The token proves the invitee received the message; the signed-in account
    must also have the address it went to, so a forwarded link cannot be used
    by someone else's session (``PermissionDenied``
    ``invitation_for_someone_else``). ``NotFound`` for an unknown token,
    ``Conflict`` ``invitation_closed`` for one used, revoked or expired."""
    now = now or timezone.now()
    invitation = _invitation_by_token(token)
    if not _has_contact(actor, invitation, verified=False):
        raise PermissionDenied(
            "invitation_for_someone_else",
            _(
                "This invitation was sent to another e-mail address or phone "
                "number. Sign in with that one to accept it."
            ),
        )
    return _join(invitation, actor, now)


@transaction.atomic
def accept_my_invitation(
    *, actor: User, invitation_id: str, now: datetime | None = None
) -> StaffMember:
    """Join from the invitations page, without the link: the invitation must
    have gone to an e-mail address or phone number proved to be the actor's.
    Anyone else gets ``NotFound``."""
    now = now or timezone.now()
    invitation = (
        StaffInvitation.objects.select_for_update(of=("self",))
        .select_related("agency__owner")
        .filter(public_id=str(invitation_id))
        .first()
    )
    if invitation is None or not _has_contact(actor, invitation, verified=True):
        raise NotFound("invitation_not_found", _("No such invitation."))
    return _join(invitation, actor, now)


@transaction.atomic
def sign_up_by_invitation(
    *, token: str, name: str, password: str = "", now: datetime | None = None
) -> tuple[User, StaffMember]:
    """Create the invitee's account and join: the token proves they own the
    address the invitation went to, which is recorded as verified. An e-mail
    invitee chooses a password; a phone invitee signs in later with codes.

    ``Conflict`` ``email_taken`` when an account has that address already
    (its owner signs in and accepts instead)."""
    from allauth.account.models import EmailAddress

    from doorstep.accounts.services import sign_up

    now = now or timezone.now()
    invitation = _invitation_by_token(token)
    if not invitation.is_open_at(now):
        raise _closed()
    name = _clean_name(name)
    if user_with_contact(invitation.email, invitation.phone) is not None:
        raise Conflict(
            "email_taken",
            _("An account with this address exists: sign in to accept."),
        )
    if invitation.email:
        user = sign_up(email=invitation.email, password=password, name=name)
        EmailAddress.objects.filter(user=user).update(verified=True)
    else:
        try:
            with transaction.atomic():
                user = User.objects.create_user(
                    email=None, phone=invitation.phone, name=name, phone_verified=True
                )
        except IntegrityError as error:
            raise Conflict(
                "email_taken",
                _("An account with this address exists: sign in to accept."),
            ) from error
    return user, _join(invitation, user, now)


# --- Staff members ------------------------------------------------------------------


@transaction.atomic
def change_role(*, actor: User, staff_id: str, role: str) -> StaffMember:
    """Make a staff member a manager or service staff. Only the owner changes
    managers' roles (promoting to manager included); nobody changes the
    owner's (``PermissionDenied`` ``owner_protected``)."""
    staff, manager = _managed_staff(actor, staff_id)
    if staff.role == Role.OWNER:
        raise PermissionDenied(
            "owner_protected", _("The owner's role cannot be changed.")
        )
    if role not in (Role.WORKER, Role.MANAGER):
        message = _("Choose service staff or manager.")
        raise DomainError("invalid_input", message, fields={"role": [message]})
    _require_owner_for(manager, role, staff.role)
    staff.role = role
    staff.save(update_fields=["role"])
    return staff


@transaction.atomic
def deactivate_staff(
    *, actor: User, staff_id: str, today: date | None = None
) -> StaffMember:
    """Take a staff member off the team: no more jobs or access; their
    history (jobs, reviews, records, documents) stays. The owner cannot be
    removed; a manager only by the owner."""
    staff, manager = _managed_staff(actor, staff_id)
    if staff.role == Role.OWNER:
        raise PermissionDenied(
            "owner_protected", _("The agency's owner cannot be removed.")
        )
    _require_owner_for(manager, staff.role)
    if not staff.is_active:
        return staff
    staff.is_active = False
    staff.left_at = today or timezone.localdate()
    staff.save(update_fields=["is_active", "left_at"])
    Worker.objects.filter(staff=staff).update(
        accepts_dispatch=False,
        is_on_duty=False,
        shares_location=False,
        latitude=None,
        longitude=None,
    )
    return staff


# The parts of a profile a staff member edits themselves; the rest (skills,
# service area, taking platform jobs) is their agency's.
PERSONAL_FIELDS = {"display_name", "languages"}
AGENCY_FIELDS = {
    "categories",
    "base_latitude",
    "base_longitude",
    "service_radius_km",
    "accepts_dispatch",
}


def _profile_errors(changes: dict) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if "display_name" in changes:
        name = (changes["display_name"] or "").strip()
        if not name or len(name) > 150:
            errors["display_name"] = [_("Enter a name of at most 150 characters.")]
        changes["display_name"] = name
    if "languages" in changes:
        codes = [str(code).strip() for code in changes["languages"] or []]
        if len(codes) > 20 or any(not code or len(code) > 16 for code in codes):
            errors["languages"] = [_("List at most 20 language codes.")]
        changes["languages"] = list(dict.fromkeys(codes))
    for field, low, high in (
        ("base_latitude", -90, 90),
        ("base_longitude", -180, 180),
        ("service_radius_km", Decimal("0.5"), 200),
    ):
        if field in changes and not (low <= changes[field] <= high):
            errors[field] = [
                _("Enter a number from %(low)s to %(high)s.")
                % {"low": low, "high": high}
            ]
    return errors


@transaction.atomic
def update_staff_profile(
    *, actor: User, staff_id: str, photo=None, **changes
) -> StaffMember:
    """Change a staff member's profile. They change their own name, languages
    and photo; their agency's managers change those and their skills
    (``categories``: category slugs), base and radius, and whether they take
    platform jobs. Raises ``DomainError`` ``invalid_input`` naming the bad
    fields (nothing saved), ``NotFound`` for a profile the actor may not edit."""
    unknown = set(changes) - PERSONAL_FIELDS - AGENCY_FIELDS
    if unknown:
        raise TypeError(f"unknown profile fields: {sorted(unknown)}")
    access = access_staff(actor=actor, staff_id=staff_id)
    if access.manager is None and set(changes) & AGENCY_FIELDS:
        raise _staff_not_found()
    errors = _profile_errors(changes)
    categories = None
    if "categories" in changes:
        slugs = list(dict.fromkeys(changes["categories"] or []))
        categories = list(Category.objects.filter(slug__in=slugs))
        if len(categories) != len(slugs):
            errors["categories"] = [_("Choose categories from the list.")]
    if errors:
        raise DomainError(
            "invalid_input", _("Some details are not valid."), fields=errors
        )
    staff = StaffMember.objects.select_for_update(of=("self",)).get(pk=access.staff.pk)
    personal = [name for name in PERSONAL_FIELDS if name in changes]
    for name in personal:
        setattr(staff, name, changes[name])
    if photo is not None:
        processed = process_photo(photo)
        staff.photo.save(processed.name, processed.image, save=False)
        personal.append("photo")
    if personal:
        staff.save(update_fields=personal)
    worker = Worker.objects.select_for_update().filter(staff=staff).first()
    if worker is None:
        worker = _create_worker(staff, access.staff.agency.owner.provider_profile)
    worker_fields = [name for name in AGENCY_FIELDS - {"categories"} if name in changes]
    for name in worker_fields:
        setattr(worker, name, changes[name])
    if "display_name" in changes:
        worker.display_name = staff.display_name
        worker_fields.append("display_name")
    if worker_fields:
        worker.save(update_fields=worker_fields)
    if categories is not None:
        worker.categories.set(categories)
    return staff


# --- Availability -------------------------------------------------------------------


def _calendar(actor: User, staff_id: str) -> tuple[ProviderProfile, StaffMember]:
    """Managers set their staff's hours; a staff member their own."""
    access = access_staff(actor=actor, staff_id=staff_id)
    return access.staff.agency.owner.provider_profile, access.staff


def set_staff_weekly_hours(
    *, actor: User, staff_id: str, rules: list[scheduling.WeeklyHours]
):
    """Replace a staff member's weekly hours (see
    ``scheduling.services.replace_weekly_rules``)."""
    provider, staff = _calendar(actor, staff_id)
    return scheduling.replace_weekly_rules(provider=provider, rules=rules, staff=staff)


def add_staff_exception(
    *,
    actor: User,
    staff_id: str,
    day: date,
    kind: str = AvailabilityException.Kind.OFF,
    start_time: time | None = None,
    end_time: time | None = None,
    note: str = "",
) -> AvailabilityException:
    """Time off (or extra hours) for a staff member on one date."""
    provider, staff = _calendar(actor, staff_id)
    return scheduling.add_exception(
        provider=provider,
        staff=staff,
        day=day,
        kind=kind,
        start_time=start_time,
        end_time=end_time,
        note=note,
    )


def remove_staff_exception(*, actor: User, staff_id: str, exception_id: str) -> None:
    provider, staff = _calendar(actor, staff_id)
    scheduling.remove_exception(
        provider=provider, staff=staff, exception_id=exception_id
    )


# --- Training, assessments, documents -----------------------------------------------


def _invalid(errors: dict[str, list[str]]) -> DomainError:
    return DomainError("invalid_input", _("Some details are not valid."), fields=errors)


@transaction.atomic
def add_training_record(
    *,
    actor: User,
    staff_id: str,
    course: str,
    completed_on: date,
    issuer: str = "",
    expires_on: date | None = None,
    certificate=None,
    today: date | None = None,
) -> TrainingRecord:
    """Record a course a staff member completed (managers only), with its
    certificate (a PDF or photo, kept privately like documents)."""
    staff, _manager = _managed_staff(actor, staff_id)
    today = today or timezone.localdate()
    errors: dict[str, list[str]] = {}
    course = (course or "").strip()
    issuer = (issuer or "").strip()
    if not course or len(course) > 150:
        errors["course"] = [_("Name the course (at most 150 characters).")]
    if len(issuer) > 150:
        errors["issuer"] = [_("Keep this under 150 characters.")]
    if completed_on > today:
        errors["completed_on"] = [_("This date is in the future.")]
    if expires_on is not None and expires_on <= completed_on:
        errors["expires_on"] = [_("It must expire after it was completed.")]
    if errors:
        raise _invalid(errors)
    record = TrainingRecord(
        staff=staff,
        course=course,
        issuer=issuer,
        completed_on=completed_on,
        expires_on=expires_on,
        recorded_by=actor,
    )
    if certificate is not None:
        processed = process_document(certificate)
        record.certificate.save(processed.name, processed.content, save=False)
        record.certificate_type = processed.content_type
    record.save()
    return record


def access_training_record(*, actor: User, record_id: str) -> TrainingRecord:
    """A training record, for the staff member it is about and their agency's
    managers; ``NotFound`` for anyone else."""
    record = (
        TrainingRecord.objects.select_related("staff")
        .filter(public_id=str(record_id))
        .first()
    )
    if record is not None:
        try:
            access_staff(actor=actor, staff_id=record.staff.public_id)
        except NotFound:
            record = None
    if record is None:
        raise NotFound("training_record_not_found", _("No such training record."))
    return record


@transaction.atomic
def remove_training_record(*, actor: User, record_id: str) -> None:
    record = access_training_record(actor=actor, record_id=record_id)
    _managed_staff(actor, record.staff.public_id)
    name = record.certificate.name
    record.delete()
    if name:
        storage = TrainingRecord.certificate.field.storage
        transaction.on_commit(lambda: storage.delete(name))


@transaction.atomic
def add_assessment(
    *,
    actor: User,
    staff_id: str,
    subject: str,
    score: int,
    assessed_on: date,
    notes: str = "",
    today: date | None = None,
) -> Assessment:
    """Record an assessment of a staff member, scored 0–100 (managers only)."""
    staff, _manager = _managed_staff(actor, staff_id)
    today = today or timezone.localdate()
    errors: dict[str, list[str]] = {}
    subject = (subject or "").strip()
    notes = (notes or "").strip()
    if not subject or len(subject) > 150:
        errors["subject"] = [_("Say what was assessed (at most 150 characters).")]
    if not 0 <= score <= 100:
        errors["score"] = [_("Give a score from 0 to 100.")]
    if assessed_on > today:
        errors["assessed_on"] = [_("This date is in the future.")]
    if len(notes) > 2000:
        errors["notes"] = [_("Keep the notes under 2,000 characters.")]
    if errors:
        raise _invalid(errors)
    return Assessment.objects.create(
        staff=staff,
        subject=subject,
        score=score,
        assessed_on=assessed_on,
        notes=notes,
        assessed_by=actor,
    )


def upload_staff_document(
    *,
    actor: User,
    staff_id: str,
    requirement_id,
    upload,
    number: str = "",
    expires_on: date | None = None,
) -> ProviderDocument:
    """Upload a staff member's ID, health certificate… for ops' review (the
    trust flow). Their agency's managers upload them."""
    with transaction.atomic():
        staff, _manager = _managed_staff(actor, staff_id)
        return trust.upload_staff_document(
            staff=staff,
            requirement_id=requirement_id,
            upload=upload,
            number=number,
            expires_on=expires_on,
        )
