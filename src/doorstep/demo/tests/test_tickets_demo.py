"""Support tickets in the demo: every status, from customers and providers,
some about demo orders, with an internal note, a rating, broken SLA targets and
the demo ops login holding them — and the books still reconciling."""

import pytest
from django.db.models import Sum

from doorstep.demo.builders import build_demo
from doorstep.payments.models import Posting
from doorstep.payments.reconciliation import reconcile
from doorstep.support.models import CannedReply, Ticket, TicketMessage

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_demo_has_tickets_in_every_status_and_a_breach():
    report = build_demo(providers=30, customers=30, orders=24)

    assert report.support["tickets"] >= 7
    assert report.support["ticket_breaches"] >= 2
    statuses = set(Ticket.objects.values_list("status", flat=True))
    assert statuses == set(Ticket.Status.values)
    assert Ticket.objects.filter(first_response_breached_at__isnull=False).exists()
    assert Ticket.objects.filter(resolution_breached_at__isnull=False).exists()
    assert Ticket.objects.filter(order__isnull=False).exists()
    assert Ticket.objects.filter(requester__provider_profile__isnull=False).exists()
    assert Ticket.objects.filter(requester__provider_profile__isnull=True).exists()
    assert Ticket.objects.exclude(rating="").exists()
    assert TicketMessage.objects.filter(is_internal=True).exists()
    assert Ticket.objects.filter(assignee__email="ops@demo.doorstep.dev").exists()
    assert Ticket.objects.filter(attachments__isnull=False).exists()
    assert CannedReply.objects.count() >= 3
    unbalanced = (
        Posting.objects.values("entry", "currency")
        .annotate(total=Sum("amount"))
        .exclude(total=0)
    )
    assert not unbalanced.exists()
    assert reconcile() == []
