"""Plan charges in the nightly reconciliation: known to it (not "unknown
gateway charges"), and a charge the gateway took while the worker died before
posting it is found and posted once by ``--fix``."""

import pytest

from doorstep.payments.models import AccountKind, LedgerAccount
from doorstep.payments.reconciliation import reconcile
from doorstep.subscriptions import billing, services

pytestmark = pytest.mark.django_db


def _revenue() -> int:
    account = LedgerAccount.objects.filter(
        kind=AccountKind.SUBSCRIPTION_REVENUE, currency="CNY"
    ).first()
    return account.balance if account else 0


def test_a_paid_plan_reconciles_cleanly(provider, pro, card):
    services.subscribe(
        user=provider.user, plan_id=pro.public_id, interval="month", currency="CNY"
    )

    assert reconcile() == []


def test_a_charge_taken_but_never_posted_is_found_and_posted_once(
    provider, pro, card, monkeypatch
):
    def die(**kwargs):
        raise SystemExit("worker killed between the gateway call and the posting")

    monkeypatch.setattr(billing, "record_paid", die)
    with pytest.raises(SystemExit):
        services.subscribe(
            user=provider.user, plan_id=pro.public_id, interval="month", currency="CNY"
        )
    monkeypatch.undo()
    assert _revenue() == 0

    found = reconcile()
    assert [(d.kind, d.fixable) for d in found] == [("missing_posting", True)]

    reconcile(fix=True)
    assert _revenue() == 9_000
    assert reconcile() == []
    reconcile(fix=True)
    assert _revenue() == 9_000


def test_a_first_period_paid_on_the_gateways_page_reconciles_cleanly(provider, pro):
    """The new-card intent carries no charge id (none exists yet): the nightly
    reconciliation finds the plan's charge by the intent, not as unknown."""
    from doorstep.payments.gateways.sandbox import SandboxGateway

    intent = services.start_subscription_with_new_card(
        user=provider.user,
        plan_id=pro.public_id,
        interval="month",
        currency="CNY",
        return_url="https://example.com/back",
    )
    SandboxGateway().confirm_intent(intent_id=intent.intent_id, card="4242424242424242")
    services.finish_subscription_with_new_card(
        user=provider.user, intent_id=intent.intent_id
    )

    assert reconcile() == []
