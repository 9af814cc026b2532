"""Order events issue what the ledger holds by then; a document that cannot
be issued does not fail the event for the other consumers, and the sweep
issues it later."""

import pytest

from doorstep.events.models import Event
from doorstep.events.services import deliver_event_now
from doorstep.invoicing import services
from doorstep.invoicing.models import Document, DocumentKind
from doorstep.invoicing.tests.conftest import pay, set_state
from doorstep.payments import flows

pytestmark = pytest.mark.django_db


def _event(order, topic: str) -> Event:
    return Event.objects.create(
        topic=topic, subject=order.public_id, payload={"to": order.state}
    )


def test_an_order_event_issues_the_receipt_and_the_fee_invoice(order):
    pay(order)
    set_state(order, "completed")
    flows.release_order(order=order)
    Document.objects.all().delete()  # as if nothing had been issued yet
    event = _event(order, "order.confirm")

    assert deliver_event_now(event_id=event.pk)

    assert set(Document.objects.values_list("kind", flat=True)) == {
        DocumentKind.RECEIPT,
        DocumentKind.FEE_INVOICE,
    }


def test_the_same_event_twice_issues_nothing_more(order):
    pay(order)
    first = _event(order, "order.accept")
    second = _event(order, "order.accept")

    deliver_event_now(event_id=first.pk)
    deliver_event_now(event_id=second.pk)

    assert Document.objects.count() == 1


def test_a_failed_issue_leaves_the_event_delivered_and_the_sweep_issues_it(
    order, monkeypatch
):
    pay(order)
    Document.objects.all().delete()
    event = _event(order, "order.accept")

    def broken(document):
        raise RuntimeError("no PDF today")

    with monkeypatch.context() as patched:
        patched.setattr(services, "render_pdf", broken)
        assert deliver_event_now(event_id=event.pk)
    assert Document.objects.count() == 0
    assert Event.objects.get(pk=event.pk).delivered_at is not None

    assert services.issue_due_documents() == {"receipts": 1}
