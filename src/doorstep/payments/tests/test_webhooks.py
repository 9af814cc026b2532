"""Webhooks: signatures, replays, duplicates, out-of-order events, and recovery of
a capture whose posting was lost."""

import json
import time

import pytest
from django.core.management import call_command

from doorstep.payments import flows
from doorstep.payments.gateways import sandbox
from doorstep.payments.gateways.base import sign_payload
from doorstep.payments.models import AccountKind as K
from doorstep.payments.models import (
    JournalEntry,
    ProcessedWebhook,
    SandboxCharge,
    SandboxWebhook,
)
from doorstep.payments.tests.conftest import CARD_OK, balance
from doorstep.payments.webhooks import receive_webhook

pytestmark = pytest.mark.django_db
URL = "/payments/webhooks/sandbox/"


def _captured(order):
    flows.authorise_order(order=order, payment_method=CARD_OK)
    flows.capture_order(order=order)
    return SandboxWebhook.objects.get(event_type="charge.captured")


def _post(client, body: bytes, signature: str):
    return client.post(
        URL, body, content_type="application/json", HTTP_DOORSTEP_SIGNATURE=signature
    )


def test_a_signed_event_is_accepted_over_http(client, order):
    webhook = _captured(order)
    body, headers = sandbox.signed_delivery(webhook)

    response = _post(client, body, headers["Doorstep-Signature"])

    assert response.status_code == 200
    assert ProcessedWebhook.objects.filter(event_id=webhook.event_id).exists()


def test_a_bad_signature_is_refused_and_writes_nothing(client, order):
    webhook = _captured(order)
    body, _headers = sandbox.signed_delivery(webhook)

    response = _post(client, body, sign_payload(body, secret="not-the-secret"))

    assert response.status_code == 400
    assert not ProcessedWebhook.objects.exists()


def test_a_tampered_body_is_refused(client, order):
    webhook = _captured(order)
    body, headers = sandbox.signed_delivery(webhook)

    response = _post(
        client, body.replace(b"10500", b"99999"), headers["Doorstep-Signature"]
    )

    assert response.status_code == 400


def test_an_old_timestamp_is_refused_as_a_replay(client, order):
    webhook = _captured(order)
    body, headers = sandbox.signed_delivery(webhook, timestamp=int(time.time()) - 3600)

    response = _post(client, body, headers["Doorstep-Signature"])

    assert response.status_code == 400


def test_a_missing_signature_is_refused(client, order):
    _captured(order)

    response = client.post(URL, b"{}", content_type="application/json")

    assert response.status_code == 400


def test_duplicates_are_processed_once(order):
    webhook = _captured(order)
    body, headers = sandbox.signed_delivery(webhook)

    assert receive_webhook(gateway="sandbox", body=body, headers=headers) == 200
    assert receive_webhook(gateway="sandbox", body=body, headers=headers) == 200

    assert ProcessedWebhook.objects.count() == 1
    assert JournalEntry.objects.filter(kind="capture").count() == 1


def test_refund_event_before_capture_event_posts_both_once(order, monkeypatch):
    flows.authorise_order(order=order, payment_method=CARD_OK)
    # The worker dies after each gateway call: nothing is posted by the flows.
    monkeypatch.setattr(flows, "record_capture", _die)
    with pytest.raises(SystemExit):
        flows.capture_order(order=order)
    monkeypatch.undo()
    gateway = sandbox.SandboxGateway()
    charge = SandboxCharge.objects.get()
    gateway.refund(
        charge_id=charge.charge_id,
        amount=2_000,
        idempotency_key=f"refund:{order.public_id}:dispute",
        metadata={},
    )
    assert JournalEntry.objects.count() == 0
    events = list(SandboxWebhook.objects.order_by("-pk"))  # refund first

    for webhook in events + events:
        sandbox.deliver_webhook(webhook.event_id)

    assert JournalEntry.objects.filter(kind="capture").count() == 1
    assert JournalEntry.objects.filter(kind="refund").count() == 1
    assert balance(K.ORDER_ESCROW, order=order) == 8_500
    assert balance(K.GATEWAY_FUNDS) == 8_500


def _die(*args, **kwargs):
    raise SystemExit("worker killed")


def test_crash_after_capture_is_recovered_by_the_webhook_once(order, monkeypatch):
    flows.authorise_order(order=order, payment_method=CARD_OK)
    monkeypatch.setattr(flows, "record_capture", _die)
    with pytest.raises(SystemExit):
        flows.capture_order(order=order)
    monkeypatch.undo()
    assert JournalEntry.objects.count() == 0
    assert SandboxCharge.objects.get().status == "captured"

    sandbox.deliver_pending(seed=1, duplicates=True)
    flows.capture_order(order=order)  # the retried task: posts nothing new

    assert JournalEntry.objects.filter(kind="capture").count() == 1
    assert balance(K.ORDER_ESCROW, order=order) == 10_500


def test_crash_after_capture_is_recovered_by_reconcile_fix_once(
    order, monkeypatch, capsys
):
    flows.authorise_order(order=order, payment_method=CARD_OK)
    monkeypatch.setattr(flows, "record_capture", _die)
    with pytest.raises(SystemExit):
        flows.capture_order(order=order)
    monkeypatch.undo()

    with pytest.raises(SystemExit) as found:
        call_command("reconcile")
    assert found.value.code == 1
    assert "missing_posting: capture:" in capsys.readouterr().out

    call_command("reconcile", "--fix")
    call_command("reconcile", "--fix")
    sandbox.deliver_pending()  # the late webhook changes nothing

    assert JournalEntry.objects.filter(kind="capture").count() == 1
    assert balance(K.ORDER_ESCROW, order=order) == 10_500
    call_command("reconcile")  # clean: exits 0


def test_response_lost_after_the_gateway_acted_is_retried_safely(order):
    flows.authorise_order(order=order, payment_method=CARD_OK)
    sandbox.inject_failure("capture", when="after", code="gateway_unavailable")

    with pytest.raises(flows.PaymentError) as lost:
        flows.capture_order(order=order)
    assert lost.value.retryable
    flows.capture_order(order=order)

    assert SandboxCharge.objects.get().captured_amount == 10_500
    assert JournalEntry.objects.filter(kind="capture").count() == 1


def test_reconcile_reports_an_unknown_gateway_charge(capsys):
    SandboxCharge.objects.create(
        charge_id="ch_sbx_stranger",
        idempotency_key="k",
        card_last4="4242",
        behaviour="success",
        amount=100,
        currency="CNY",
        status="captured",
        captured_amount=100,
    )

    with pytest.raises(SystemExit):
        call_command("reconcile")

    assert "unknown_gateway_charge: ch_sbx_stranger" in capsys.readouterr().out


def test_auto_delivery_by_task_with_chaos(
    settings, order, django_capture_on_commit_callbacks
):
    settings.DOORSTEP_SANDBOX_AUTO_DELIVER = True
    settings.DOORSTEP_SANDBOX_CHAOS = True

    flows.authorise_order(order=order, payment_method=CARD_OK)
    with django_capture_on_commit_callbacks(execute=True):
        flows.capture_order(order=order)  # the immediate task backend delivers

    assert ProcessedWebhook.objects.count() == 1
    assert JournalEntry.objects.filter(kind="capture").count() == 1
    payload = SandboxWebhook.objects.get().payload
    assert json.loads(json.dumps(payload))["type"] == "charge.captured"
