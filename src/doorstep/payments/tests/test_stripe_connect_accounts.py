"""Stripe Connect onboarding in the adapter (Express accounts, account links,
``account.updated``), against recorded Stripe responses (no network)."""

import pytest

stripe = pytest.importorskip("stripe")

from doorstep.payments.gateways.base import GatewayError, sign_payload  # noqa: E402
from doorstep.payments.tests.test_stripe_connect import _event, _gateway  # noqa: E402

ACCOUNT = {
    "id": "acct_1Express",
    "object": "account",
    "type": "express",
    "details_submitted": False,
    "charges_enabled": False,
    "payouts_enabled": False,
    "requirements": {
        "currently_due": ["external_account", "tos_acceptance.date"],
        "past_due": ["external_account"],
        "disabled_reason": "requirements.past_due",
    },
    "metadata": {"provider": "prv_x"},
}
ENABLED = {
    **ACCOUNT,
    "details_submitted": True,
    "charges_enabled": True,
    "payouts_enabled": True,
    "requirements": {"currently_due": [], "past_due": [], "disabled_reason": None},
}
LINK = {
    "object": "account_link",
    "url": "https://connect.stripe.com/setup/e/acct_1Express/abc",
    "expires_at": 1_900_000_000,
}


def test_a_provider_gets_an_express_account_with_transfers_opened_once(settings):
    settings.STRIPE_CONNECT_COUNTRY = "US"
    gateway, http = _gateway({("post", "/v1/accounts"): (200, ACCOUNT)})

    account = gateway.create_connected_account(
        email="pro@example.com",
        idempotency_key="connect:prv_x",
        metadata={"provider": "prv_x"},
    )

    _method, _path, headers, form = http.sent[0]
    assert form["type"] == ["express"]
    assert form["capabilities[transfers][requested]"] == ["true"]
    assert form["country"] == ["US"]
    assert form["metadata[provider]"] == ["prv_x"]
    assert headers["Idempotency-Key"] == "connect:prv_x"
    assert account.account_id == "acct_1Express"
    assert not account.payouts_enabled
    assert account.requirements_due == ("external_account", "tos_acceptance.date")
    assert account.disabled_reason == "requirements.past_due"


def test_an_account_link_sends_the_provider_to_stripe_and_back_to_us():
    gateway, http = _gateway({("post", "/v1/account_links"): (200, LINK)})

    url = gateway.create_account_link(
        account_id="acct_1Express",
        return_url="https://market.example.com/provider/wallet/setup/return/",
        refresh_url="https://market.example.com/provider/wallet/setup/refresh/",
    )

    form = http.sent[0][3]
    assert url == LINK["url"]
    assert form["type"] == ["account_onboarding"]
    assert form["account"] == ["acct_1Express"]
    assert form["return_url"] == [
        "https://market.example.com/provider/wallet/setup/return/"
    ]


def test_retrieving_an_enabled_account():
    gateway, _http = _gateway({("get", "/v1/accounts/acct_1Express"): (200, ENABLED)})

    account = gateway.retrieve_account(account_id="acct_1Express")

    assert (account.payouts_enabled, account.requirements_due) == (True, ())
    assert account.disabled_reason == ""


def test_account_updated_webhook_is_normalised(settings):
    settings.STRIPE_WEBHOOK_SECRET = "whsec_test"
    gateway, _http = _gateway({})
    body = _event("account.updated", ACCOUNT)

    event = gateway.verify_and_parse_webhook(
        body=body,
        headers={"Stripe-Signature": sign_payload(body, secret="whsec_test")},
    )

    assert event.type == "account.updated"
    assert event.data["id"] == "acct_1Express"
    assert event.data["payouts_enabled"] is False
    assert event.data["requirements_due"] == ["external_account", "tos_acceptance.date"]
    assert event.data["disabled_reason"] == "requirements.past_due"


def test_connect_events_are_verified_with_the_connect_endpoint_secret(settings):
    settings.STRIPE_WEBHOOK_SECRET = "whsec_platform"
    settings.STRIPE_CONNECT_WEBHOOK_SECRET = "whsec_connect"
    gateway, _http = _gateway({})
    body = _event("account.updated", ENABLED)

    event = gateway.verify_and_parse_webhook(
        body=body,
        headers={"Stripe-Signature": sign_payload(body, secret="whsec_connect")},
    )
    with pytest.raises(GatewayError):
        gateway.verify_and_parse_webhook(
            body=body,
            headers={"Stripe-Signature": sign_payload(body, secret="whsec_other")},
        )

    assert event.data["payouts_enabled"] is True
