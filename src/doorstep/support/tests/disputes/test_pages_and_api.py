"""The dispute pages and API: each tried by the two parties, by a stranger,
by the provider of another order and by ops of each kind. Evidence (and the
order's record attached to it) is seen by the two parties and by ops who
decide disputes only; what a sender typed before contact details were masked
is for ops only."""

import pytest
from django.test import TestCase
from django.urls import reverse

from doorstep.api.testing import API, JSON, assert_problem, bearer, ops_bearer
from doorstep.messaging.models import Conversation, Message
from doorstep.orders.states import OrderState
from doorstep.support import disputes
from doorstep.support.models import Dispute
from doorstep.support.tests.disputes.helpers import (
    assert_books_closed,
    delivered_order,
    photo,
    settled,
)
from tests.factories import make_listing, make_ops, make_user, sign_in_ops

pytestmark = pytest.mark.django_db

TYPED = "call me on 13800138000"


@pytest.fixture
def order(listing, customer, fire):
    order = delivered_order(listing, customer, fire)
    conversation = Conversation.objects.create(
        customer=customer, provider=listing.provider, listing=listing, order=order
    )
    Message.objects.create(
        conversation=conversation,
        sender=customer,
        body="call me on [hidden]",
        original_body=TYPED,
        masked=True,
    )
    return order


@pytest.fixture
def dispute(order, customer):
    return settled(
        disputes.open_dispute,
        user=customer,
        order_id=order.public_id,
        category=Dispute.Category.DAMAGE,
        statement="The vase is broken.",
        photos=[photo()],
    )


@pytest.fixture
def other_provider(category, fire):
    other = delivered_order(make_listing(category=category), make_user(), fire)
    return other.provider.user


# --- Web: the parties ---------------------------------------------------------------


def test_the_customer_opens_a_dispute_from_the_web_with_photos(client, order, customer):
    client.force_login(customer)
    page = client.get(reverse("disputes:open", args=[order.public_id]))
    assert page.status_code == 200

    response = client.post(
        reverse("disputes:open", args=[order.public_id]),
        {
            "category": "poor_quality",
            "statement": "Windows not cleaned.",
            "photos": [photo(), photo(colour="green")],
        },
    )

    dispute = Dispute.objects.get(order=order)
    assert response.status_code == 302
    assert response["Location"] == reverse("disputes:detail", args=[dispute.public_id])
    assert dispute.evidence.exclude(photo="").count() == 2
    order.refresh_from_db()
    assert order.state == OrderState.DISPUTED


def test_a_bad_form_shows_the_error_beside_the_field(client, order, customer):
    client.force_login(customer)

    response = client.post(
        reverse("disputes:open", args=[order.public_id]),
        {"category": "poor_quality", "statement": ""},
    )

    assert response.status_code == 400
    assert b"field" in response.content
    assert not Dispute.objects.exists()


@pytest.mark.parametrize("who", ["customer", "provider"])
def test_both_parties_see_the_evidence_and_the_order_record(
    client, dispute, order, who
):
    user = order.customer if who == "customer" else order.provider.user
    client.force_login(user)

    page = client.get(reverse("disputes:detail", args=[dispute.public_id]))

    assert page.status_code == 200
    assert b"The vase is broken." in page.content
    assert b"call me on [hidden]" in page.content
    # The other side's unmasked words are ops' business only.
    assert TYPED.encode() not in page.content
    evidence = dispute.evidence.exclude(photo="").get()
    picture = client.get(reverse("disputes:photo", args=[evidence.public_id]))
    assert picture.status_code == 200
    assert picture["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize("who", ["stranger", "other_provider", "ops_without_mfa"])
def test_nobody_else_sees_a_dispute_or_its_photos(client, dispute, other_provider, who):
    user = {
        "stranger": make_user(),
        "other_provider": other_provider,
        "ops_without_mfa": make_ops("Support"),
    }[who]
    client.force_login(user)
    evidence = dispute.evidence.exclude(photo="").get()

    assert (
        client.get(reverse("disputes:detail", args=[dispute.public_id])).status_code
        == 404
    )
    assert (
        client.get(reverse("disputes:photo", args=[evidence.public_id])).status_code
        == 404
    )
    response = client.post(
        reverse("disputes:respond", args=[dispute.public_id]),
        {"answer": "accept"},
    )
    assert response.status_code == 404
    response = client.post(
        reverse("disputes:evidence", args=[dispute.public_id]), {"statement": "hi"}
    )
    assert response.status_code == 404
    response = client.post(
        reverse("disputes:take_offer", args=[dispute.public_id, "accept"])
    )
    assert response.status_code == 404
    dispute.refresh_from_db()
    assert dispute.status == Dispute.Status.AWAITING_RESPONSE
    assert dispute.evidence.count() == 1


def test_the_provider_offers_and_the_customer_accepts_on_the_web(
    client, dispute, order
):
    client.force_login(order.provider.user)
    response = client.post(
        reverse("disputes:respond", args=[dispute.public_id]),
        {"answer": "offer", "amount": "25.00", "statement": "Sorry about the vase."},
    )
    assert response.status_code == 302
    dispute.refresh_from_db()
    assert dispute.offer_amount == 2_500

    client.force_login(order.customer)
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(
            reverse("disputes:take_offer", args=[dispute.public_id, "accept"])
        )

    assert response.status_code == 302
    dispute.refresh_from_db()
    assert dispute.status == Dispute.Status.SETTLED
    assert dispute.refund_amount == 2_500
    assert_books_closed(order)


def test_an_offer_without_an_amount_is_refused_beside_the_field(client, dispute, order):
    client.force_login(order.provider.user)

    response = client.post(
        reverse("disputes:respond", args=[dispute.public_id]), {"answer": "offer"}
    )

    assert response.status_code == 400
    assert "Enter the refund you offer." in response.content.decode()
    dispute.refresh_from_db()
    assert dispute.status == Dispute.Status.AWAITING_RESPONSE


# --- Web: ops -----------------------------------------------------------------------


def _escalate(dispute, order):
    disputes.respond_to_dispute(
        user=order.provider.user, dispute_id=dispute.public_id, answer="reject"
    )


def test_ops_see_the_queue_and_decide_a_split(client, dispute, order):
    _escalate(dispute, order)
    sign_in_ops(client, make_ops("Support"))

    queue = client.get(reverse("disputes:ops_list"))
    assert queue.status_code == 200
    assert dispute.public_id.encode() in queue.content
    page = client.get(reverse("disputes:ops_page", args=[dispute.public_id]))
    assert page.status_code == 200
    assert TYPED.encode() in page.content  # ops read what was typed
    evidence = dispute.evidence.exclude(photo="").get()
    assert (
        client.get(reverse("disputes:photo", args=[evidence.public_id])).status_code
        == 200
    )

    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(
            reverse("disputes:ops_page", args=[dispute.public_id]),
            {"refund": "40.00", "reason": "The vase was broken in the job."},
        )

    assert response.status_code == 302
    dispute.refresh_from_db()
    assert dispute.status == Dispute.Status.DECIDED
    assert dispute.refund_amount == 4_000
    assert_books_closed(order)


@pytest.mark.parametrize(("role", "status"), [("Finance", 403), ("Dispatch", 403)])
def test_ops_without_the_role_are_told_no(client, dispute, role, status):
    sign_in_ops(client, make_ops(role))

    assert client.get(reverse("disputes:ops_list")).status_code == status
    assert (
        client.get(reverse("disputes:ops_page", args=[dispute.public_id])).status_code
        == status
    )


def test_ops_pages_do_not_exist_for_customers(client, dispute, customer):
    client.force_login(customer)

    assert client.get(reverse("disputes:ops_list")).status_code == 404


def test_the_queue_is_on_the_ops_home(client, dispute, order):
    _escalate(dispute, order)
    sign_in_ops(client, make_ops("Support"))

    home = client.get(reverse("backoffice:home"))

    assert reverse("disputes:ops_list").encode() in home.content


# --- API ----------------------------------------------------------------------------


def test_the_api_round_trip(client, order, customer):
    opened = client.post(
        f"{API}/orders/{order.public_id}/disputes",
        {"category": "damage", "statement": "Broken vase."},
        content_type=JSON,
        **bearer(customer),
    )
    assert opened.status_code == 201, opened.content
    body = opened.json()
    dispute_id = body["id"]
    assert body["status"] == "awaiting_response"
    assert body["your_side"] == "customer"
    assert [m["body"] for m in body["order_messages"]] == ["call me on [hidden]"]
    assert TYPED not in opened.content.decode()

    added = client.post(
        f"{API}/disputes/{dispute_id}/evidence",
        {"statement": "Here it is", "photos": [photo()]},
        **bearer(customer),
    )
    assert added.status_code == 201, added.content
    photo_url = added.json()[0]["photo_url"]
    assert client.get(photo_url, **bearer(customer)).status_code == 200
    assert client.get(photo_url, **bearer(make_user())).status_code == 404
    assert client.get(photo_url).status_code == 302  # a visitor signs in first
    assert client.post(photo_url, **bearer(customer)).status_code == 405

    provider = order.provider.user
    offered = client.post(
        f"{API}/disputes/{dispute_id}/response",
        {"answer": "offer", "amount": 1_500},
        content_type=JSON,
        **bearer(provider),
    )
    assert offered.status_code == 200, offered.content
    assert offered.json()["offer"] == {"amount": 1_500, "currency": order.currency}

    mine = client.get(f"{API}/disputes", **bearer(provider))
    assert [item["id"] for item in mine.json()["items"]] == [dispute_id]

    with TestCase.captureOnCommitCallbacks(execute=True):
        accepted = client.post(
            f"{API}/disputes/{dispute_id}/offer/accept", **bearer(customer)
        )
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["outcome"] == "partial_refund"
    assert_books_closed(order)


def test_the_api_refuses_bad_input_with_problems(client, order, customer, dispute):
    assert_problem(
        client.post(
            f"{API}/orders/{order.public_id}/disputes",
            {"category": "damage", "statement": "again"},
            content_type=JSON,
            **bearer(customer),
        ),
        409,
        "dispute_exists",
    )
    assert_problem(
        client.post(
            f"{API}/disputes/{dispute.public_id}/response",
            {"answer": "offer"},
            content_type=JSON,
            **bearer(order.provider.user),
        ),
        400,
        "invalid_input",
    )
    assert_problem(
        client.post(
            f"{API}/disputes/{dispute.public_id}/response",
            {"answer": "offer", "amount": dispute.paid_amount + 1},
            content_type=JSON,
            **bearer(order.provider.user),
        ),
        422,
        "refund_too_large",
    )
    assert_problem(
        client.post(
            f"{API}/disputes/{dispute.public_id}/response",
            {"answer": "accept"},
            content_type=JSON,
            **bearer(customer),
        ),
        409,
        "dispute_not_waiting",
    )


@pytest.mark.parametrize("who", ["stranger", "other_provider"])
def test_the_wrong_user_gets_404_on_every_dispute_endpoint(
    client, dispute, order, other_provider, who
):
    user = make_user() if who == "stranger" else other_provider
    headers = bearer(user)
    base = f"{API}/disputes/{dispute.public_id}"

    assert_problem(client.get(base, **headers), 404, "dispute_not_found")
    assert_problem(
        client.post(f"{base}/evidence", {"statement": "x"}, **headers),
        404,
        "dispute_not_found",
    )
    assert_problem(
        client.post(
            f"{base}/response", {"answer": "reject"}, content_type=JSON, **headers
        ),
        404,
        "dispute_not_found",
    )
    assert_problem(client.post(f"{base}/offer/accept", **headers), 404)
    assert_problem(client.post(f"{base}/offer/decline", **headers), 404)
    assert_problem(
        client.post(
            f"{API}/orders/{order.public_id}/disputes",
            {"category": "damage", "statement": "x"},
            content_type=JSON,
            **headers,
        ),
        404,
        "order_not_found",
    )
    assert client.get(f"{API}/disputes", **headers).json()["items"] == []
    assert_problem(client.get(f"{API}/ops/disputes", **headers), 404)
    assert_problem(
        client.get(f"{API}/ops/disputes/{dispute.public_id}", **headers), 404
    )
    dispute.refresh_from_db()
    assert dispute.status == Dispute.Status.AWAITING_RESPONSE


def test_ops_decide_through_the_api(client, dispute, order):
    _escalate(dispute, order)
    ops = make_ops("Support")
    base = f"{API}/ops/disputes"

    listed = client.get(base, **ops_bearer(ops))
    assert [item["id"] for item in listed.json()["items"]] == [dispute.public_id]
    assert_problem(client.get(base, **bearer(ops)), 403, "ops_mfa_required")
    assert_problem(
        client.get(base, **ops_bearer(make_ops("Finance"))),
        403,
        "ops_permission_required",
    )
    assert_problem(
        client.post(
            f"{base}/{dispute.public_id}/decision",
            {"refund": 10**9, "reason": "x"},
            content_type=JSON,
            **ops_bearer(ops),
        ),
        422,
        "refund_too_large",
    )

    with TestCase.captureOnCommitCallbacks(execute=True):
        decided = client.post(
            f"{base}/{dispute.public_id}/decision",
            {"refund": 0, "reason": "Photos show the vase was already cracked."},
            content_type=JSON,
            **ops_bearer(ops),
        )

    assert decided.status_code == 200, decided.content
    assert decided.json()["outcome"] == "no_refund"
    assert decided.json()["your_side"] is None
    assert_books_closed(order)


# --- The order's own transitions ------------------------------------------------------


def test_a_problem_cannot_be_reported_without_a_dispute(client, order, customer):
    # The web links "Report a problem" to the dispute form; the bare transition
    # (a reason only) is refused on the API too, and nothing changes.
    refused = client.post(
        f"{API}/orders/{order.public_id}/transitions/dispute",
        {"reason": "Dirty"},
        content_type=JSON,
        **bearer(customer),
    )

    assert_problem(refused, 409, "dispute_on_evidence")
    order.refresh_from_db()
    assert order.state == OrderState.DELIVERED
    assert not Dispute.objects.filter(order=order).exists()


def test_ops_cannot_end_a_disputed_order_past_its_dispute(client, dispute, order):
    sign_in_ops(client, make_ops("Support"))

    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(
            reverse("orders:ops_transition", args=[order.public_id, "resolve_refund"]),
            {"reason": "Refund it all."},
        )

    order.refresh_from_db()
    dispute.refresh_from_db()
    assert order.state == OrderState.DISPUTED
    assert dispute.is_open
    assert dispute.outcome == ""
