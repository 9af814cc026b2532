"""Disputes in the demo: one in every state, about the past's delivered and
completed jobs, made through the support services — with a delivered job left
undisputed and the books still reconciling."""

import pytest
from django.db.models import Sum
from django.utils import timezone

from doorstep.demo.builders import build_demo
from doorstep.orders.models import Order
from doorstep.orders.states import OrderState
from doorstep.payments.models import AccountKind, LedgerAccount, Posting
from doorstep.payments.reconciliation import reconcile
from doorstep.support.models import Dispute

pytestmark = pytest.mark.django_db(transaction=True)

Status = Dispute.Status


def test_the_demo_has_disputes_in_every_state():
    report = build_demo(providers=30, customers=30, orders=24)

    assert {
        "disputes_awaiting_response",
        "disputes_offer_made",
        "disputes_settled",
        "disputes_escalated",
        "disputes_decided_split",
        "disputes_decided_penalty",
    } <= report.support.keys()
    statuses = set(Dispute.objects.values_list("status", flat=True))
    assert statuses == set(Status.values)
    # One was settled by a free redo, which is coming up on both calendars.
    redone = Dispute.objects.get(redo_order__isnull=False)
    assert redone.status == Status.SETTLED
    assert redone.redo_order.state == OrderState.ACCEPTED
    assert redone.redo_order.total_amount == 0
    assert redone.redo_order.starts_at > timezone.now()
    decided = Dispute.objects.filter(status=Status.DECIDED)
    assert decided.filter(outcome=Dispute.Outcome.PARTIAL_REFUND).exists()
    assert decided.filter(penalised=True).exists()
    assert all(d.decision_reason for d in decided)
    # Open claims wait for their answers, due after they were opened.
    for waiting in Dispute.objects.filter(status=Status.AWAITING_RESPONSE):
        assert waiting.created_at < timezone.now()
        assert waiting.respond_by > waiting.created_at
    # The history's disputed jobs are disputes on evidence too.
    assert not Order.objects.filter(
        state=OrderState.DISPUTED, dispute__isnull=True
    ).exists()
    # Another demo confirms a delivered job: one is left undisputed.
    assert Order.objects.filter(
        state=OrderState.DELIVERED, dispute__isnull=True
    ).exists()
    # The money moved exactly: balanced, no escrow left in a settled order,
    # and the gateway agrees.
    unbalanced = (
        Posting.objects.values("entry", "currency")
        .annotate(total=Sum("amount"))
        .exclude(total=0)
    )
    assert not unbalanced.exists()
    settled_orders = Dispute.objects.filter(
        status__in=(Status.SETTLED, Status.DECIDED)
    ).values("order")
    assert not LedgerAccount.objects.filter(
        kind=AccountKind.ORDER_ESCROW, order__in=settled_orders, balance__gt=0
    ).exists()
    assert reconcile() == []
