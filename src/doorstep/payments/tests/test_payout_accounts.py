"""Providers onboard to the gateway's connected accounts (Stripe Connect Express;
the sandbox plays the same with its own onboarding page) before any payout."""

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from doorstep.api.testing import bearer, ops_bearer
from doorstep.core.errors import DomainError
from doorstep.payments import flows
from doorstep.payments.gateways import sandbox
from doorstep.payments.models import (
    AccountKind,
    JournalEntry,
    PayoutAccount,
    PayoutRequest,
    SandboxAccount,
)
from doorstep.payments.tests.conftest import CARD_OK, balance, onboard, set_state
from tests.factories import make_ops, make_provider, make_user

pytestmark = pytest.mark.django_db
K = AccountKind


def _available(order, provider):
    flows.authorise_order(order=order, payment_method=CARD_OK)
    flows.capture_order(order=order)
    set_state(order, "completed")
    flows.release_order(order=order)
    flows.clear_pending(now=timezone.now() + timedelta(days=8))
    return balance(K.PROVIDER_AVAILABLE, provider=provider)


def _counts():
    return (
        PayoutRequest.objects.count(),
        JournalEntry.objects.count(),
        PayoutAccount.objects.count(),
    )


def _follow_setup(client):
    """Press "Set up payouts" on the wallet page: where the gateway sends us."""
    response = client.post(reverse("payments:setup_payouts"))
    assert response.status_code == 302
    return response["Location"]


def test_a_provider_who_has_not_onboarded_cannot_request_a_payout(order, provider):
    # Given earnings available but no connected account
    _available(order, provider)
    before = _counts()

    # When the provider asks for a payout
    with pytest.raises(DomainError) as refused:
        flows.request_payout(provider=provider, amount=5_000, currency="CNY")

    # Then it is refused, clearly, and nothing is written
    assert refused.value.code == "payouts_not_enabled"
    assert _counts() == before


def test_the_api_refuses_a_payout_before_onboarding(client, order, provider):
    _available(order, provider)

    response = client.post(
        "/api/v1/me/payouts",
        {"amount": 5_000},
        content_type="application/json",
        **bearer(provider.user),
    )

    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "payouts_not_enabled"


def test_onboarding_through_the_sandbox_page_enables_payouts(client, order, provider):
    _available(order, provider)
    client.force_login(provider.user)
    wallet = client.get(reverse("payments:wallet")).content.decode()
    assert "Set up payouts" in wallet
    assert "Request payout" not in wallet

    # The provider sets up payouts and lands on the gateway's (sandbox's) page
    onboarding = _follow_setup(client)
    assert urlsplit(onboarding).path.startswith("/sandbox/connect/acct_")
    assert client.get(onboarding).status_code == 200

    # They leave the details incomplete: back on the wallet, still not set up
    back = client.post(onboarding, {"action": "incomplete"})
    assert urlsplit(back["Location"]).path == reverse("payments:payouts_return")
    client.get(back["Location"])
    account = PayoutAccount.objects.get(provider=provider)
    assert not account.can_receive_payouts()
    assert account.requirements_due
    with pytest.raises(DomainError):
        flows.request_payout(provider=provider, amount=5_000, currency="CNY")

    # They try again: the same account, a new link; this time they complete it
    again = _follow_setup(client)
    assert urlsplit(again).path == urlsplit(onboarding).path
    client.get(client.post(again, {"action": "complete"})["Location"])

    account.refresh_from_db()
    assert account.can_receive_payouts()
    assert account.requirements_due == []
    assert SandboxAccount.objects.count() == 1
    assert "Request payout" in client.get(reverse("payments:wallet")).content.decode()
    payout = flows.request_payout(provider=provider, amount=5_000, currency="CNY")
    assert payout.destination == account.account_id


def test_a_forged_or_foreign_link_opens_nothing(client, provider):
    other = make_provider()
    onboard(other)
    client.force_login(provider.user)
    mine = _follow_setup(client)
    my_account = urlsplit(mine).path.split("/")[-2]
    token = mine.split("link=")[1]
    other_account = PayoutAccount.objects.get(provider=other).account_id

    forged = client.get(f"/sandbox/connect/{my_account}/?link=nonsense")
    foreign = client.post(
        f"/sandbox/connect/{other_account}/?link={token}", {"action": "incomplete"}
    )

    assert forged.status_code == 404
    assert foreign.status_code == 404
    assert not PayoutAccount.objects.get(provider=other).requirements_due


def test_an_expired_link_sends_the_provider_to_get_a_new_one(client, provider):
    client.force_login(provider.user)
    link = _follow_setup(client)
    account_id = urlsplit(link).path.split("/")[-2]
    expired = signing.dumps(
        {
            "account": account_id,
            "return": "http://testserver/provider/wallet/setup/return/",
            "refresh": "http://testserver/provider/wallet/setup/refresh/",
        },
        salt=sandbox.ACCOUNT_LINK_SALT,
    )
    later = timezone.now() + timedelta(seconds=sandbox.ACCOUNT_LINK_MAX_AGE + 5)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(signing.time, "time", lambda: later.timestamp())
        response = client.get(f"/sandbox/connect/{account_id}/?link={expired}")
    refreshed = client.get(response["Location"])

    assert urlsplit(response["Location"]).path == reverse("payments:payouts_refresh")
    assert urlsplit(refreshed["Location"]).path == f"/sandbox/connect/{account_id}/"


def test_account_updated_webhook_records_the_state_and_gates_the_batch(order, provider):
    # Given an onboarded provider with a requested payout
    _available(order, provider)
    account = onboard(provider)
    sandbox.deliver_pending()
    payout = flows.request_payout(provider=provider, amount=5_000, currency="CNY")
    ops = make_ops("Finance")

    # When the gateway reports the account disabled (e.g. a document expired)
    sandbox.SandboxGateway._emit(
        "account.updated",
        {
            "id": account.account_id,
            "details_submitted": True,
            "charges_enabled": False,
            "payouts_enabled": False,
            "requirements_due": ["individual.verification.document"],
            "disabled_reason": "requirements.past_due",
        },
    )
    sandbox.deliver_pending()
    entries = JournalEntry.objects.count()
    flows.approve_payouts(request_ids=[payout.pk], user=ops)

    # Then the state is recorded and the batch refuses that payout, moving nothing
    account.refresh_from_db()
    payout.refresh_from_db()
    assert account.disabled_reason == "requirements.past_due"
    assert not account.can_receive_payouts()
    assert payout.status == PayoutRequest.Status.FAILED
    assert payout.failure_code == "payouts_not_enabled"
    assert JournalEntry.objects.count() == entries


def test_setup_and_return_pages_are_for_providers_only(client):
    client.force_login(make_user())

    assert client.post(reverse("payments:setup_payouts")).status_code == 404
    assert client.get(reverse("payments:payouts_return")).status_code == 404


def test_a_real_gateway_ignores_sandbox_webhooks_and_pages(client, provider, settings):
    # Given a sandbox account and event, then the site switched to Stripe
    account = onboard(provider)
    event = sandbox.SandboxWebhook.objects.latest("pk")
    settings.DOORSTEP_PAYMENT_GATEWAY = "stripe_connect"
    body, headers = sandbox.signed_delivery(event)

    # When someone posts a correctly signed sandbox event (its secret is public)
    response = client.post(
        reverse("payments:webhook", args=["sandbox"]),
        body,
        content_type="application/json",
        headers=headers,
    )

    # Then the endpoint is not there, nor is the sandbox's onboarding page
    assert response.status_code == 404
    assert client.get(f"/sandbox/connect/{account.account_id}/").status_code == 404


def test_api_clients_set_up_payouts_and_see_the_state(client, provider):
    def payout_account():
        return client.get("/api/v1/me/payout-account", **bearer(provider.user))

    before = payout_account().json()
    link = client.post(
        "/api/v1/me/payout-account/onboarding-link", **bearer(provider.user)
    )
    client.post(link.json()["url"], {"action": "complete"})
    client.force_login(provider.user)
    client.get(reverse("payments:payouts_return"))
    after = payout_account().json()

    assert before["status"] == "not_started"
    assert link.status_code == 201
    assert link.json()["url"].startswith("http://testserver/sandbox/connect/acct_")
    assert after == {
        "status": "enabled",
        "payouts_enabled": True,
        "requirements_due": [],
        "disabled_reason": "",
    }


def test_a_customer_has_no_payout_account(client):
    customer = make_user()

    response = client.post(
        "/api/v1/me/payout-account/onboarding-link", **bearer(customer)
    )

    assert response.status_code == 404
    assert PayoutAccount.objects.count() == 0


def test_an_api_batch_says_why_a_payout_was_refused(client, order, provider):
    _available(order, provider)
    account = onboard(provider)
    payout = flows.request_payout(provider=provider, amount=5_000, currency="CNY")
    PayoutAccount.objects.filter(pk=account.pk).update(payouts_enabled=False)

    batch = client.post(
        "/api/v1/ops/payouts/batches",
        {"payout_ids": [payout.public_id]},
        content_type="application/json",
        **ops_bearer(make_ops("Finance")),
    )

    assert batch.status_code == 201, batch.content
    [refused] = batch.json()["payouts"]
    assert (refused["status"], refused["failure_code"]) == (
        "failed",
        "payouts_not_enabled",
    )
