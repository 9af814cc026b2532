"""The agency API: the agency's own staff only (404 for everyone else),
invitations, problem+json errors."""

from datetime import timedelta

import pytest
from django.utils import timezone

from doorstep.agencies import services
from doorstep.agencies.tests.helpers import agency_with_owner, join_as
from doorstep.api.testing import API, JSON, assert_problem, bearer
from doorstep.trust.tests.conftest import pdf_upload
from tests.factories import make_category, make_provider, make_user

pytestmark = pytest.mark.django_db


def test_a_provider_creates_an_agency_invites_and_the_invitee_accepts(client):
    provider = make_provider()
    auth = bearer(provider.user)
    created = client.post(
        f"{API}/agency", {"name": "Bright Homes"}, content_type=JSON, **auth
    )
    assert created.status_code == 201, created.content
    assert created.json()["my_role"] == "owner"
    assert_problem(
        client.post(f"{API}/agency", {"name": "Again"}, content_type=JSON, **auth),
        409,
        "already_in_agency",
    )

    invitee = make_user(email="wei@example.com")
    invited = client.post(
        f"{API}/agency/invitations",
        {"display_name": "Wei", "email": "wei@example.com"},
        content_type=JSON,
        **auth,
    )
    assert invited.status_code == 201, invited.content
    assert invited.json()["status"] == "pending"
    [listed] = client.get(f"{API}/agency/invitations", **auth).json()["items"]
    assert listed["id"] == invited.json()["id"]
    # the token is only ever in the message: re-send gives a new one to test with
    _invitation, token = services.resend_invitation(
        actor=provider.user, invitation_id=listed["id"]
    )
    accepted = client.post(
        f"{API}/agency/invitations/accept",
        {"token": token},
        content_type=JSON,
        **bearer(invitee),
    )
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["role"] == "worker"
    staff = client.get(f"{API}/agency/staff", **auth).json()["items"]
    assert {member["display_name"] for member in staff} == {
        provider.display_name,
        "Wei",
    }


def test_the_wrong_user_gets_404_on_every_staff_endpoint(client):
    agency, owner = agency_with_owner()
    worker = join_as(agency, name="Worker")
    colleague = join_as(agency, name="Colleague")
    record = services.add_training_record(
        actor=owner,
        staff_id=colleague.public_id,
        course="Safety",
        completed_on=timezone.localdate() - timedelta(days=3),
    )
    _other, other_owner = agency_with_owner("Other")
    path = f"{API}/agency/staff/{colleague.public_id}"
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    calls = [
        ("get", path, None),
        ("patch", path, {"display_name": "X"}),
        ("post", f"{path}/role", {"role": "manager"}),
        ("post", f"{path}/deactivate", None),
        ("get", f"{path}/performance", None),
        ("get", f"{path}/training", None),
        ("get", f"{path}/assessments", None),
        (
            "post",
            f"{path}/assessments",
            {"subject": "x", "score": 5, "assessed_on": "2026-01-01"},
        ),
        ("get", f"{path}/documents", None),
        ("put", f"{path}/hours", {"rules": []}),
        ("post", f"{path}/time-off", {"date": tomorrow, "kind": "off"}),
        ("delete", f"{API}/agency/training/{record.public_id}", None),
    ]
    for intruder in (other_owner, worker.user, make_user()):
        auth = bearer(intruder)
        for method, url, body in calls:
            call = getattr(client, method)
            arguments = {"content_type": JSON, "data": body} if body is not None else {}
            response = call(url, **arguments, **auth)
            assert_problem(response, 404)
    for intruder in (worker.user, make_user()):
        assert_problem(
            client.get(f"{API}/agency/staff", **bearer(intruder)),
            404,
            "agency_not_found",
        )
        assert_problem(
            client.get(f"{API}/agency/performance", **bearer(intruder)),
            404,
            "agency_not_found",
        )
    # another agency's invitation is not found
    invitation, _token = services.invite_staff(
        actor=owner, display_name="P", email="p@example.com"
    )
    assert_problem(
        client.post(
            f"{API}/agency/invitations/{invitation.public_id}/revoke",
            **bearer(other_owner),
        ),
        404,
        "invitation_not_found",
    )


def test_a_staff_member_reads_and_edits_their_own_profile_only_partly(client):
    agency, owner = agency_with_owner()
    worker = join_as(agency, name="Worker")
    auth = bearer(worker.user)
    path = f"{API}/agency/staff/{worker.public_id}"
    assert client.get(path, **auth).json()["display_name"] == "Worker"
    changed = client.patch(path, {"languages": ["zh-hans"]}, content_type=JSON, **auth)
    assert changed.status_code == 200, changed.content
    assert changed.json()["languages"] == ["zh-hans"]
    assert_problem(
        client.patch(path, {"accepts_dispatch": False}, content_type=JSON, **auth),
        404,
    )
    make_category("cleaning")
    skilled = client.patch(
        path,
        {"skills": ["cleaning"], "service_radius_km": 12},
        content_type=JSON,
        **bearer(owner),
    )
    assert skilled.status_code == 200, skilled.content
    assert skilled.json()["skills"] == ["cleaning"]
    mine = client.get(f"{API}/me/staff-memberships", **auth).json()
    assert [member["id"] for member in mine] == [worker.public_id]


def test_bad_input_is_problem_json_and_changes_nothing(client):
    agency, owner = agency_with_owner()
    worker = join_as(agency)
    auth = bearer(owner)
    path = f"{API}/agency/staff/{worker.public_id}"
    assert_problem(
        client.post(
            f"{API}/agency/invitations",
            {"display_name": "x"},
            content_type=JSON,
            **auth,
        ),
        400,
        "invalid_input",
    )
    assert_problem(
        client.post(
            f"{path}/assessments",
            {"subject": "x", "score": 101, "assessed_on": "2026-01-01"},
            content_type=JSON,
            **auth,
        ),
        400,
    )
    assert_problem(
        client.post(
            f"{path}/role", {"role": "worker"}, content_type=JSON, **bearer(worker.user)
        ),
        404,
    )
    owner_id = client.get(f"{API}/agency", **auth).json()["owner"]
    assert_problem(
        client.post(f"{API}/agency/staff/{owner_id}/deactivate", **auth),
        403,
        "owner_protected",
    )
    assert client.get(f"{path}/assessments", **auth).json() == []


def test_training_with_a_certificate_and_performance(client):
    agency, owner = agency_with_owner()
    worker = join_as(agency)
    auth = bearer(owner)
    path = f"{API}/agency/staff/{worker.public_id}"
    created = client.post(
        f"{path}/training",
        {
            "course": "Deep cleaning",
            "issuer": "Association",
            "completed_on": "2026-05-01",
            "certificate": pdf_upload(),
        },
        **auth,
    )
    assert created.status_code == 201, created.content
    assert created.json()["has_certificate"] is True
    performance = client.get(f"{path}/performance", **auth).json()
    assert performance["performance"]["jobs_done"] == 0
    agency_wide = client.get(f"{API}/agency/performance", **auth).json()
    assert len(agency_wide["staff"]) == 2


def _every_page(client, path: str, auth: dict) -> list[dict]:
    """Follow ``next`` one item at a time to the last page."""
    items, cursor = [], None
    while True:
        query = {"limit": 1} | ({"cursor": cursor} if cursor else {})
        response = client.get(f"{API}{path}", query, **auth)
        assert response.status_code == 200, response.content
        page = response.json()
        assert len(page["items"]) <= 1
        items += page["items"]
        cursor = page["next"]
        if cursor is None:
            return items


def test_staff_and_invitations_are_listed_a_page_at_a_time(client):
    agency, owner = agency_with_owner()
    names = ["Wei", "Li", "Fang"]
    members = [join_as(agency, name=name) for name in names]
    auth = bearer(owner)

    staff = _every_page(client, "/agency/staff", auth)
    invitations = _every_page(client, "/agency/invitations", auth)

    ids = [member["id"] for member in staff]
    assert ids == sorted(ids)
    assert set(ids) == {member.public_id for member in members} | {
        agency.staff.get(user=owner).public_id
    }
    assert sorted(item["display_name"] for item in invitations) == sorted(names)
    bad = client.get(f"{API}/agency/staff", {"cursor": "not-ours"}, **auth)
    assert_problem(bad, 400, "invalid_cursor")
