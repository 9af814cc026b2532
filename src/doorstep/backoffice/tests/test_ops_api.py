"""The ops endpoints of the API need the second factor the web back office needs,
and the ops role's permission: refund, approve a payout batch, hide and unhide
a review. Each is tried by staff without TOTP, by a token minted without the
second factor, by a session without it, by a role that lacks the permission
— refused, nothing changed — and by ops who passed it."""

from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone

from doorstep.api.testing import API, JSON, assert_problem, bearer, ops_bearer
from doorstep.payments import flows
from doorstep.payments.gateways import sandbox
from doorstep.payments.models import JournalEntry, PayoutBatch, PayoutRequest
from doorstep.payments.tests.conftest import onboard
from doorstep.reviews import services as reviews
from doorstep.reviews.models import Review
from tests.factories import (
    make_completed_order,
    make_listing,
    make_ops,
    make_user,
    totp_code,
)

pytestmark = pytest.mark.django_db
CARD_OK = "4242 4242 4242 4242"


@pytest.fixture(autouse=True)
def _sandbox(settings):
    settings.DOORSTEP_PAYMENT_GATEWAY = "sandbox"
    settings.DOORSTEP_SANDBOX_AUTO_DELIVER = False
    settings.DOORSTEP_SANDBOX_CHAOS = False
    settings.DOORSTEP_MIN_PAYOUT = 1000
    settings.DOORSTEP_CLEARING_DAYS = 7
    sandbox.clear_injected_failures()


@pytest.fixture
def world():
    """A paid, completed and released order with a review, and a payout request."""
    listing = make_listing(price=10_000, currency="CNY")
    order = make_completed_order(listing=listing, customer=make_user())
    flows.authorise_order(order=order, payment_method=CARD_OK)
    flows.capture_order(order=order)
    flows.release_order(order=order)
    flows.clear_pending(now=timezone.now() + timedelta(days=8))
    onboard(order.provider)
    payout = flows.request_payout(provider=order.provider, amount=2_000, currency="CNY")
    review = reviews.submit_review(order=order, author=order.customer, stars=1)
    Review.objects.filter(pk=review.pk).update(revealed_at=timezone.now())
    hidden = reviews.submit_review(order=order, author=order.provider.user, stars=2)
    Review.objects.filter(pk=hidden.pk).update(
        revealed_at=timezone.now(), hidden_at=timezone.now(), hidden_reason="Abuse"
    )
    return {"order": order, "payout": payout, "review": review, "hidden": hidden}


def _calls(world) -> list[tuple[str, dict]]:
    """Every ops endpoint of the API, with a body that would succeed."""
    return [
        (
            f"/ops/orders/{world['order'].public_id}/refunds",
            {"amount": 1_000},
        ),
        ("/ops/payouts/batches", {"payout_ids": [world["payout"].public_id]}),
        (f"/reviews/{world['review'].public_id}/hide", {"reason": "Extortion"}),
        (f"/reviews/{world['hidden'].public_id}/unhide", {"reason": "Appeal"}),
    ]


def _post(client, url, body, headers):
    # One key per endpoint: a refused call's answer is kept under its key.
    return client.post(
        API + url, body, content_type=JSON, HTTP_IDEMPOTENCY_KEY=url, **headers
    )


def _state():
    return (
        JournalEntry.objects.filter(kind="refund").count(),
        PayoutBatch.objects.count(),
        list(PayoutRequest.objects.values_list("status", flat=True)),
        sorted(Review.objects.values_list("public_id", "hidden_at")),
    )


def _sign_in(client, user, *methods: str) -> None:
    client.force_login(user)
    session = client.session
    session["account_authentication_methods"] = [
        {"method": method, "at": 0} for method in methods
    ]
    session["account_authentication_methods_user"] = str(user.pk)
    session.save()


def test_staff_without_totp_get_no_token(client):
    staff = make_ops(totp=False, password="a-long-ops-password")

    response = client.post(
        API + "/auth/tokens",
        {"email": staff.email, "password": "a-long-ops-password"},
        content_type=JSON,
    )

    assert_problem(response, 403, "mfa_setup_required")
    assert not staff.api_tokens.exists()


def test_a_token_without_the_second_factor_cannot_act_as_ops(client, world):
    # Given staff without TOTP holding a token (minted before they became staff)
    staff = make_ops(totp=False)
    headers = bearer(staff)
    before = _state()

    for url, body in _calls(world):
        # When they call each ops endpoint
        response = _post(client, url, body, headers)
        # Then it is refused
        assert_problem(response, 403, "ops_mfa_required")

    assert _state() == before


def test_ops_with_totp_but_a_password_only_token_are_refused(client, world):
    ops = make_ops()
    before = _state()

    for url, body in _calls(world):
        assert_problem(_post(client, url, body, bearer(ops)), 403, "ops_mfa_required")

    assert _state() == before


def test_a_session_without_the_second_factor_cannot_act_as_ops(client, world):
    ops = make_ops()
    _sign_in(client, ops, "password")
    before = _state()

    for url, body in _calls(world):
        assert_problem(_post(client, url, body, {}), 403, "ops_mfa_required")

    assert _state() == before


def test_customers_do_not_see_ops_endpoints(client, world):
    customer = world["order"].customer
    before = _state()

    refund, batch, _hide, _unhide = _calls(world)
    for url, body in (refund, batch):
        assert_problem(_post(client, url, body, bearer(customer)), 404)

    assert _state() == before


def test_a_role_without_the_permission_is_refused(client, world):
    # Support may act on orders, but neither refund, pay out nor moderate
    support = make_ops("Support")
    before = _state()

    for url, body in _calls(world):
        response = _post(client, url, body, ops_bearer(support))
        assert_problem(response, 403, "ops_permission_required")

    assert _state() == before


@pytest.mark.parametrize("via", ["token", "session"])
def test_ops_who_passed_the_second_factor_act(client, world, via):
    ops = make_ops()
    if via == "token":
        headers = ops_bearer(ops)
    else:
        _sign_in(client, ops, "password", "mfa")
        headers = {}

    answers = [_post(client, url, body, headers) for url, body in _calls(world)]

    assert [answer.status_code for answer in answers] == [201, 201, 200, 200], [
        answer.content for answer in answers
    ]
    assert JournalEntry.objects.filter(kind="refund").count() == 1
    assert PayoutRequest.objects.get().status == PayoutRequest.Status.IN_TRANSIT
    world["review"].refresh_from_db()
    world["hidden"].refresh_from_db()
    assert world["review"].hidden_at is not None
    assert world["hidden"].hidden_at is None


def test_the_token_api_asks_ops_for_the_totp_code(client, world):
    ops = make_ops(password="a-long-ops-password")
    EmailAddress.objects.create(user=ops, email=ops.email, verified=True, primary=True)
    credentials = {"email": ops.email, "password": "a-long-ops-password"}

    def token(**extra):
        return client.post(
            API + "/auth/tokens", {**credentials, **extra}, content_type=JSON
        )

    assert_problem(token(), 403, "mfa_required")
    assert_problem(token(code="000000"), 403, "mfa_code_invalid")
    assert not ops.api_tokens.exists()
    minted = token(code=totp_code(ops))
    assert minted.status_code == 201, minted.content
    headers = {"HTTP_AUTHORIZATION": f"Bearer {minted.json()['token']}"}
    url, body = _calls(world)[0]

    assert _post(client, url, body, headers).status_code == 201
