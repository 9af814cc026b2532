"""Subscribing with a new card through the API, as the plan page's "new card"
button does: open the payment, type the card on the sandbox gateway's hosted
page, come back and complete. Only the provider who opened it can complete it;
bad input and refused cards leave no plan."""

import threading

import pytest
from django.db import connection

from doorstep.api.testing import API, JSON, assert_problem, bearer
from doorstep.payments.gateways.base import IntentResult
from doorstep.payments.gateways.sandbox import SandboxGateway
from doorstep.payments.models import SandboxCharge, SavedPaymentMethod
from doorstep.subscriptions import services
from doorstep.subscriptions.models import Subscription, SubscriptionCharge
from tests.factories import make_provider, make_user

pytestmark = pytest.mark.django_db
CHECKOUT = API + "/me/subscription/checkout"
VISA = "4242 4242 4242 4242"
DECLINED = "4000 0000 0000 0002"
APP_PAGE = "https://app.example.com/plan/done"


def _checkout(client, user, **fields):
    body = {"plan": fields.pop("plan"), "interval": "month", "currency": "CNY"}
    return client.post(CHECKOUT, {**body, **fields}, content_type=JSON, **bearer(user))


def _complete(client, user, intent_id):
    return client.post(f"{CHECKOUT}/{intent_id}/complete", **bearer(user))


def _type_card_on_hosted_page(client, next_action_url, card):
    return client.post(next_action_url, {"card": card})


def _counts():
    return (
        Subscription.objects.count(),
        SubscriptionCharge.objects.count(),
        SavedPaymentMethod.objects.count(),
    )


def test_a_new_card_on_the_hosted_page_subscribes_once(client, provider, pro):
    # Given a checkout opened by the app, back to its own page
    opened = _checkout(client, provider.user, plan=pro.public_id, return_url=APP_PAGE)
    assert opened.status_code == 201, opened.content
    checkout = opened.json()
    assert checkout["amount"] == {"amount": 9_000, "currency": "CNY"}
    assert checkout["client_secret"]
    assert checkout["next_action_url"].startswith("http://testserver/sandbox/pay/")
    assert not Subscription.objects.exists()

    # When the provider types a card on the gateway's page
    back = _type_card_on_hosted_page(client, checkout["next_action_url"], VISA)

    # Then the gateway sends them back to the app, and completing subscribes
    assert back.status_code == 302
    assert back["Location"] == APP_PAGE
    done = _complete(client, provider.user, checkout["intent_id"])
    assert done.status_code == 201, done.content
    body = done.json()
    assert (body["status"], body["plan"]["id"]) == ("active", pro.public_id)
    assert body["charges"][0]["status"] == "succeeded"
    saved = SavedPaymentMethod.objects.get(user=provider.user)
    assert body["payment_method"] == saved.public_id
    assert saved.last4 == "4242"

    # And completing again answers the same subscription, charging nothing more
    again = _complete(client, provider.user, checkout["intent_id"])
    assert again.status_code == 200, again.content
    assert again.json() == body
    assert _counts() == (1, 1, 1)


def test_without_a_return_url_the_gateway_sends_them_to_the_plans_page(
    client, provider, pro
):
    checkout = _checkout(client, provider.user, plan=pro.public_id).json()

    back = _type_card_on_hosted_page(client, checkout["next_action_url"], VISA)

    assert back["Location"] == "http://testserver/dashboard/plan/"


def test_someone_elses_checkout_is_not_found(client, provider, pro):
    checkout = _checkout(client, provider.user, plan=pro.public_id).json()
    _type_card_on_hosted_page(client, checkout["next_action_url"], VISA)
    stranger = make_provider()

    assert_problem(_complete(client, stranger.user, checkout["intent_id"]), 404)
    assert_problem(_complete(client, stranger.user, "pi_nope"), 404)
    assert _counts() == (0, 0, 0)
    # and the owner still can
    assert _complete(client, provider.user, checkout["intent_id"]).status_code == 201


def test_only_a_provider_checks_out(client, pro):
    customer = make_user()

    assert_problem(
        _checkout(client, customer, plan=pro.public_id), 404, "not_a_provider"
    )
    assert_problem(_complete(client, customer, "pi_nope"), 404, "not_a_provider")
    assert client.post(CHECKOUT, {}, content_type=JSON).status_code == 401


@pytest.mark.parametrize(
    "return_url",
    ["/plan/done", "javascript:alert(1)", "doorstep://plan", "https://", "ftp://x.y/"],
)
def test_a_bad_return_url_is_refused_and_opens_nothing(
    client, provider, pro, return_url
):
    response = _checkout(
        client, provider.user, plan=pro.public_id, return_url=return_url
    )

    body = assert_problem(response, 400, "invalid_input")
    assert "return_url" in body["errors"]
    assert not SandboxCharge.objects.exists()
    assert _counts() == (0, 0, 0)


def test_a_declined_card_is_the_same_problem_as_subscribing_and_leaves_no_plan(
    client, provider, pro
):
    checkout = _checkout(client, provider.user, plan=pro.public_id).json()
    refused = _type_card_on_hosted_page(client, checkout["next_action_url"], DECLINED)
    assert refused.status_code == 402

    response = _complete(client, provider.user, checkout["intent_id"])

    assert_problem(response, 422, "card_declined")
    assert _counts() == (0, 0, 0)


def test_a_gateway_without_a_hosted_page_is_refused(client, provider, pro, monkeypatch):
    # Given a payment service that only confirms cards in its own script
    def no_page(self, **kwargs) -> IntentResult:
        return IntentResult(
            intent_id="pi_script",
            client_secret="pi_script_secret",
            status="requires_payment_method",
            amount=kwargs["amount"],
            currency=kwargs["currency"],
        )

    monkeypatch.setattr(SandboxGateway, "create_intent", no_page)

    response = _checkout(client, provider.user, plan=pro.public_id)

    assert_problem(response, 422, "new_card_at_checkout_only")
    assert _counts() == (0, 0, 0)


def test_an_active_plan_is_changed_not_checked_out_again(
    client, provider, card, basic, pro
):
    services.subscribe(
        user=provider.user, plan_id=basic.public_id, interval="month", currency="CNY"
    )

    response = _checkout(client, provider.user, plan=pro.public_id)

    assert_problem(response, 409, "subscription_active")


@pytest.mark.django_db(transaction=True)
def test_two_completions_arriving_together_make_one_plan(client, provider, pro):
    # Given a card typed on the gateway's page, and the app sending its
    # "complete" twice at once (a retried request, a second tab)
    checkout = _checkout(client, provider.user, plan=pro.public_id).json()
    _type_card_on_hosted_page(client, checkout["next_action_url"], VISA)
    barrier = threading.Barrier(2)
    answers, errors = [], []

    def complete() -> None:
        try:
            barrier.wait()
            subscription = services.finish_subscription_with_new_card(
                user=provider.user, intent_id=checkout["intent_id"]
            )
            answers.append((subscription.pk, subscription.replayed))
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=complete) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # Then both answer the same plan, one of them as a repeat
    assert errors == []
    assert len({pk for pk, _ in answers}) == 1
    assert sorted(replayed for _, replayed in answers) == [False, True]
    assert _counts() == (1, 1, 1)
    assert SubscriptionCharge.objects.get().status == "succeeded"
