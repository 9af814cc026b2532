"""The provider's plan page and ops' plan pages: who may see and do what,
and what each form changes."""

import pytest

from doorstep.audit.models import AuditEntry
from doorstep.core.errors import NotFound
from doorstep.subscriptions.models import Plan, PlanPrice, Subscription
from doorstep.subscriptions.tests.conftest import save_card
from tests.factories import make_ops, make_provider, make_user, sign_in_ops

pytestmark = pytest.mark.django_db


def test_the_plan_page_compares_plans_and_subscribes(
    client, provider, card, basic, pro
):
    client.force_login(provider.user)

    page = client.get("/dashboard/plan/")
    assert page.status_code == 200
    assert basic.public_id in page.content.decode()
    assert "•••• 4242" in page.content.decode()

    response = client.post(
        "/dashboard/plan/subscribe/",
        {
            "plan": pro.public_id,
            "interval": "year",
            "currency": "CNY",
            "method": card.public_id,
        },
    )
    assert response.status_code == 302
    subscription = Subscription.objects.get(provider=provider)
    assert (subscription.plan, subscription.interval) == (pro, "year")

    client.post("/dashboard/plan/cancel/", {"when": "period_end"})
    subscription.refresh_from_db()
    assert subscription.cancel_at_period_end
    client.post("/dashboard/plan/resume/")
    subscription.refresh_from_db()
    assert not subscription.cancel_at_period_end

    history = client.get("/dashboard/plan/").content.decode()
    assert subscription.charges.get().public_id in history


def test_a_refused_subscription_is_explained_and_changes_nothing(
    client, provider, basic
):
    client.force_login(provider.user)

    response = client.post(
        "/dashboard/plan/subscribe/",
        {"plan": basic.public_id, "interval": "month", "currency": "CNY"},
        follow=True,
    )

    assert "Add a card" in response.content.decode()
    assert not Subscription.objects.exists()


def test_someone_elses_card_or_no_profile(client, provider, card, basic):
    stranger = make_provider()
    save_card(stranger.user)
    client.force_login(stranger.user)
    response = client.post(
        "/dashboard/plan/subscribe/",
        {
            "plan": basic.public_id,
            "interval": "month",
            "currency": "CNY",
            "method": card.public_id,
        },
    )
    assert response.status_code == 404
    assert not Subscription.objects.exists()

    client.force_login(make_user())
    assert client.get("/dashboard/plan/").status_code == 302  # become a provider


def _plan_form(**overrides):
    return {
        "name_en": "Gold",
        "commission_discount_bps": "500",
        "extra_quote_leads": "10",
        "extra_photos": "5",
        "trial_days": "0",
        "position": "1",
        "prices": "CNY month 50.00\nUSD year 99.00",
        "badge_en": "Gold",
        **overrides,
    }


def test_ops_create_edit_and_archive_a_plan_with_the_audit_trail(client):
    ops = make_ops()
    sign_in_ops(client, ops)

    created = client.post("/ops/plans/new/", _plan_form())
    assert created.status_code == 302, created.content
    plan = Plan.objects.get(name_en="Gold")
    assert {(p.currency, p.interval, p.amount) for p in plan.prices.all()} == {
        ("CNY", "month", 5_000),
        ("USD", "year", 9_900),
    }

    client.post(
        f"/ops/plans/{plan.public_id}/",
        _plan_form(prices="CNY month 60.00", reason="new price"),
    )
    assert list(plan.prices.values_list("amount", flat=True)) == [6_000]

    client.post(
        f"/ops/plans/{plan.public_id}/status/",
        {"status": "archived", "reason": "replaced"},
    )
    plan.refresh_from_db()
    assert plan.status == "archived"
    assert list(AuditEntry.objects.order_by("pk").values_list("action", flat=True)) == [
        "subscriptions.create_plan",
        "subscriptions.update_plan",
        "subscriptions.archive_plan",
    ]
    assert client.get("/ops/plans/").status_code == 200


def test_bad_plan_input_is_shown_beside_the_field_and_saves_nothing(client):
    sign_in_ops(client, make_ops())

    response = client.post("/ops/plans/new/", _plan_form(prices="CNY weekly 5"))

    assert response.status_code == 400
    assert "Unknown currency or interval" in response.content.decode()
    assert not Plan.objects.exists()


def test_mrr_is_per_currency(client, provider, card, basic, pro):
    from doorstep.subscriptions import services

    PlanPrice.objects.create(plan=pro, currency="USD", interval="month", amount=1_500)
    services.subscribe(
        user=provider.user, plan_id=basic.public_id, interval="year", currency="CNY"
    )
    other = make_provider()
    save_card(other.user)
    services.subscribe(
        user=other.user, plan_id=pro.public_id, interval="month", currency="USD"
    )
    sign_in_ops(client, make_ops())

    page = client.get("/ops/plans/")

    totals = page.context["total"]
    assert totals == {"CNY": 30_000 // 12, "USD": 1_500}


def test_plan_pages_are_hidden_from_non_ops_and_closed_to_other_roles(client, basic):
    client.force_login(make_user())
    assert client.get("/ops/plans/").status_code == 404
    assert client.post("/ops/plans/new/", _plan_form()).status_code == 404

    support = make_ops(role="Support")
    sign_in_ops(client, support)
    assert client.get("/ops/plans/").status_code == 403
    response = client.post(
        f"/ops/plans/{basic.public_id}/status/",
        {"status": "archived", "reason": "x"},
    )
    assert response.status_code == 403
    basic.refresh_from_db()
    assert basic.status == "active"
    assert not AuditEntry.objects.exists()


def test_subscribe_with_a_new_card_on_the_gateways_page(client, provider, pro):
    from doorstep.payments.gateways.sandbox import SandboxGateway
    from doorstep.payments.models import SavedPaymentMethod

    client.force_login(provider.user)
    to_gateway = client.post(
        "/dashboard/plan/new-card/",
        {"plan": pro.public_id, "interval": "month", "currency": "CNY"},
    )
    assert to_gateway.status_code == 302
    intent_id = to_gateway["Location"].split("/sandbox/pay/")[1].split("/")[0]
    SandboxGateway().confirm_intent(intent_id=intent_id, card="4242 4242 4242 4242")

    back = client.get("/dashboard/plan/new-card/return/")
    again = client.get("/dashboard/plan/new-card/return/")

    assert back.status_code == 302
    assert again.status_code == 302
    subscription = Subscription.objects.get(provider=provider)
    assert subscription.status == "active"
    charge = subscription.charges.get()
    assert (charge.status, charge.amount) == ("succeeded", 9_000)
    saved = SavedPaymentMethod.objects.get(user=provider.user)
    assert subscription.payment_method == saved
    assert saved.last4 == "4242"


def test_a_new_card_refused_on_the_gateways_page_leaves_no_plan(client, provider, pro):
    from doorstep.payments.gateways.sandbox import SandboxGateway

    client.force_login(provider.user)
    to_gateway = client.post(
        "/dashboard/plan/new-card/",
        {"plan": pro.public_id, "interval": "month", "currency": "CNY"},
    )
    intent_id = to_gateway["Location"].split("/sandbox/pay/")[1].split("/")[0]
    SandboxGateway().confirm_intent(intent_id=intent_id, card="4000 0000 0000 0002")

    client.get("/dashboard/plan/new-card/return/")

    assert not Subscription.objects.exists()


def test_a_gateway_without_a_card_page_sends_the_provider_back_with_a_reason(
    client, provider, pro, monkeypatch
):
    from doorstep.payments.gateways.base import IntentResult
    from doorstep.payments.gateways.sandbox import SandboxGateway
    from doorstep.subscriptions.views import INTENT_SESSION_KEY

    def no_page(self, **kwargs) -> IntentResult:
        return IntentResult(
            intent_id="pi_script",
            client_secret="pi_script_secret",
            status="requires_payment_method",
            amount=kwargs["amount"],
            currency=kwargs["currency"],
        )

    monkeypatch.setattr(SandboxGateway, "create_intent", no_page)
    client.force_login(provider.user)

    response = client.post(
        "/dashboard/plan/new-card/",
        {"plan": pro.public_id, "interval": "month", "currency": "CNY"},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == "/dashboard/plan/"
    assert b"takes new cards at checkout only" in response.content
    assert INTENT_SESSION_KEY not in client.session
    assert not Subscription.objects.exists()


def test_someone_elses_intent_subscribes_nobody(provider, pro):
    from doorstep.payments.gateways.sandbox import SandboxGateway
    from doorstep.subscriptions import services

    intent = services.start_subscription_with_new_card(
        user=provider.user,
        plan_id=pro.public_id,
        interval="month",
        currency="CNY",
        return_url="https://example.com/back",
    )
    SandboxGateway().confirm_intent(intent_id=intent.intent_id, card="4242424242424242")
    stranger = make_provider()

    with pytest.raises(NotFound):
        services.finish_subscription_with_new_card(
            user=stranger.user, intent_id=intent.intent_id
        )
    assert not Subscription.objects.exists()


def test_the_plan_badge_shows_on_the_providers_public_page(client, basic):
    from doorstep.subscriptions import services
    from tests.factories import make_listing

    listing = make_listing()
    provider = listing.provider
    save_card(provider.user)
    page = client.get(f"/providers/{provider.public_id}/")
    assert page.status_code == 200
    assert "data-plan-badge" not in page.content.decode()

    services.subscribe(
        user=provider.user, plan_id=basic.public_id, interval="month", currency="CNY"
    )

    page = client.get(f"/providers/{provider.public_id}/").content.decode()
    assert "data-plan-badge>Plus<" in page
