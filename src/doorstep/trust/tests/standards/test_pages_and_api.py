"""The provider's Standards page and API, and the ops pages under
``/ops/standards/``: each tried by its owner, by the wrong user and, for ops,
by each role (404 to non-ops, 403 to a role without ``ENFORCE_STANDARDS``)."""

import itertools
from datetime import timedelta

import pytest
from django.urls import reverse

from doorstep.api.testing import API, JSON, assert_problem, bearer
from doorstep.orders.models import Order
from doorstep.trust import standards
from doorstep.trust.standards_models import (
    Appeal,
    PenaltyRule,
    PenaltyTrigger,
    ProviderStanding,
    StandingLevel,
    Strike,
)
from tests.factories import make_ops, make_order, make_provider, sign_in_ops

pytestmark = pytest.mark.django_db
_days = itertools.count(10)


def _complaint(listing, customer) -> Strike:
    order: Order = make_order(
        listing=listing,
        customer=customer,
        state="completed",
        starts_in=timedelta(days=next(_days)),
    )
    return standards.uphold_quality_complaint(
        user=make_ops("Trust & safety"), order=order, reason="Windows left dirty"
    )


@pytest.fixture
def strike(listing, customer):
    return _complaint(listing, customer)


# --- The provider's page -------------------------------------------------------------


def test_the_provider_sees_their_strikes_and_appeals_one(client, provider, strike):
    client.force_login(provider.user)
    page = client.get(reverse("standards:provider"))
    assert page.status_code == 200
    assert strike.public_id.encode() in page.content
    assert b"Windows left dirty" in page.content

    response = client.post(
        reverse("standards:appeal", args=[strike.public_id]),
        {"text": "The customer signed off the job"},
    )

    assert response.status_code == 302
    assert Appeal.objects.get().strike == strike
    assert (
        b"Waiting for a decision" in client.get(reverse("standards:provider")).content
    )


def test_another_provider_or_a_customer_cannot_appeal_or_see_it(
    client, strike, customer
):
    client.force_login(make_provider().user)
    page = client.get(reverse("standards:provider"))
    assert strike.public_id.encode() not in page.content
    response = client.post(
        reverse("standards:appeal", args=[strike.public_id]), {"text": "Mine now"}
    )
    assert response.status_code == 404

    client.force_login(customer)
    assert client.get(reverse("standards:provider")).status_code == 404
    assert not Appeal.objects.exists()


def test_an_empty_appeal_is_refused_with_a_message(client, provider, strike):
    client.force_login(provider.user)
    response = client.post(
        reverse("standards:appeal", args=[strike.public_id]), {"text": ""}, follow=True
    )
    assert b"Say why the strike is wrong." in response.content
    assert not Appeal.objects.exists()


# --- The provider API -------------------------------------------------------------


def test_the_api_lists_the_providers_strikes_and_files_an_appeal(
    client, provider, strike, listing, customer
):
    other = _complaint(make_listing_for_other(), customer)
    headers = bearer(provider.user)

    listed = client.get(f"{API}/provider/strikes", **headers).json()
    standing = client.get(f"{API}/provider/standing", **headers).json()
    created = client.post(
        f"{API}/provider/strikes/{strike.public_id}/appeal",
        {"text": "Please look at the photos"},
        content_type=JSON,
        **headers,
    )

    assert [item["id"] for item in listed["items"]] == [strike.public_id]
    assert listed["items"][0]["trigger"] == "quality_complaint"
    assert listed["next"] is None
    assert standing["level"] == "good"
    assert standing["live_strikes"] == 1
    assert created.status_code == 201
    assert created.json()["status"] == "open"
    # someone else's strike is not found, like one that does not exist
    missing = client.post(
        f"{API}/provider/strikes/{other.public_id}/appeal",
        {"text": "Not mine"},
        content_type=JSON,
        **headers,
    )
    assert_problem(missing, 404, "strike_not_found")
    again = client.post(
        f"{API}/provider/strikes/{strike.public_id}/appeal",
        {"text": "Again"},
        content_type=JSON,
        **headers,
    )
    assert_problem(again, 409, "appeal_exists")
    assert Appeal.objects.count() == 1


def make_listing_for_other():
    from tests.factories import make_listing

    return make_listing(price=8_000, currency="CNY")


def test_the_api_refuses_bad_input_and_non_providers(
    client, provider, strike, customer
):
    headers = bearer(provider.user)
    empty = client.post(
        f"{API}/provider/strikes/{strike.public_id}/appeal",
        {"text": "   "},
        content_type=JSON,
        **headers,
    )
    assert_problem(empty, 400, "text_missing")
    unknown = client.post(
        f"{API}/provider/strikes/{strike.public_id}/appeal",
        {"txt": "typo"},
        content_type=JSON,
        **headers,
    )
    assert unknown.status_code == 400
    assert_problem(
        client.get(f"{API}/provider/strikes", **bearer(customer)), 404, "not_a_provider"
    )
    assert_problem(client.get(f"{API}/provider/strikes"), 401)
    assert not Appeal.objects.exists()


# --- Ops pages ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [("Support", 403), ("Finance", 403), ("Trust & safety", 200), ("Ops admin", 200)],
)
def test_ops_pages_per_role(client, strike, provider, role, status):
    appeal = standards.file_appeal(
        user=provider.user, strike_id=strike.public_id, text="Look again"
    )
    sign_in_ops(client, make_ops(role))
    for url in (
        reverse("standards:ops_home"),
        reverse("standards:ops_provider", args=[provider.public_id]),
        reverse("standards:ops_appeal", args=[appeal.public_id]),
    ):
        assert client.get(url).status_code == status, url
    response = client.post(
        reverse("standards:ops_appeal", args=[appeal.public_id]),
        {"decision": "overturn", "reason": "Photos prove it"},
    )
    appeal.refresh_from_db()
    if status == 200:
        assert response.status_code == 302
        assert appeal.status == Appeal.Status.OVERTURNED
    else:
        assert response.status_code == 403
        assert appeal.status == Appeal.Status.OPEN


def test_ops_pages_do_not_exist_for_customers_providers_or_without_mfa(
    client, strike, provider, customer
):
    urls = [
        reverse("standards:ops_home"),
        reverse("standards:ops_provider", args=[provider.public_id]),
    ]
    for user in (customer, provider.user):
        client.force_login(user)
        for url in urls:
            assert client.get(url).status_code == 404
    sign_in_ops(client, make_ops("Trust & safety"), second_factor=False)
    for url in urls:
        assert client.get(url).status_code == 404


def test_ops_home_lists_open_appeals_and_the_queue_counts_them(
    client, strike, provider
):
    standards.file_appeal(
        user=provider.user, strike_id=strike.public_id, text="Please check"
    )
    sign_in_ops(client, make_ops("Trust & safety"))

    page = client.get(reverse("standards:ops_home"))
    home = client.get(reverse("backoffice:home"))

    assert b"Please check" in page.content
    assert b'data-queue="standards_appeals"' in home.content


def test_ops_edit_a_rule_and_act_on_a_provider_from_the_pages(
    client, provider, listing, customer
):
    sign_in_ops(client, make_ops("Trust & safety"))
    client.post(
        reverse("standards:ops_rule", args=["no_show"]),
        {
            "active": "on",
            "fine_bps": "3000",
            "fine_fixed": "CNY=5000, USD=1000",
            "strikes": "3",
            "reason": "Stricter after complaints",
        },
    )
    rule = PenaltyRule.objects.get(trigger=PenaltyTrigger.NO_SHOW)
    assert (rule.fine_bps, rule.fine_fixed, rule.strikes) == (
        3000,
        {"CNY": 5000, "USD": 1000},
        3,
    )

    action = "standards:ops_provider_action"
    client.post(
        reverse(action, args=[provider.public_id, "set"]),
        {"level": "2", "reason_code": "quality", "reason": "Many complaints"},
    )
    assert ProviderStanding.objects.get(provider=provider).level == 2
    order = make_order(
        listing=listing, customer=customer, state="completed", starts_in=timedelta(9)
    )
    client.post(
        reverse(action, args=[provider.public_id, "complaint"]),
        {"order": order.public_id, "reason": "Broke a vase"},
    )
    assert Strike.objects.filter(order=order).exists()
    client.post(
        reverse(action, args=[provider.public_id, "lift"]), {"reason": "Retrained"}
    )
    assert ProviderStanding.objects.get(provider=provider).level == StandingLevel.GOOD
    page = client.get(reverse("standards:ops_provider", args=[provider.public_id]))
    assert b"Retrained" in page.content  # the audit trail on the provider's page


def test_a_bad_rule_from_the_page_shows_why_and_changes_nothing(client):
    sign_in_ops(client, make_ops("Trust & safety"))
    response = client.post(
        reverse("standards:ops_rule", args=["no_show"]),
        {"fine_bps": "lots", "strikes": "1", "reason": "x"},
        follow=True,
    )
    assert b"Between 0 and 10000 basis points." in response.content
    assert PenaltyRule.objects.get(trigger="no_show").fine_bps == 2000


def test_ops_open_a_providers_record_by_its_id(client, provider):
    sign_in_ops(client, make_ops("Trust & safety"))

    response = client.get(
        reverse("standards:ops_home"), {"provider": f" {provider.public_id} "}
    )

    assert response.status_code == 302
    assert response.url == reverse("standards:ops_provider", args=[provider.public_id])
    assert client.get(response.url).status_code == 200
    unknown = reverse("standards:ops_provider", args=["prv_nobody"])
    assert client.get(unknown).status_code == 404
