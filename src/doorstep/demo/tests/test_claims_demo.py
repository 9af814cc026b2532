"""Claims in the demo: warranty claims in every state (the redone one's free
order walked to completion in the past) and guarantee claims waiting, paid from
a funded guarantee fund, and rejected — all through the services, with the
books still balanced and the gateway agreeing."""

import pytest
from django.db.models import Sum

from doorstep.demo.builders import build_demo
from doorstep.orders.states import OrderState
from doorstep.payments import flows
from doorstep.payments.models import AccountKind, LedgerAccount, Posting
from doorstep.payments.reconciliation import reconcile
from doorstep.support.models import GuaranteeClaim, WarrantyClaim

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_demo_has_claims_in_every_state_and_the_books_balance():
    report = build_demo(providers=30, customers=30, orders=24)

    for status in WarrantyClaim.Status.values:
        assert report.support[f"warranty_{status}"] >= 1, (status, report.support)
        assert WarrantyClaim.objects.filter(status=status).exists(), status
    for status in GuaranteeClaim.Status.values:
        assert GuaranteeClaim.objects.filter(status=status).exists(), status
    for redone in WarrantyClaim.objects.filter(status=WarrantyClaim.Status.REDONE):
        assert redone.redo_order.state == OrderState.COMPLETED
        assert redone.redo_order.total_amount == 0
        assert redone.redo_order.events.last().created_at < redone.closed_at
        assert not redone.redo_order.journal_entries.exists()
    assert flows.guarantee_fund_balance("CNY") > 0
    unbalanced = (
        Posting.objects.values("entry", "currency")
        .annotate(total=Sum("amount"))
        .exclude(total=0)
    )
    assert not unbalanced.exists()
    escrow = LedgerAccount.objects.filter(
        kind=AccountKind.ORDER_ESCROW, order__state=OrderState.COMPLETED
    ).aggregate(total=Sum("balance"))["total"]
    assert not escrow
    assert reconcile() == []
