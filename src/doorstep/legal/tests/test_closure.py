"""Closing an account erases what identifies the person and keeps what the law
and the ledger need: orders, money, receipts and reviews stay, anonymised."""

import json
from datetime import timedelta

import pytest
from django.db import models
from django.db.models.functions import Cast
from django.urls import reverse

from doorstep.accounts.models import SavedAddress, User
from doorstep.accounts.services import delete_account
from doorstep.core.errors import Conflict
from doorstep.legal.erasure import REDACTED
from doorstep.messaging.models import Message
from doorstep.messaging.services import conversation_for_order, send_message
from doorstep.orders.engine import apply_transition
from doorstep.orders.models import Order
from doorstep.payments import flows
from doorstep.payments.gateways import sandbox
from doorstep.payments.ledger import recomputed_balance
from doorstep.payments.models import JournalEntry, LedgerAccount, Posting
from doorstep.reviews.services import submit_review
from tests.factories import (
    make_category,
    make_listing,
    make_order,
    make_provider,
    make_user,
)

pytestmark = pytest.mark.django_db

EMAIL = "cora.lin@example.com"
PHONE = "+8613800138000"
PASSWORD = "pw-" + "x" * 10
CARD_OK = "4242 4242 4242 4242"

# Where personal data could be: every app that stores people's words or details
# (the audit trail is the ops' append-only record and is kept by design).
SEARCHED_APPS = {
    "accounts",
    "orders",
    "messaging",
    "reviews",
    "notifications",
    "payments",
    "events",
    "legal",
    "catalog",
    "scheduling",
    "account",
    "socialaccount",
    "mfa",
}


@pytest.fixture(autouse=True)
def _sandbox(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.DOORSTEP_PAYMENT_GATEWAY = "sandbox"
    settings.DOORSTEP_SANDBOX_AUTO_DELIVER = False
    settings.DOORSTEP_SANDBOX_CHAOS = False
    sandbox.clear_injected_failures()


@pytest.fixture
def provider():
    return make_provider(display_name="Mei Chen")


@pytest.fixture
def listing(provider):
    return make_listing(
        provider=provider,
        category=make_category("plumbing"),
        price=10_000,
        currency="CNY",
    )


@pytest.fixture
def customer():
    user = make_user(name="Cora Lin", email=EMAIL, phone=PHONE, password=PASSWORD)
    SavedAddress.objects.create(
        user=user,
        label="Home",
        address="88 Huaihai Road",
        latitude=31.2,
        longitude=121.4,
    )
    return user


def _paid_and_completed(listing, customer, capture) -> Order:
    """A job booked, paid, done and confirmed: the money is in the ledger."""
    order = make_order(
        listing=listing,
        customer=customer,
        state="delivered",
        starts_in=timedelta(days=-1),
    )
    Order.objects.filter(pk=order.pk).update(
        address="88 Huaihai Road", notes=f"Ring {PHONE}"
    )
    flows.authorise_order(order=order, payment_method=CARD_OK)
    flows.capture_order(order=order)
    with capture(execute=True):  # the release runs after commit
        return apply_transition(order_id=order.pk, name="confirm", user=customer)


def _talk_and_review(order, customer, provider):
    conversation = conversation_for_order(order=order)
    send_message(
        sender=customer,
        conversation=conversation,
        body=f"Call me on {PHONE} or write to {EMAIL}",
    )
    send_message(
        sender=provider.user,
        conversation=conversation,
        body=f"Thanks! I saved {PHONE}.",
    )
    return submit_review(
        order=order, author=customer, stars=5, text="Spotless kitchen, thank you."
    )


def _rows_mentioning(needle: str) -> list[str]:
    """``app.Model.field`` for every text (or JSON) column holding ``needle``."""
    from django.apps import apps

    found = []
    for model in apps.get_models():
        if model._meta.app_label not in SEARCHED_APPS:
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, models.JSONField):
                rows = model.objects.annotate(
                    _text=Cast(field.name, models.TextField())
                ).filter(_text__icontains=needle)
            elif isinstance(field, models.CharField | models.TextField):
                rows = model.objects.filter(**{f"{field.name}__icontains": needle})
            else:
                continue
            if rows.exists():
                found.append(f"{model._meta.label}.{field.name}")
    return found


def _assert_ledger_balances() -> None:
    for entry in JournalEntry.objects.all():
        sums: dict[str, int] = {}
        for posting in Posting.objects.filter(entry=entry):
            sums[posting.currency] = sums.get(posting.currency, 0) + posting.amount
        assert set(sums.values()) <= {0}, entry
    for account in LedgerAccount.objects.all():
        assert recomputed_balance(account) == account.balance, account


def test_closing_erases_personal_data_and_keeps_orders_money_and_reviews(
    listing, customer, provider, django_capture_on_commit_callbacks
):
    # Given a customer with a paid, completed job, a conversation and a review
    order = _paid_and_completed(listing, customer, django_capture_on_commit_callbacks)
    review = _talk_and_review(order, customer, provider)
    entries_before = JournalEntry.objects.count()
    assert _rows_mentioning(EMAIL)
    assert _rows_mentioning(PHONE)

    # When they close their account
    delete_account(user=customer)

    # Then their e-mail and phone are nowhere in the rows
    assert _rows_mentioning(EMAIL) == []
    assert _rows_mentioning(PHONE) == []
    assert _rows_mentioning("Cora Lin") == []
    assert _rows_mentioning("88 Huaihai Road") == []
    customer.refresh_from_db()
    assert customer.deleted_at is not None
    assert not customer.is_active
    assert str(customer) == "Deleted user"
    assert not SavedAddress.objects.filter(user=customer).exists()
    # their messages are redacted, the provider's words stay
    mine = Message.objects.get(sender=customer)
    assert mine.body == REDACTED
    assert (
        Message.objects.get(sender=provider.user).body == f"Thanks! I saved {REDACTED}."
    )
    # the order, its money and the review stay, anonymised
    order.refresh_from_db()
    assert order.state == "completed"
    assert order.address == REDACTED
    assert order.total_amount > 0
    review.refresh_from_db()
    assert review.text == "Spotless kitchen, thank you."
    assert review.author.get_short_name() == "Deleted user"
    assert JournalEntry.objects.count() == entries_before
    _assert_ledger_balances()


def test_a_provider_with_earnings_to_pay_out_cannot_close_yet(
    listing, customer, provider, django_capture_on_commit_callbacks
):
    _paid_and_completed(listing, customer, django_capture_on_commit_callbacks)
    before = User.objects.values_list("email", "name").get(pk=provider.user.pk)

    with pytest.raises(Conflict) as refused:
        delete_account(user=provider.user)

    assert refused.value.code == "account_has_balance"
    assert User.objects.values_list("email", "name").get(pk=provider.user.pk) == before
    _assert_ledger_balances()


def test_someone_with_an_order_under_way_cannot_close_yet(listing, customer):
    make_order(listing=listing, customer=customer, state="accepted")

    with pytest.raises(Conflict) as refused:
        delete_account(user=customer)

    assert refused.value.code == "account_has_open_orders"
    customer.refresh_from_db()
    assert customer.email == EMAIL
    assert customer.deleted_at is None
    assert SavedAddress.objects.filter(user=customer).exists()


def test_the_api_answers_a_clear_problem_when_closing_is_refused(
    client, listing, customer
):
    make_order(listing=listing, customer=customer, state="accepted")
    client.force_login(customer)

    response = client.delete(
        "/api/v1/me",
        json.dumps({"password": PASSWORD}),
        content_type="application/json",
    )

    assert response.status_code == 409
    assert response.json()["code"] == "account_has_open_orders"
    customer.refresh_from_db()
    assert customer.deleted_at is None


def test_the_web_page_shows_why_closing_is_refused(client, listing, customer):
    make_order(listing=listing, customer=customer, state="accepted")
    client.force_login(customer)

    response = client.post(reverse("accounts:delete"), {"password": PASSWORD})

    assert response.status_code == 200
    assert "bookings that are not finished" in response.text
    customer.refresh_from_db()
    assert customer.deleted_at is None


def test_someone_else_cannot_close_an_account_with_the_wrong_password(client, customer):
    client.force_login(customer)

    response = client.post(reverse("accounts:delete"), {"password": "not-it"})

    assert response.status_code == 200
    assert 'id="id_password_error"' in response.text
    customer.refresh_from_db()
    assert customer.deleted_at is None
