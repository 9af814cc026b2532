"""The agency pages: the team, a staff member's page, performance, the join
link; 404 for anyone who may not see them."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from doorstep.accounts.models import StaffMember
from doorstep.agencies import services
from doorstep.agencies.models import StaffInvitation
from doorstep.agencies.tests.helpers import agency_with_owner, join_as
from doorstep.scheduling.models import AvailabilityRule
from doorstep.trust.tests.conftest import pdf_upload
from tests.factories import make_provider, make_user

pytestmark = pytest.mark.django_db


def test_a_provider_creates_an_agency_and_invites_from_the_team_page(client):
    provider = make_provider()
    client.force_login(provider.user)
    start = client.get(reverse("agencies:home"))
    assert start.status_code == 200
    assert b"Create agency" in start.content
    client.post(reverse("agencies:create"), {"name": "Bright Homes"})
    team = client.get(reverse("agencies:home"))
    assert b"Bright Homes" in team.content
    invited = client.post(
        reverse("agencies:invite"),
        {"display_name": "Wei", "email": "wei@example.com", "role": "worker"},
    )
    assert invited.status_code == 302
    invitation = StaffInvitation.objects.get()
    # a bad invitation shows its error beside the form
    refused = client.post(
        reverse("agencies:invite"),
        {"display_name": "Wei", "email": "wei@example.com", "role": "worker"},
    )
    assert refused.status_code == 400
    assert "re-send" in refused.content.decode()
    client.post(
        reverse("agencies:invitation_action", args=[invitation.public_id, "revoke"])
    )
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None


def test_the_join_link_signs_a_new_person_up_and_in(client):
    _agency, owner = agency_with_owner()
    _invitation, token = services.invite_staff(
        actor=owner, display_name="Mei", email="mei@example.com"
    )
    page = client.get(reverse("agencies:join", args=[token]))
    assert page.status_code == 200
    joined = client.post(
        reverse("agencies:join", args=[token]),
        {"name": "Mei Lin", "password": "plum-kettle-47-orbit"},
    )
    staff = StaffMember.objects.get(user__email="mei@example.com")
    assert joined.status_code == 302
    assert joined["Location"] == reverse("agencies:staff", args=[staff.public_id])
    assert client.get(joined["Location"]).status_code == 200
    # the link is single-use
    again = client.get(reverse("agencies:join", args=[token]))
    assert b"has expired" in again.content


def test_the_join_link_of_someone_with_an_account_asks_them_to_sign_in(client):
    agency, owner = agency_with_owner()
    person = make_user(email="li@example.com")
    _invitation, token = services.invite_staff(
        actor=owner, display_name="Li", email="li@example.com"
    )
    response = client.get(reverse("agencies:join", args=[token]))
    assert response.status_code == 302
    assert "login" in response["Location"]
    # someone else signed in cannot use it
    client.force_login(make_user())
    refused = client.post(reverse("agencies:join", args=[token]))
    assert refused.status_code == 400
    assert not StaffMember.objects.filter(user=person).exists()
    client.force_login(person)
    assert client.post(reverse("agencies:join", args=[token])).status_code == 302
    assert StaffMember.objects.filter(user=person, agency=agency).exists()


def test_managers_use_the_staff_page_and_others_get_404(client):
    agency, owner = agency_with_owner()
    worker = join_as(agency, name="Worker")
    colleague = join_as(agency, name="Colleague")
    record = services.add_training_record(
        actor=owner,
        staff_id=colleague.public_id,
        course="Safety",
        completed_on=timezone.localdate() - timedelta(days=2),
        certificate=pdf_upload(),
    )
    _other, other_owner = agency_with_owner("Other")
    staff_id = colleague.public_id
    pages = [
        ("get", reverse("agencies:staff", args=[staff_id]), {}),
        ("post", reverse("agencies:update_profile", args=[staff_id]), {}),
        ("post", reverse("agencies:update_skills", args=[staff_id]), {}),
        ("post", reverse("agencies:change_role", args=[staff_id]), {"role": "worker"}),
        ("post", reverse("agencies:deactivate", args=[staff_id]), {}),
        ("post", reverse("agencies:set_hours", args=[staff_id]), {}),
        ("post", reverse("agencies:add_time_off", args=[staff_id]), {}),
        ("post", reverse("agencies:add_training", args=[staff_id]), {}),
        ("post", reverse("agencies:add_assessment", args=[staff_id]), {}),
        ("post", reverse("agencies:upload_document", args=[staff_id]), {}),
        ("get", reverse("agencies:certificate", args=[record.public_id]), {}),
    ]
    for intruder in (other_owner, worker.user, make_user()):
        client.force_login(intruder)
        for method, url, data in pages:
            assert getattr(client, method)(url, data).status_code == 404, url
    client.force_login(worker.user)
    assert client.get(reverse("agencies:performance")).status_code == 404
    # the manager's view
    client.force_login(owner)
    page = client.get(reverse("agencies:staff", args=[staff_id]))
    assert page.status_code == 200
    assert b"Safety" in page.content
    download = client.get(reverse("agencies:certificate", args=[record.public_id]))
    assert download.status_code == 200
    assert download["Cache-Control"] == "private, no-store"
    assessed = client.post(
        reverse("agencies:add_assessment", args=[staff_id]),
        {"subject": "Ironing", "score": "101", "assessed_on": "2026-01-01"},
    )
    assert assessed.status_code == 400
    client.post(
        reverse("agencies:set_hours", args=[staff_id]),
        {"start_0": "09:00", "end_0": "17:00"},
    )
    assert AvailabilityRule.objects.get().staff_id == colleague.pk
    assert client.get(reverse("agencies:performance")).status_code == 200
    # a staff member sees their own page
    client.force_login(colleague.user)
    assert client.get(reverse("agencies:home")).status_code == 302
    assert client.get(reverse("agencies:staff", args=[staff_id])).status_code == 200
