"""Agency services: creating an agency, invitations, roles, profiles,
availability, training, assessments."""

from datetime import date, time, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from doorstep.accounts.models import StaffMember
from doorstep.agencies import services
from doorstep.agencies.models import StaffInvitation
from doorstep.agencies.tests.helpers import agency_with_owner, join_as
from doorstep.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from doorstep.dispatch.models import Worker
from doorstep.dispatch.tests.helpers import after_commit
from doorstep.notifications.models import Notification
from doorstep.scheduling.models import AvailabilityException, AvailabilityRule
from doorstep.scheduling.services import WeeklyHours
from tests.factories import make_category, make_provider, make_user

pytestmark = pytest.mark.django_db
Role = StaffMember.Role


# --- Creating an agency -------------------------------------------------------------


def test_a_provider_turns_their_account_into_an_agency():
    # given a provider
    provider = make_provider()
    # when they create an agency
    agency = services.create_agency(actor=provider.user, name=" Bright Homes ")
    # then they own it, as its owner staff member with a dispatch worker row
    provider.refresh_from_db()
    owner = StaffMember.objects.get(agency=agency)
    assert (agency.name, agency.owner, provider.agency) == (
        "Bright Homes",
        provider.user,
        agency,
    )
    assert owner.role == Role.OWNER
    worker = Worker.objects.get(staff=owner)
    assert (worker.provider, worker.accepts_dispatch) == (provider, False)
    assert (worker.base_latitude, worker.base_longitude) == (
        provider.latitude,
        provider.longitude,
    )


def test_one_cannot_create_two_agencies_and_customers_cannot_create_any():
    _agency, owner = agency_with_owner()
    with pytest.raises(Conflict) as error:
        services.create_agency(actor=owner, name="Second")
    assert error.value.code == "already_in_agency"
    with pytest.raises(NotFound) as error:
        services.create_agency(actor=make_user(), name="Mine")
    assert error.value.code == "not_a_provider"


# --- Invitations --------------------------------------------------------------------


def test_an_invitation_by_email_to_someone_new_sends_the_link_and_keeps_only_a_digest():
    _agency, owner = agency_with_owner()
    mail.outbox.clear()
    with after_commit():
        invitation, token = services.invite_staff(
            actor=owner, display_name="Mei", email="Mei@Example.com"
        )
    assert invitation.email == "mei@example.com"
    assert token not in invitation.digest
    assert invitation.digest == services.token_digest(token)
    [message] = mail.outbox
    assert message.to == ["mei@example.com"]
    assert services.invitation_link(token) in message.body


def test_someone_with_an_account_is_notified_and_accepts_from_their_invitations():
    agency, owner = agency_with_owner()
    from allauth.account.models import EmailAddress

    person = make_user(name="Li Na")
    EmailAddress.objects.create(user=person, email=person.email, verified=True)
    with after_commit():
        invitation, _token = services.invite_staff(
            actor=owner, display_name="Li Na", email=person.email
        )
    from doorstep.events.models import Event
    from doorstep.events.services import deliver_event_now

    for event in Event.objects.filter(topic="agency.invitation_sent"):
        deliver_event_now(event_id=event.pk)
    notification = Notification.objects.get(recipient=person)
    assert notification.kind == "agency"
    assert agency.name in notification.title
    staff = services.accept_my_invitation(
        actor=person, invitation_id=invitation.public_id
    )
    assert (staff.agency, staff.user, staff.role) == (agency, person, Role.WORKER)
    assert Worker.objects.get(staff=staff).accepts_dispatch is True


def test_an_invitation_is_single_use():
    _agency, owner = agency_with_owner()
    person = make_user()
    _invitation, token = services.invite_staff(
        actor=owner, display_name="P", email=person.email
    )
    services.accept_invitation(actor=person, token=token)
    with pytest.raises(Conflict) as error:
        services.accept_invitation(actor=person, token=token)
    assert error.value.code == "invitation_closed"
    assert StaffMember.objects.filter(user=person).count() == 1


def test_an_expired_or_revoked_invitation_cannot_be_accepted():
    _agency, owner = agency_with_owner()
    person = make_user()
    invitation, token = services.invite_staff(
        actor=owner,
        display_name="P",
        email=person.email,
        now=timezone.now() - timedelta(days=8),
    )
    with pytest.raises(Conflict):
        services.accept_invitation(actor=person, token=token)
    _same, new_token = services.resend_invitation(
        actor=owner, invitation_id=invitation.public_id
    )
    with pytest.raises(NotFound):  # the old link died with the re-send
        services.accept_invitation(actor=person, token=token)
    services.revoke_invitation(actor=owner, invitation_id=invitation.public_id)
    with pytest.raises(Conflict) as error:
        services.accept_invitation(actor=person, token=new_token)
    assert error.value.code == "invitation_closed"
    assert not StaffMember.objects.filter(user=person).exists()


def test_someone_elses_session_cannot_use_a_forwarded_link():
    _agency, owner = agency_with_owner()
    _invitation, token = services.invite_staff(
        actor=owner, display_name="P", phone="+8613800138000"
    )
    stranger = make_user(phone="+8613900139000", phone_verified=True)
    with pytest.raises(PermissionDenied) as error:
        services.accept_invitation(actor=stranger, token=token)
    assert error.value.code == "invitation_for_someone_else"
    # nor through the invitations page (unverified address): not found
    with pytest.raises(NotFound):
        services.accept_my_invitation(
            actor=stranger, invitation_id=_invitation.public_id
        )


def test_a_phone_invitee_without_an_account_signs_up_with_the_link():
    agency, owner = agency_with_owner()
    _invitation, token = services.invite_staff(
        actor=owner, display_name="Chen", phone="+86 138 0013 8000"
    )
    user, staff = services.sign_up_by_invitation(token=token, name="Chen Jie")
    assert (user.phone, user.phone_verified, user.name) == (
        "+8613800138000",
        True,
        "Chen Jie",
    )
    assert staff.agency == agency
    assert staff.display_name == "Chen"


def test_an_email_invitee_signs_up_with_a_password_and_the_address_is_verified():
    from allauth.account.models import EmailAddress

    _agency, owner = agency_with_owner()
    _invitation, token = services.invite_staff(
        actor=owner, display_name="Ann", email="ann.new@example.com"
    )
    user, _staff = services.sign_up_by_invitation(
        token=token, name="Ann", password="plum-kettle-47-orbit"
    )
    assert user.check_password("plum-kettle-47-orbit")
    assert EmailAddress.objects.get(user=user).verified


def test_inviting_twice_or_inviting_a_member_is_a_conflict():
    agency, owner = agency_with_owner()
    member = join_as(agency)
    with pytest.raises(Conflict) as error:
        services.invite_staff(actor=owner, display_name="x", email=member.user.email)
    assert error.value.code == "already_staff"
    services.invite_staff(actor=owner, display_name="y", email="y@example.com")
    with pytest.raises(Conflict) as error:
        services.invite_staff(actor=owner, display_name="y", email="Y@example.com")
    assert error.value.code == "invitation_exists"


def test_contact_must_be_one_of_email_or_phone():
    _agency, owner = agency_with_owner()
    with pytest.raises(DomainError) as error:
        services.invite_staff(actor=owner, display_name="x")
    assert set(error.value.fields) == {"email", "phone"}
    with pytest.raises(DomainError):
        services.invite_staff(
            actor=owner, display_name="x", email="a@b.c", phone="+8613800138000"
        )
    assert not StaffInvitation.objects.exists()


# --- Roles --------------------------------------------------------------------------


def test_managers_run_the_team_but_only_the_owner_handles_managers():
    agency, owner = agency_with_owner()
    manager = join_as(agency, role=Role.MANAGER, name="Manager")
    worker = join_as(agency, name="Worker")
    # a manager invites workers, not managers
    services.invite_staff(actor=manager.user, display_name="w", email="w@example.com")
    with pytest.raises(PermissionDenied) as error:
        services.invite_staff(
            actor=manager.user, display_name="m", email="m@example.com", role="manager"
        )
    assert error.value.code == "role_change_not_allowed"
    # a manager cannot promote a worker, nor remove the owner or another manager
    with pytest.raises(PermissionDenied):
        services.change_role(
            actor=manager.user, staff_id=worker.public_id, role="manager"
        )
    owner_staff = StaffMember.objects.get(agency=agency, role=Role.OWNER)
    with pytest.raises(PermissionDenied) as error:
        services.deactivate_staff(actor=manager.user, staff_id=owner_staff.public_id)
    assert error.value.code == "owner_protected"
    # the owner promotes and demotes
    services.change_role(actor=owner, staff_id=worker.public_id, role="manager")
    with pytest.raises(PermissionDenied):
        services.deactivate_staff(actor=manager.user, staff_id=worker.public_id)
    services.change_role(actor=owner, staff_id=worker.public_id, role="worker")
    # a manager deactivates a worker: history kept, no more dispatch
    services.deactivate_staff(actor=manager.user, staff_id=worker.public_id)
    worker.refresh_from_db()
    assert (worker.is_active, worker.left_at) == (False, timezone.localdate())
    assert Worker.objects.get(staff=worker).accepts_dispatch is False
    # nobody changes the owner's role
    with pytest.raises(PermissionDenied):
        services.change_role(actor=owner, staff_id=owner_staff.public_id, role="worker")


def test_a_worker_cannot_manage_and_another_agency_sees_nothing():
    agency, _owner = agency_with_owner()
    worker = join_as(agency, name="Worker")
    colleague = join_as(agency, name="Colleague")
    _other, other_owner = agency_with_owner("Other Co")
    for actor in (worker.user, other_owner, make_user()):
        with pytest.raises(NotFound):
            services.change_role(
                actor=actor, staff_id=colleague.public_id, role="worker"
            )
        with pytest.raises(NotFound):
            services.add_assessment(
                actor=actor,
                staff_id=colleague.public_id,
                subject="x",
                score=50,
                assessed_on=timezone.localdate(),
            )
    with pytest.raises(NotFound):
        services.access_staff(actor=worker.user, staff_id=colleague.public_id)
    assert services.access_staff(actor=worker.user, staff_id=worker.public_id).is_self
    with pytest.raises(NotFound) as error:
        services.managed_agency(worker.user)
    assert error.value.code == "agency_not_found"


# --- Profile, skills, availability --------------------------------------------------


def test_profile_self_edits_personal_fields_managers_set_skills_and_area():
    agency, owner = agency_with_owner()
    worker = join_as(agency)
    cleaning = make_category("cleaning")
    services.update_staff_profile(
        actor=worker.user,
        staff_id=worker.public_id,
        display_name="Wei Z.",
        languages=["zh-hans", "en"],
    )
    with pytest.raises(NotFound):
        services.update_staff_profile(
            actor=worker.user, staff_id=worker.public_id, categories=["cleaning"]
        )
    services.update_staff_profile(
        actor=owner,
        staff_id=worker.public_id,
        categories=["cleaning"],
        base_latitude=31.2,
        base_longitude=121.4,
        service_radius_km=8,
    )
    worker.refresh_from_db()
    row = Worker.objects.get(staff=worker)
    assert (worker.display_name, worker.languages) == ("Wei Z.", ["zh-hans", "en"])
    assert row.display_name == "Wei Z."
    assert list(row.categories.all()) == [cleaning]
    assert (row.base_latitude, row.base_longitude, row.service_radius_km) == (
        31.2,
        121.4,
        8,
    )
    with pytest.raises(DomainError) as error:
        services.update_staff_profile(
            actor=owner, staff_id=worker.public_id, categories=["nope"], display_name=""
        )
    assert set(error.value.fields) == {"categories", "display_name"}


def test_staff_hours_and_time_off_are_their_own_not_the_agencys():
    agency, owner = agency_with_owner()
    worker = join_as(agency)
    services.set_staff_weekly_hours(
        actor=owner,
        staff_id=worker.public_id,
        rules=[WeeklyHours(0, time(9), time(17))],
    )
    tomorrow = timezone.localdate() + timedelta(days=1)
    exception = services.add_staff_exception(
        actor=worker.user, staff_id=worker.public_id, day=tomorrow
    )
    assert AvailabilityRule.objects.get().staff == worker
    assert exception.staff == worker
    provider = owner.provider_profile
    from doorstep.scheduling.queries import upcoming_exceptions, weekly_rules

    assert not weekly_rules(provider).exists()
    assert not upcoming_exceptions(provider, today=timezone.localdate()).exists()
    services.remove_staff_exception(
        actor=owner, staff_id=worker.public_id, exception_id=exception.public_id
    )
    assert not AvailabilityException.objects.exists()


# --- Training and assessments -------------------------------------------------------


def test_training_records_and_assessments():
    from doorstep.trust.tests.conftest import pdf_upload

    agency, owner = agency_with_owner()
    worker = join_as(agency)
    record = services.add_training_record(
        actor=owner,
        staff_id=worker.public_id,
        course="Deep cleaning",
        issuer="Shanghai Housekeeping Association",
        completed_on=date(2026, 5, 1),
        expires_on=date(2028, 5, 1),
        certificate=pdf_upload(),
    )
    assert record.certificate_type == "application/pdf"
    assert services.access_training_record(
        actor=worker.user, record_id=record.public_id
    )
    _other, other_owner = agency_with_owner("Other")
    with pytest.raises(NotFound):
        services.access_training_record(actor=other_owner, record_id=record.public_id)
    with pytest.raises(DomainError) as error:
        services.add_training_record(
            actor=owner,
            staff_id=worker.public_id,
            course="",
            completed_on=date(2026, 5, 1),
            expires_on=date(2026, 4, 1),
        )
    assert set(error.value.fields) == {"course", "expires_on"}
    assessment = services.add_assessment(
        actor=owner,
        staff_id=worker.public_id,
        subject="Kitchen deep clean",
        score=88,
        assessed_on=date(2026, 6, 1),
    )
    assert (assessment.score, assessment.assessed_by) == (88, owner)
    with pytest.raises(DomainError) as error:
        services.add_assessment(
            actor=owner,
            staff_id=worker.public_id,
            subject="x",
            score=101,
            assessed_on=date(2026, 6, 1),
        )
    assert "score" in error.value.fields
    # a worker cannot record them, even about themself
    with pytest.raises(NotFound):
        services.add_assessment(
            actor=worker.user,
            staff_id=worker.public_id,
            subject="self",
            score=100,
            assessed_on=date(2026, 6, 1),
        )


def test_someone_who_left_can_be_invited_back_and_keeps_their_history():
    agency, owner = agency_with_owner()
    worker = join_as(agency)
    services.add_assessment(
        actor=owner,
        staff_id=worker.public_id,
        subject="x",
        score=70,
        assessed_on=timezone.localdate(),
    )
    services.deactivate_staff(actor=owner, staff_id=worker.public_id)
    _invitation, token = services.invite_staff(
        actor=owner, display_name="Back", email=worker.user.email
    )
    again = services.accept_invitation(actor=worker.user, token=token)
    assert again.pk == worker.pk
    assert (again.is_active, again.left_at) == (True, None)
    assert again.assessments.count() == 1
    assert Worker.objects.get(staff=again).accepts_dispatch is True
