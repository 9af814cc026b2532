"""A provider's monthly statement lists, apart from the balance, what their
plan cost them on their card that month: charges paid and refunds."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from doorstep.invoicing import services
from doorstep.invoicing.models import Document, DocumentKind
from doorstep.invoicing.tests.conftest import pdf_text
from doorstep.invoicing.tests.test_services import _month_start, at
from doorstep.payments import flows, methods
from doorstep.subscriptions import services as plans
from doorstep.subscriptions.models import Plan, PlanPrice
from tests.factories import make_provider

pytestmark = pytest.mark.django_db


def _plan(name: str, amount: int) -> Plan:
    plan = Plan.objects.create(name_en=name)
    PlanPrice.objects.create(plan=plan, currency="CNY", interval="month", amount=amount)
    return plan


def _card(user) -> None:
    methods.save_method(
        user=user,
        gateway="sandbox",
        token="sbx_success_visa_4242",
        brand="visa",
        last4="4242",
        make_default=True,
    )


def _last_month(provider):
    return _month_start(timezone.now(), ZoneInfo(provider.time_zone)) - timedelta(
        days=5
    )


def test_plan_charges_and_refunds_are_listed_apart_from_the_balance(
    provider, monkeypatch
):
    """Given a provider who subscribed to Pro last month, moved down to Basic
    (the difference refunded to the card) and bought a promotion their empty
    balance could not cover, the statement shows the promotion in the balance
    and the plan charge and refund in the card section, with their total."""
    pro, basic = _plan("Pro", 9_000), _plan("Basic", 3_000)
    _card(provider.user)
    moment = _last_month(provider)
    with at(moment, monkeypatch):
        plans.subscribe(
            user=provider.user, plan_id=pro.public_id, interval="month", currency="CNY"
        )
        flows.charge_promotion(
            provider=provider, promotion_id="prm_1", amount=1_500, currency="CNY"
        )
    with at(moment + timedelta(days=1), monkeypatch):
        plans.change_plan(user=provider.user, plan_id=basic.public_id)

    statement = services.issue_statement(
        provider=provider, currency="CNY", year=moment.year, month=moment.month
    )

    balance = [line for line in statement.lines if "section" not in line]
    card = [line for line in statement.lines if line.get("section") == "card"]
    assert [(line["code"], line["amount"]) for line in balance] == [("fees", -1_500)]
    assert [line["code"] for line in card] == ["plan_charge", "plan_refund"]
    assert card[0]["amount"] == 9_000
    assert card[0]["label"] == "First period · Pro"
    assert (
        card[0]["date"]
        == moment.astimezone(ZoneInfo(provider.time_zone)).date().isoformat()
    )
    assert card[1]["amount"] < 0
    refunded = -card[1]["amount"]
    figures = {row["code"]: row["amount"] for row in statement.totals}
    assert figures["fees"] == -1_500
    # the balance could not cover the promotion: listed, and owed
    assert figures["closing"] == -1_500  # the card charges are not the balance's
    assert figures["fines_owed"] == 1_500
    assert figures["charged_to_card"] == 9_000 - refunded
    assert statement.total_amount == -1_500
    text = pdf_text(statement.pdf.read())
    assert "Charged to your card" in text
    assert "First period · Pro" in text
    assert "CN¥90.00" in text


def test_a_provider_whose_only_money_was_a_plan_gets_a_statement(monkeypatch):
    """No balance account at all: the monthly job still issues the month's
    statement for the plan charged to the card."""
    provider = make_provider()
    pro = _plan("Pro", 9_000)
    _card(provider.user)
    with at(_last_month(provider), monkeypatch):
        plans.subscribe(
            user=provider.user, plan_id=pro.public_id, interval="month", currency="CNY"
        )

    assert services.issue_monthly_statements() == {"statements": 1}

    statement = Document.objects.get(kind=DocumentKind.STATEMENT)
    assert statement.recipient_provider == provider
    assert [line["code"] for line in statement.lines] == ["plan_charge"]
    assert {row["code"]: row["amount"] for row in statement.totals}[
        "charged_to_card"
    ] == 9_000


def test_this_months_plan_charge_and_other_providers_charges_stay_out(
    provider, monkeypatch
):
    pro = _plan("Pro", 9_000)
    other = make_provider()
    _card(provider.user)
    _card(other.user)
    moment = _last_month(provider)
    with at(moment, monkeypatch):
        flows.charge_promotion(
            provider=provider, promotion_id="prm_1", amount=1_500, currency="CNY"
        )
        plans.subscribe(
            user=other.user, plan_id=pro.public_id, interval="month", currency="CNY"
        )
    plans.subscribe(
        user=provider.user, plan_id=pro.public_id, interval="month", currency="CNY"
    )

    statement = services.issue_statement(
        provider=provider, currency="CNY", year=moment.year, month=moment.month
    )

    assert [line["code"] for line in statement.lines] == ["fees"]
    assert "charged_to_card" not in {row["code"] for row in statement.totals}
    assert "Charged to your card" not in pdf_text(statement.pdf.read())


def test_the_documents_page_lists_what_a_statement_holds(client, provider, monkeypatch):
    pro = _plan("Pro", 9_000)
    _card(provider.user)
    moment = _last_month(provider)
    with at(moment, monkeypatch):
        plans.subscribe(
            user=provider.user, plan_id=pro.public_id, interval="month", currency="CNY"
        )
        flows.charge_promotion(
            provider=provider, promotion_id="prm_1", amount=1_500, currency="CNY"
        )
    statement = services.issue_statement(
        provider=provider, currency="CNY", year=moment.year, month=moment.month
    )
    client.force_login(provider.user)

    page = client.get("/provider/wallet/documents/").content.decode()

    assert f'data-document="{statement.public_id}"' in page
    assert 'data-line="fees"' in page
    assert "Promotion of a service" in page
    assert 'data-section="card"' in page
    assert "First period · Pro (charged to your card)" in page
