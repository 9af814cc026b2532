"""The staff earnings API: a staff member's own earnings, the agency's view of
each staff member's balances, the owner's share setting, recording a payment
— each tried as the wrong user."""

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from doorstep.accounts.models import StaffMember
from doorstep.api.testing import API, JSON, assert_problem, bearer
from doorstep.payments import flows
from doorstep.payments.models import AccountKind as K
from doorstep.payments.tests.conftest import balance
from doorstep.payments.tests.test_staff_split import _agency, _released
from tests.factories import make_listing, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def earned(order, provider):
    agency, staff = _agency(provider)
    type(order).objects.filter(pk=order.pk).update(staff=staff)
    order.staff = staff
    _released(order)
    flows.clear_pending(now=timezone.now() + timedelta(days=8))
    return agency, staff


def _send(client, method, path, body, user):
    return getattr(client, method)(
        f"{API}{path}", data=json.dumps(body), content_type=JSON, **bearer(user)
    )


def test_a_staff_member_sees_their_balances_and_orders(client, order, earned):
    _agency_row, staff = earned

    body = client.get(f"{API}/me/staff-earnings", **bearer(staff.user)).json()

    assert body[0]["staff_id"] == staff.public_id
    assert body[0]["balances"] == [
        {"currency": "CNY", "pending": 0, "available": 5_100}
    ]
    assert body[0]["orders"][0]["order_id"] == order.public_id
    assert body[0]["orders"][0]["amount"] == {"amount": 5_100, "currency": "CNY"}
    assert client.get(f"{API}/me/staff-earnings", **bearer(make_user())).json() == []


def test_the_owner_and_managers_see_each_staff_members_balance(
    client, provider, earned
):
    agency, staff = earned
    manager = StaffMember.objects.create(
        agency=agency, user=make_user(), display_name="Mia", role="manager"
    )
    path = f"{API}/agencies/{agency.public_id}/staff-balances"

    for user in (provider.user, manager.user):
        body = client.get(path, **bearer(user)).json()
        rows = {row["staff_id"]: row for row in body["staff"]}
        assert rows[staff.public_id]["balances"][0]["available"] == 5_100
        assert body["staff_share_bps"] == 6000
    other_owner = make_listing().provider
    _other, stranger = _agency(other_owner)
    for user in (staff.user, stranger.user, other_owner.user):
        assert_problem(client.get(path, **bearer(user)), 404, "agency_not_found")


def test_only_the_owner_sets_the_share(client, provider, earned):
    agency, staff = earned
    path = f"/agencies/{agency.public_id}/staff-share"

    refused = _send(client, "put", path, {"share_bps": 9000}, staff.user)
    bad = _send(client, "put", path, {"share_bps": 10_001}, provider.user)
    done = _send(client, "put", path, {"share_bps": 7000}, provider.user)

    assert_problem(refused, 404, "agency_not_found")
    assert bad.status_code == 400
    assert done.json()["staff_share_bps"] == 7000


def test_the_agency_records_a_payment_to_its_staff_member(client, provider, earned):
    agency, staff = earned
    path = f"/agencies/{agency.public_id}/staff/{staff.public_id}/payments"
    body = {"amount": 5_000, "currency": "CNY", "reference": "bank-1"}

    as_staff = _send(client, "post", path, body, staff.user)
    paid = _send(client, "post", path, body, provider.user)
    again = _send(client, "post", path, body, provider.user)
    too_much = _send(client, "post", path, {**body, "reference": "2"}, provider.user)
    other = _send(
        client,
        "post",
        f"/agencies/{agency.public_id}/staff/stf_nobody/payments",
        body,
        provider.user,
    )

    assert_problem(as_staff, 404, "agency_not_found")
    assert paid.status_code == 201
    assert again.json()["entry_id"] == paid.json()["entry_id"]
    assert_problem(too_much, 409, "insufficient_funds")
    assert_problem(other, 404, "staff_not_found")
    assert balance(K.STAFF_AVAILABLE, staff=staff) == 100


# --- The web page -------------------------------------------------------------------


def test_the_page_shows_staff_their_part_and_the_owner_each_balance(
    client, order, provider, earned
):
    _agency_row, staff = earned
    url = reverse("payments:staff_earnings")

    client.force_login(staff.user)
    mine = client.get(url).content.decode()
    client.force_login(provider.user)
    owners = client.get(url).content.decode()

    assert order.title in mine
    assert "51.00" in mine
    assert "Sam" in owners
    assert "share_percent" in owners


def test_only_the_agencys_people_set_the_share_or_record_payments_on_the_page(
    client, provider, earned
):
    agency, staff = earned
    share = reverse("payments:set_staff_share", args=[agency.public_id])
    pay = reverse(
        "payments:record_staff_payment", args=[agency.public_id, staff.public_id]
    )

    client.force_login(staff.user)
    assert client.post(share, {"share_percent": "90"}).status_code == 404
    assert client.post(pay, {"amount": "10", "currency": "CNY"}).status_code == 404
    client.force_login(provider.user)
    client.post(share, {"share_percent": "70"})
    client.post(pay, {"amount": "10", "currency": "CNY", "reference": "r"})

    agency.refresh_from_db()
    assert agency.staff_share_bps == 7000
    assert balance(K.STAFF_AVAILABLE, staff=staff) == 5_100 - 1_000
