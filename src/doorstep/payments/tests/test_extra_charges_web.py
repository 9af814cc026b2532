"""Extra charges on the web: the customer sees what the provider asks for on the
order page and approves (the card on file is charged) or declines it; nobody
else can answer."""

import pytest
from django.urls import reverse

from doorstep.payments import flows
from doorstep.payments.models import ExtraCharge, Payment, PaymentStatus
from doorstep.payments.tests.conftest import CARD_OK, set_state
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def proposed(order):
    flows.authorise_order(order=order, payment_method=CARD_OK)
    set_state(order, "accepted")
    return flows.propose_extra_charge(
        order=order, amount=3_000, description="Copper pipe"
    )


def _answer_url(extra):
    return reverse(
        "payments:answer_extra_charge", args=[extra.order.public_id, extra.public_id]
    )


def _counts():
    return (
        Payment.objects.count(),
        list(ExtraCharge.objects.values_list("status", flat=True)),
    )


def test_the_customer_sees_a_pending_extra_charge_with_its_buttons(
    client, proposed, customer
):
    client.force_login(customer)

    response = client.get(proposed.order.get_absolute_url())

    html = response.content.decode()
    assert "Copper pipe" in html
    assert "CN¥30.00" in html
    assert _answer_url(proposed) in html
    assert 'value="approve"' in html
    assert 'value="decline"' in html


def test_the_provider_sees_it_waiting_without_buttons(client, proposed, provider):
    client.force_login(provider.user)

    response = client.get(proposed.order.get_absolute_url())

    html = response.content.decode()
    assert "Copper pipe" in html
    assert _answer_url(proposed) not in html


def test_approving_charges_the_card_on_file(client, proposed, customer):
    client.force_login(customer)

    response = client.post(_answer_url(proposed), {"answer": "approve"})

    assert response.status_code == 302
    proposed.refresh_from_db()
    assert proposed.status == ExtraCharge.Status.CAPTURED
    assert proposed.payment.status == PaymentStatus.CAPTURED
    assert proposed.payment.amount == 3_000
    page = client.get(proposed.order.get_absolute_url()).content.decode()
    assert _answer_url(proposed) not in page  # answered: no buttons any more


def test_declining_charges_nothing(client, proposed, customer):
    client.force_login(customer)
    payments_before = Payment.objects.count()

    client.post(_answer_url(proposed), {"answer": "decline"})

    proposed.refresh_from_db()
    assert proposed.status == ExtraCharge.Status.DECLINED
    assert Payment.objects.count() == payments_before


@pytest.mark.parametrize("who", ["stranger", "provider"])
def test_only_the_customer_may_answer(client, proposed, provider, who):
    user = make_user() if who == "stranger" else provider.user
    client.force_login(user)
    before = _counts()

    response = client.post(_answer_url(proposed), {"answer": "approve"})

    assert response.status_code == 404
    assert _counts() == before


def test_a_bad_answer_changes_nothing(client, proposed, customer):
    client.force_login(customer)
    before = _counts()

    response = client.post(_answer_url(proposed), {"answer": "maybe"})

    assert response.status_code == 400
    assert _counts() == before
