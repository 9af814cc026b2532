"""The sandbox gateway: a payment processor in our own database.

It keeps its own books (``SandboxCharge``, ``SandboxPayout``, ``SandboxWebhook``),
separate from the ledger, and behaves like a real processor so every flow can be
exercised end to end without one:

* test cards: ``4242 4242 4242 4242`` succeeds; ``4000 0000 0000 0002`` is
  declined; ``4000 0000 0000 0119`` answers ``retry_later`` the first time a
  given idempotency key is tried; ``4000 0000 0000 0341`` authorises but fails on
  capture;
* every call is idempotent by its key;
* events (``charge.captured``, ``charge.refunded``, ``payout.paid``,
  ``payout.failed``) are signed like Stripe's (``t=…,v1=…``, HMAC-SHA256) and
  delivered at least once by a task, after a delay, sometimes twice and out of
  order (pseudo-random but deterministic per event id);
* a payout to ``DOORSTEP_SANDBOX_FAILING_ACCOUNT`` fails, asynchronously.

Tests can also make the next call fail (:func:`inject_failure`), before the
processor acts or after it acted but before we heard back.
"""

import json
import random
import secrets
from collections.abc import Mapping
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from doorstep.payments.conf import setting
from doorstep.payments.gateways.base import (
    ChargeResult,
    GatewayError,
    PayoutResult,
    RefundResult,
    WebhookEvent,
    sign_payload,
    verify_signature,
)
from doorstep.payments.models import (
    SandboxAttempt,
    SandboxCharge,
    SandboxPayout,
    SandboxWebhook,
)

SUCCESS = "success"
DECLINE = "decline"
RETRY_ONCE = "retry_once"
CAPTURE_FAILS = "capture_fails"

TEST_CARDS = {
    "4242424242424242": (SUCCESS, "visa"),
    "5555555555554444": (SUCCESS, "mastercard"),
    "4000000000000002": (DECLINE, "visa"),
    "4000000000000119": (RETRY_ONCE, "visa"),
    "4000000000000341": (CAPTURE_FAILS, "visa"),
}
SIGNATURE_HEADER = "Doorstep-Signature"

# (operation, "before" | "after", code): the next matching call fails. "before":
# the processor did nothing; "after": it acted, then the answer was lost.
_injected: list[tuple[str, str, str]] = []


def inject_failure(
    operation: str, *, when: str = "before", code: str = GatewayError.RETRY_LATER
) -> None:
    _injected.append((operation, when, code))


def clear_injected_failures() -> None:
    _injected.clear()


def _injected_failure(operation: str, when: str) -> str | None:
    for index, (op, moment, code) in enumerate(_injected):
        if op == operation and moment == when:
            del _injected[index]
            return code
    return None


def _new_id(prefix: str) -> str:
    return f"{prefix}_sbx_{secrets.token_hex(8)}"


def _card_number(payment_method: str) -> tuple[str, str, str]:
    """(behaviour, brand, last4) of a test card number or of a sandbox token."""
    if payment_method.startswith("sbx_"):
        _prefix, behaviour, brand, last4 = payment_method.split("_", 3)
        return behaviour.replace("-", "_"), brand, last4
    number = "".join(ch for ch in payment_method if ch.isdigit())
    if number not in TEST_CARDS:
        raise GatewayError(GatewayError.CARD_DECLINED, "unknown test card")
    behaviour, brand = TEST_CARDS[number]
    return behaviour, brand, number[-4:]


def _token(behaviour: str, brand: str, last4: str) -> str:
    return f"sbx_{behaviour.replace('_', '-')}_{brand}_{last4}"


def _charge_result(charge: SandboxCharge) -> ChargeResult:
    brand = charge.metadata.get("_brand", "")
    return ChargeResult(
        charge_id=charge.charge_id,
        status=charge.status,
        amount=charge.amount,
        currency=charge.currency,
        captured_amount=charge.captured_amount,
        refunded_amount=charge.refunded_amount,
        payment_method=_token(charge.behaviour, brand, charge.card_last4),
        card_brand=brand,
        card_last4=charge.card_last4,
        refunds=tuple((key, r["amount"]) for key, r in charge.refunds.items()),
        metadata={k: v for k, v in charge.metadata.items() if not k.startswith("_")},
    )


def _payout_result(payout: SandboxPayout) -> PayoutResult:
    return PayoutResult(
        payout_id=payout.payout_id,
        amount=payout.amount,
        currency=payout.currency,
        status=payout.status,
    )


class SandboxGateway:
    name = "sandbox"

    # --- Charges ----------------------------------------------------------------

    def authorise(
        self,
        *,
        amount: int,
        currency: str,
        payment_method: str,
        idempotency_key: str,
        metadata: Mapping[str, str],
    ) -> ChargeResult:
        self._fail_before("authorise")
        existing = SandboxCharge.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return _charge_result(existing)
        behaviour, brand, last4 = _card_number(payment_method)
        if behaviour == DECLINE:
            raise GatewayError(GatewayError.CARD_DECLINED, "Your card was declined.")
        if behaviour == RETRY_ONCE:
            try:
                with transaction.atomic():
                    SandboxAttempt.objects.create(idempotency_key=idempotency_key)
            except IntegrityError:
                pass  # tried before: this time it goes through
            else:
                raise GatewayError(GatewayError.RETRY_LATER, "Try again in a moment.")
        try:
            with transaction.atomic():
                charge = SandboxCharge.objects.create(
                    charge_id=_new_id("ch"),
                    idempotency_key=idempotency_key,
                    card_last4=last4,
                    behaviour=behaviour,
                    amount=amount,
                    currency=currency,
                    status="authorised",
                    metadata={**metadata, "_brand": brand},
                )
        except IntegrityError:
            charge = SandboxCharge.objects.get(idempotency_key=idempotency_key)
        self._fail_after("authorise")
        return _charge_result(charge)

    def capture(
        self, *, charge_id: str, amount: int | None, idempotency_key: str
    ) -> ChargeResult:
        self._fail_before("capture")
        with transaction.atomic():
            charge = self._charge(charge_id, lock=True)
            if charge.status == "authorised":
                if charge.behaviour == CAPTURE_FAILS:
                    raise GatewayError(
                        GatewayError.CAPTURE_FAILED, "The bank refused the capture."
                    )
                amount = charge.amount if amount is None else amount
                if not 0 < amount <= charge.amount:
                    raise GatewayError(GatewayError.CAPTURE_FAILED, "bad amount")
                charge.status = "captured"
                charge.captured_amount = amount
                charge.save(update_fields=["status", "captured_amount"])
                self._emit("charge.captured", self._charge_payload(charge))
            elif charge.status != "captured":
                raise GatewayError(GatewayError.ALREADY_VOIDED, "charge was voided")
        self._fail_after("capture")
        return _charge_result(charge)

    def void(self, *, charge_id: str, idempotency_key: str) -> ChargeResult:
        self._fail_before("void")
        with transaction.atomic():
            charge = self._charge(charge_id, lock=True)
            if charge.status == "authorised":
                charge.status = "voided"
                charge.save(update_fields=["status"])
            elif charge.status != "voided":
                raise GatewayError(GatewayError.CAPTURE_FAILED, "already captured")
        self._fail_after("void")
        return _charge_result(charge)

    def refund(
        self,
        *,
        charge_id: str,
        amount: int,
        idempotency_key: str,
        metadata: Mapping[str, str],
    ) -> RefundResult:
        self._fail_before("refund")
        with transaction.atomic():
            charge = self._charge(charge_id, lock=True)
            done = charge.refunds.get(idempotency_key)
            if done is None:
                if charge.status != "captured":
                    raise GatewayError(GatewayError.NOT_FOUND, "nothing captured")
                if amount <= 0 or (
                    charge.refunded_amount + amount > charge.captured_amount
                ):
                    raise GatewayError(
                        GatewayError.REFUND_TOO_LARGE, "more than was captured"
                    )
                done = {"id": _new_id("re"), "amount": amount, "metadata": {**metadata}}
                charge.refunds = {**charge.refunds, idempotency_key: done}
                charge.refunded_amount += amount
                charge.save(update_fields=["refunds", "refunded_amount"])
                self._emit("charge.refunded", self._charge_payload(charge))
        self._fail_after("refund")
        return RefundResult(
            refund_id=done["id"],
            charge_id=charge_id,
            amount=done["amount"],
            status="succeeded",
        )

    # --- Payouts ------------------------------------------------------------------

    def payout(
        self,
        *,
        amount: int,
        currency: str,
        destination: str,
        idempotency_key: str,
        metadata: Mapping[str, str],
    ) -> PayoutResult:
        self._fail_before("payout")
        with transaction.atomic():
            payout = SandboxPayout.objects.filter(
                idempotency_key=idempotency_key
            ).first()
            if payout is None:
                payout = SandboxPayout.objects.create(
                    payout_id=_new_id("po"),
                    idempotency_key=idempotency_key,
                    amount=amount,
                    currency=currency,
                    destination=destination,
                    status="in_transit",
                    metadata=dict(metadata),
                )
                # The bank answers later: paid, or failed for the failing account.
                # The payout stays in transit here too until that answer is
                # delivered (``deliver_webhook``), as a real processor's does.
                fails = destination == setting("DOORSTEP_SANDBOX_FAILING_ACCOUNT")
                self._emit(
                    "payout.failed" if fails else "payout.paid",
                    {
                        "id": payout.payout_id,
                        "amount": amount,
                        "currency": currency,
                        "status": "failed" if fails else "paid",
                        "failure_code": "account_closed" if fails else "",
                        "metadata": dict(metadata),
                    },
                )
        self._fail_after("payout")
        # What the caller learns now: the money is on its way.
        return PayoutResult(
            payout_id=payout.payout_id,
            amount=payout.amount,
            currency=payout.currency,
            status="in_transit",
        )

    # --- Webhooks -----------------------------------------------------------------

    def verify_and_parse_webhook(
        self, *, body: bytes, headers: Mapping[str, str]
    ) -> WebhookEvent:
        header = _header(headers, SIGNATURE_HEADER)
        verify_signature(
            body,
            header,
            secret=setting("DOORSTEP_SANDBOX_WEBHOOK_SECRET"),
            tolerance=setting("DOORSTEP_WEBHOOK_TOLERANCE_SECONDS"),
        )
        try:
            event = json.loads(body)
            return WebhookEvent(
                id=str(event["id"]),
                type=str(event["type"]),
                data=event["data"],
                created=int(event.get("created", 0)),
            )
        except (ValueError, KeyError, TypeError):
            raise GatewayError(GatewayError.BAD_SIGNATURE, "malformed event") from None

    # --- Reconciliation ---------------------------------------------------------

    def list_charges(self) -> list[ChargeResult]:
        return [_charge_result(c) for c in SandboxCharge.objects.order_by("pk")]

    def list_payouts(self) -> list[PayoutResult]:
        return [_payout_result(p) for p in SandboxPayout.objects.order_by("pk")]

    # --- Inside -------------------------------------------------------------------

    @staticmethod
    def _charge(charge_id: str, *, lock: bool) -> SandboxCharge:
        charges = SandboxCharge.objects.select_for_update() if lock else None
        charges = charges if charges is not None else SandboxCharge.objects
        try:
            return charges.get(charge_id=charge_id)
        except SandboxCharge.DoesNotExist:
            raise GatewayError(GatewayError.NOT_FOUND, "no such charge") from None

    @staticmethod
    def _charge_payload(charge: SandboxCharge) -> dict:
        return {
            "id": charge.charge_id,
            "amount": charge.amount,
            "currency": charge.currency,
            "status": charge.status,
            "captured_amount": charge.captured_amount,
            "refunded_amount": charge.refunded_amount,
            "refunds": [
                {"id": r["id"], "amount": r["amount"], "idempotency_key": key}
                for key, r in charge.refunds.items()
            ],
            "metadata": {
                k: v for k, v in charge.metadata.items() if not k.startswith("_")
            },
        }

    @staticmethod
    def _emit(event_type: str, data: dict) -> None:
        event_id = _new_id("evt")
        now = timezone.now()
        delay = setting("DOORSTEP_SANDBOX_WEBHOOK_DELAY_SECONDS")
        # Jitter so that events about one charge can overtake each other.
        jitter = _chaos(event_id).uniform(0, delay * 3) if chaos_on() else 0
        webhook = SandboxWebhook.objects.create(
            event_id=event_id,
            event_type=event_type,
            payload={
                "id": event_id,
                "type": event_type,
                "created": int(now.timestamp()),
                "data": data,
            },
            deliver_after=now + timedelta(seconds=delay + jitter),
        )
        if setting("DOORSTEP_SANDBOX_AUTO_DELIVER"):
            transaction.on_commit(lambda: _schedule(webhook))

    @staticmethod
    def _fail_before(operation: str) -> None:
        code = _injected_failure(operation, "before")
        if code:
            raise GatewayError(code, f"injected failure before {operation}")

    @staticmethod
    def _fail_after(operation: str) -> None:
        code = _injected_failure(operation, "after")
        if code:
            raise GatewayError(code, f"injected failure after {operation}")


def _header(headers: Mapping[str, str], name: str) -> str:
    lowered = {key.lower(): value for key, value in headers.items()}
    return lowered.get(name.lower(), "") or lowered.get(
        "http_" + name.lower().replace("-", "_"), ""
    )


def chaos_on() -> bool:
    return bool(setting("DOORSTEP_SANDBOX_CHAOS"))


def _chaos(event_id: str) -> random.Random:
    return random.Random(event_id)  # noqa: S311 - simulation, not security


def _schedule(webhook: SandboxWebhook) -> None:
    from doorstep.payments.tasks import deliver_sandbox_webhook

    copies = 2 if chaos_on() and _chaos(webhook.event_id).random() < 0.3 else 1
    backend = deliver_sandbox_webhook.get_backend()
    for _copy in range(copies):
        task = deliver_sandbox_webhook
        if backend.supports_defer:
            task = task.using(run_after=webhook.deliver_after)
        task.enqueue(webhook.event_id)


def signed_delivery(webhook: SandboxWebhook, *, timestamp: int | None = None):
    """The body and headers the sandbox sends for ``webhook``."""
    body = json.dumps(webhook.payload, sort_keys=True).encode()
    header = sign_payload(
        body, secret=setting("DOORSTEP_SANDBOX_WEBHOOK_SECRET"), timestamp=timestamp
    )
    return body, {SIGNATURE_HEADER: header}


def deliver_webhook(event_id: str) -> int:
    """Send one event to our handler (as the processor's HTTP call would); the
    handler's status code."""
    from doorstep.payments.webhooks import receive_webhook

    webhook = SandboxWebhook.objects.get(event_id=event_id)
    if webhook.event_type.startswith("payout."):
        data = webhook.payload["data"]
        SandboxPayout.objects.filter(payout_id=data["id"], status="in_transit").update(
            status=data["status"]
        )
    body, headers = signed_delivery(webhook)
    status = receive_webhook(gateway="sandbox", body=body, headers=headers)
    SandboxWebhook.objects.filter(pk=webhook.pk).update(
        deliveries=webhook.deliveries + 1, delivered_at=timezone.now()
    )
    return status


def schedule_pending_deliveries() -> int:
    """Queue a delivery task for every event not delivered yet, due at its
    ``deliver_after`` (a demo built with deliveries held back hands them to the
    worker this way). Returns how many were queued."""
    pending = list(SandboxWebhook.objects.filter(delivered_at__isnull=True))
    for webhook in pending:
        _schedule(webhook)
    return len(pending)


def deliver_pending(*, seed: int | None = None, duplicates: bool = False) -> int:
    """Deliver every event not delivered yet — shuffled with ``seed`` and with
    some sent twice when asked (tests and the demo use this instead of waiting
    for the worker). Returns how many deliveries were made."""
    pending = list(
        SandboxWebhook.objects.filter(delivered_at__isnull=True).values_list(
            "event_id", flat=True
        )
    )
    order = list(pending)
    if seed is not None:
        shuffler = random.Random(seed)  # noqa: S311 - simulation
        if duplicates:
            order += [e for e in pending if shuffler.random() < 0.3]
        shuffler.shuffle(order)
    for event_id in order:
        deliver_webhook(event_id)
    return len(order)
