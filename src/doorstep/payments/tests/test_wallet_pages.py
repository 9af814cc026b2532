"""The wallet and the receipt read in the viewer's terms: amounts in currency
units (a payout is asked for as 120.50, never in "minor units"), times in the
viewer's time zone, entry kinds in words in the viewer's language."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from doorstep.payments import flows
from doorstep.payments.models import JournalEntry, PayoutRequest
from doorstep.payments.tests.conftest import CARD_OK, onboard, set_state

pytestmark = pytest.mark.django_db


def _released(order):
    flows.authorise_order(order=order, payment_method=CARD_OK)
    flows.capture_order(order=order)
    set_state(order, "completed")
    flows.release_order(order=order)


@pytest.fixture
def cleared(order):
    _released(order)
    flows.clear_pending(now=timezone.now() + timedelta(days=8))
    onboard(order.provider)
    return order


def _request(client, amount: str):
    return client.post(
        reverse("payments:request_payout"), {"amount": amount, "currency": "CNY"}
    )


def test_a_payout_is_asked_for_in_currency_units(client, cleared, provider):
    # Given a provider with money available
    client.force_login(provider.user)

    # When they ask for 12.50 (yuan)
    response = _request(client, "12.50")

    # Then 1250 fen are requested
    assert response.status_code == 302
    assert PayoutRequest.objects.get().amount == 1250


@pytest.mark.parametrize("amount", ["12.345", "ten", "", "-5", "NaN", "1e3"])
def test_a_bad_payout_amount_is_refused_and_changes_nothing(
    client, cleared, provider, amount
):
    client.force_login(provider.user)

    response = _request(client, amount)
    page = client.get(reverse("payments:wallet")).content.decode()

    assert response.status_code == 302
    assert PayoutRequest.objects.count() == 0
    assert "minor units" not in page
    assert 'class="alert' in page or "messages" in page


def test_the_wallet_form_speaks_in_currency_units(client, cleared, provider):
    client.force_login(provider.user)

    html = client.get(reverse("payments:wallet")).content.decode()

    assert "minor units" not in html
    assert 'inputmode="decimal"' in html
    assert 'step="0.01"' in html


def test_the_wallet_shows_times_in_the_viewers_zone(client, cleared, provider):
    # Given a provider in Shanghai (eight hours from UTC)
    user = provider.user
    user.time_zone = "Asia/Shanghai"
    user.save(update_fields=["time_zone"])
    entry = JournalEntry.objects.filter(order=cleared).latest("pk")
    client.force_login(user)

    html = client.get(reverse("payments:wallet")).content.decode()

    # Then the statement's times are Shanghai's, not UTC's
    local = entry.created_at.astimezone(ZoneInfo("Asia/Shanghai"))
    utc = entry.created_at.astimezone(UTC)
    assert local.strftime("%H:%M") in html
    assert utc.strftime("%H:%M") not in html


def test_the_wallet_names_entry_kinds_in_the_viewers_language(
    client, cleared, provider
):
    client.force_login(provider.user)

    english = client.get(reverse("payments:wallet")).content.decode()
    chinese = client.get(
        reverse("payments:wallet"), HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()

    assert "Earnings from a job" in english
    assert "· provider_pending" not in english
    assert "release ·" not in english
    assert "Earnings from a job" not in chinese


def test_the_receipt_shows_the_time_in_the_viewers_zone(client, cleared, customer):
    customer.time_zone = "America/New_York"
    customer.save(update_fields=["time_zone"])
    type(cleared).objects.filter(pk=cleared.pk).update(
        starts_at=datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
    )
    client.force_login(customer)

    html = client.get(reverse("payments:receipt", args=[cleared.public_id]))

    text = html.content.decode()
    assert "21:00" in text  # 02:00 UTC is 21:00 the day before in New York
    assert "02:00" not in text
    assert "America/New_York" in text
