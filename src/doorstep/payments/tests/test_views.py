"""Pages: receipt, wallet, the ops payouts page and the finance report."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from doorstep.core.money import Money
from doorstep.payments import flows, views
from doorstep.payments.models import PayoutRequest
from doorstep.payments.queries import wallets
from doorstep.payments.tests.conftest import CARD_OK, onboard, set_state
from tests.factories import make_listing, make_ops, make_order, make_provider, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def ops_session(monkeypatch):
    """Ops with a second factor (the check itself is tested in backoffice)."""
    monkeypatch.setattr(
        views, "can_use_back_office", lambda request: request.user.is_staff
    )
    return make_ops()


def _released(order):
    flows.authorise_order(order=order, payment_method=CARD_OK)
    flows.capture_order(order=order)
    set_state(order, "completed")
    flows.release_order(order=order)


def test_receipt_shows_fee_and_card_to_the_customer_only(client, order, customer):
    _released(order)
    url = reverse("payments:receipt", args=[order.public_id])

    client.force_login(customer)
    page = client.get(url)
    client.force_login(make_user())
    other = client.get(url)

    assert page.status_code == 200
    assert "4242" in page.content.decode()
    assert "105.00" in page.content.decode()
    assert other.status_code == 404


def test_wallet_page_and_payout_request(client, order, provider):
    _released(order)
    onboard(provider)
    flows.clear_pending(now=timezone.now() + timedelta(days=8))
    client.force_login(provider.user)

    page = client.get(reverse("payments:wallet"))
    response = client.post(
        reverse("payments:request_payout"), {"amount": "50", "currency": "CNY"}
    )

    assert page.status_code == 200
    assert response.status_code == 302
    assert PayoutRequest.objects.get().amount == 5_000


def test_a_requested_payout_leaves_the_available_balance_at_once(
    client, order, provider
):
    _released(order)
    onboard(provider)
    flows.clear_pending(now=timezone.now() + timedelta(days=8))
    client.force_login(provider.user)
    (before,) = wallets(provider, default_currency="CNY")

    client.post(reverse("payments:request_payout"), {"amount": "50", "currency": "CNY"})
    page = client.get(reverse("payments:wallet")).content.decode()

    (after,) = wallets(provider, default_currency="CNY")
    assert after.withdrawable == before.withdrawable - 5_000
    assert after.requested == 5_000
    assert "Requested, awaiting approval" in page
    assert f'max="{Money(after.withdrawable, "CNY").major}"' in page


def test_another_provider_sees_only_their_own_wallet(client, order):
    _released(order)
    client.force_login(make_provider().user)

    page = client.get(reverse("payments:wallet"))

    assert order.public_id not in page.content.decode()


def test_ops_pages_are_hidden_from_others(client, provider):
    client.force_login(provider.user)

    for name in ("payments:ops_payouts", "payments:finance_report"):
        assert client.get(reverse(name)).status_code == 404
    assert client.post(reverse("payments:ops_approve")).status_code == 404


def test_ops_approve_a_batch_from_the_page(client, order, provider, ops_session):
    _released(order)
    onboard(provider)
    flows.clear_pending(now=timezone.now() + timedelta(days=8))
    payout = flows.request_payout(provider=provider, amount=5_000, currency="CNY")
    client.force_login(ops_session)

    assert (
        payout.public_id in client.get(reverse("payments:ops_payouts")).content.decode()
    )
    client.post(reverse("payments:ops_approve"), {"payout": [payout.public_id]})

    payout.refresh_from_db()
    assert payout.status == PayoutRequest.Status.IN_TRANSIT


def test_finance_report_and_csv(client, order, ops_session, category):
    _released(order)
    client.force_login(ops_session)

    page = client.get(reverse("payments:finance_report"))
    csv = client.get(reverse("payments:finance_report") + "?format=csv")

    assert page.status_code == 200
    lines = csv.content.decode().strip().splitlines()
    assert lines[0] == (
        "day,category,currency,gmv,captured,refunded,commission,fees,payouts,"
        "escrow_outstanding"
    )
    assert f",{category.slug},CNY,10000,10500,0,1500,500,0,0" in lines[1]


def _captured(order):
    flows.authorise_order(order=order, payment_method=CARD_OK)
    flows.capture_order(order=order)


def test_finance_shows_each_currency_with_its_own_sign(client, ops_session, category):
    # Given a paid order in yuan and one in US dollars
    _captured(make_order(listing=make_listing(category=category, currency="CNY")))
    usd = make_listing(category=category, price=5_000, currency="USD")
    _captured(make_order(listing=usd))
    client.force_login(ops_session)

    # When ops open the finance report
    page = client.get(reverse("payments:finance_report")).content.decode()
    csv = client.get(reverse("payments:finance_report") + "?format=csv")

    # Then each currency has its own rows and total, in its own sign
    rows = [line.split(",") for line in csv.content.decode().splitlines()[1:]]
    assert sorted((row[2], row[3]) for row in rows) == [
        ("CNY", "10000"),
        ("USD", "5000"),
    ]
    assert "CN¥100.00" in page
    assert "$50.00" in page
    assert "$150.00" not in page
    assert "CN¥150.00" not in page
    assert "$100.00" not in page


def test_gmv_counts_only_paid_orders_that_were_not_voided(client, ops_session):
    from doorstep.orders.engine import apply_transition
    from doorstep.payments.queries import gmv_orders
    from doorstep.payments.tests.conftest import CARD_DECLINED

    listing = make_listing(price=10_000, currency="CNY")
    paid = make_order(listing=listing)
    _captured(paid)
    declined = make_order(listing=listing, starts_in=timedelta(days=3))
    with pytest.raises(flows.PaymentError):
        flows.authorise_order(order=declined, payment_method=CARD_DECLINED)
    voided = make_order(listing=listing, starts_in=timedelta(days=4))
    flows.authorise_order(order=voided, payment_method=CARD_OK)
    apply_transition(order_id=voided.pk, name="cancel", user=voided.customer)
    make_order(listing=listing, starts_in=timedelta(days=5))  # never paid
    client.force_login(ops_session)

    csv = client.get(reverse("payments:finance_report") + "?format=csv")

    assert list(gmv_orders()) == [paid]
    gmv = sum(int(line.split(",")[3]) for line in csv.content.decode().splitlines()[1:])
    assert gmv == 10_000


def test_the_order_page_shows_the_payment_and_the_earnings(client, order):
    from doorstep.payments.gateways.sandbox import pay_with_sandbox_card

    set_state(order, "awaiting_payment")
    pay_with_sandbox_card(order, CARD_OK)

    client.force_login(order.customer)
    customer_page = client.get(order.get_absolute_url()).content.decode()
    client.force_login(order.provider.user)
    provider_page = client.get(order.get_absolute_url()).content.decode()

    assert 'data-payment-status="authorised"' in customer_page
    assert reverse("payments:receipt", args=[order.public_id]) in customer_page
    assert "You earn CN¥85.00" in provider_page
    assert "data-payment-status" not in provider_page
