"""The sandbox gateway: a payment processor in our own database.

It keeps its own books (``SandboxCharge``, ``SandboxPayout``, ``SandboxWebhook``),
separate from the ledger, and behaves like a real processor so every flow can be
exercised end to end without one:

* two-step payments like a real processor's: ``create_intent`` opens a
  payment intent; the customer types a test card on the sandbox's own hosted
  page (``/sandbox/pay/<intent>/``, served by ``payments.sandbox_views``, never
  by our booking forms), which confirms the intent, redirects to the shop's
  return URL and emits ``payment_intent.*`` webhooks;
* test cards: ``4242 4242 4242 4242`` succeeds; ``4000 0000 0000 0002`` is
  declined; ``4000 0027 6000 3184`` asks for a challenge (3-D Secure style) the
  customer approves or fails on a second page; ``4000 0000 0000 0119`` answers
  ``retry_later`` the first time a given idempotency key is tried;
  ``4000 0000 0000 0341`` authorises but fails on capture;
* every call is idempotent by its key;
* events (``charge.captured``, ``charge.refunded``, ``payout.paid``,
  ``payout.failed``) are signed like Stripe's (``t=…,v1=…``, HMAC-SHA256) and
  delivered at least once by a task, after a delay, sometimes twice and out of
  order (pseudo-random but deterministic per event id);
* a payout to ``DOORSTEP_SANDBOX_FAILING_ACCOUNT`` (or an account id that
  starts with it and ``_``) fails, asynchronously;
* connected accounts onboard on the sandbox's own page (``/sandbox/connect/…``,
  reached by an account link like Stripe's), where the provider completes the
  details or leaves them incomplete; ``account.updated`` follows.

Tests can also make the next call fail (:func:`inject_failure`), before the
processor acts or after it acted but before we heard back.
"""

import json
import random
import secrets
from collections.abc import Mapping
from datetime import timedelta
from urllib.parse import urljoin

from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from doorstep.payments.conf import setting
from doorstep.payments.gateways.base import (
    ChargeResult,
    ConnectedAccount,
    GatewayError,
    IntentResult,
    PayoutResult,
    RefundResult,
    WebhookEvent,
    sign_payload,
    verify_signature,
)
from doorstep.payments.models import (
    SandboxAccount,
    SandboxAttempt,
    SandboxCharge,
    SandboxPayout,
    SandboxWebhook,
)

SUCCESS = "success"
DECLINE = "decline"
RETRY_ONCE = "retry_once"
CAPTURE_FAILS = "capture_fails"
CHALLENGE = "challenge"

TEST_CARDS = {
    "4242424242424242": (SUCCESS, "visa"),
    "5555555555554444": (SUCCESS, "mastercard"),
    "4000000000000002": (DECLINE, "visa"),
    "4000000000000119": (RETRY_ONCE, "visa"),
    "4000000000000341": (CAPTURE_FAILS, "visa"),
    "4000002760003184": (CHALLENGE, "visa"),
}
# An intent waiting for a card, and one waiting for the challenge's answer
# (short names: they share ``SandboxCharge.status`` with the charges').
OPEN = "open"
CHALLENGED = "challenged"
INTENT_STATUS = {
    OPEN: "requires_payment_method",
    CHALLENGED: "requires_action",
    "authorised": "requires_capture",
    "captured": "succeeded",
    "voided": "canceled",
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


def _hosted_page_url(charge: SandboxCharge) -> str:
    from django.urls import reverse

    page = "challenge" if charge.status == CHALLENGED else "pay"
    path = reverse(f"sandbox:{page}", args=[charge.charge_id])
    return f"{path}?secret={charge.metadata['_secret']}"


def _intent_result(charge: SandboxCharge) -> IntentResult:
    status = INTENT_STATUS.get(charge.status, charge.status)
    authorised = status in IntentResult.AUTHORISED
    return IntentResult(
        intent_id=charge.charge_id,
        client_secret=f"{charge.charge_id}_secret_{charge.metadata['_secret']}",
        status=status,
        amount=charge.amount,
        currency=charge.currency,
        next_action_url="" if authorised else _hosted_page_url(charge),
        failure_code=charge.metadata.get("_failure", ""),
        charge=_charge_result(charge) if authorised else None,
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

    # --- Payment intents --------------------------------------------------------

    def create_intent(
        self,
        *,
        amount: int,
        currency: str,
        idempotency_key: str,
        metadata: Mapping[str, str],
        return_url: str,
    ) -> IntentResult:
        self._fail_before("create_intent")
        try:
            with transaction.atomic():
                charge, _created = SandboxCharge.objects.get_or_create(
                    idempotency_key=idempotency_key,
                    defaults={
                        "charge_id": _new_id("pi"),
                        "card_last4": "",
                        "behaviour": "",
                        "amount": amount,
                        "currency": currency,
                        "status": OPEN,
                        "metadata": {
                            **metadata,
                            "_secret": secrets.token_urlsafe(18),
                            "_return_url": return_url,
                        },
                    },
                )
        except IntegrityError:
            charge = SandboxCharge.objects.get(idempotency_key=idempotency_key)
        return _intent_result(charge)

    def retrieve_intent(self, *, intent_id: str) -> IntentResult:
        return _intent_result(self._charge(intent_id, lock=False))

    def confirm_intent(self, *, intent_id: str, card: str) -> IntentResult:
        """What the hosted page does with the card typed on it: hold the money,
        ask for a challenge, or refuse (the intent stays open for another
        card). Repeats after success change nothing."""
        with transaction.atomic():
            charge = self._charge(intent_id, lock=True)
            if charge.status != OPEN:
                return _intent_result(charge)
            try:
                behaviour, brand, last4 = _card_number(card)
                if behaviour == DECLINE:
                    raise GatewayError(GatewayError.CARD_DECLINED, "declined")
                if behaviour == RETRY_ONCE:
                    self._retry_once(f"intent:{intent_id}")
            except GatewayError as error:
                charge.metadata = {**charge.metadata, "_failure": error.code}
                charge.save(update_fields=["metadata"])
                if error.code == GatewayError.CARD_DECLINED:
                    self._emit("payment_intent.payment_failed", _intent_payload(charge))
                return _intent_result(charge)
            charge.behaviour = behaviour
            charge.card_last4 = last4
            charge.metadata = {**charge.metadata, "_brand": brand, "_failure": ""}
            if behaviour == CHALLENGE:
                charge.status = CHALLENGED
                charge.save(
                    update_fields=["behaviour", "card_last4", "metadata", "status"]
                )
                return _intent_result(charge)
            self._hold(charge)
        return _intent_result(charge)

    def answer_challenge(self, *, intent_id: str, approve: bool) -> IntentResult:
        """The challenge page's buttons: approved, the money is held; failed,
        the intent waits for a card again."""
        with transaction.atomic():
            charge = self._charge(intent_id, lock=True)
            if charge.status != CHALLENGED:
                return _intent_result(charge)
            if approve:
                self._hold(charge)
            else:
                charge.status = OPEN
                charge.metadata = {
                    **charge.metadata,
                    "_failure": "authentication_failed",
                }
                charge.save(update_fields=["status", "metadata"])
                self._emit("payment_intent.payment_failed", _intent_payload(charge))
        return _intent_result(charge)

    def _hold(self, charge: SandboxCharge) -> None:
        charge.status = "authorised"
        charge.save(update_fields=["behaviour", "card_last4", "metadata", "status"])
        self._emit("payment_intent.amount_capturable_updated", _intent_payload(charge))

    @staticmethod
    def _retry_once(key: str) -> None:
        try:
            with transaction.atomic():
                SandboxAttempt.objects.create(idempotency_key=key)
        except IntegrityError:
            return  # tried before: this time it goes through
        raise GatewayError(GatewayError.RETRY_LATER, "Try again in a moment.")

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
        if behaviour in {DECLINE, CHALLENGE}:
            # Off-session charges cannot answer a challenge: refused as a bank
            # would without the customer present.
            raise GatewayError(GatewayError.CARD_DECLINED, "Your card was declined.")
        if behaviour == RETRY_ONCE:
            self._retry_once(idempotency_key)
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
                failing = setting("DOORSTEP_SANDBOX_FAILING_ACCOUNT")
                fails = destination == failing or destination.startswith(failing + "_")
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
            data = event["data"]
            if str(event["type"]).startswith("payment_intent."):
                data = {**data, "intent": intent_from_event(data)}
            return WebhookEvent(
                id=str(event["id"]),
                type=str(event["type"]),
                data=data,
                created=int(event.get("created", 0)),
            )
        except (ValueError, KeyError, TypeError):
            raise GatewayError(GatewayError.BAD_SIGNATURE, "malformed event") from None

    # --- Saved payment methods --------------------------------------------------

    def detach_payment_method(self, *, payment_method: str) -> None:
        """A sandbox token only names a test card (``sbx_<behaviour>_<brand>_<last4>``)
        and the sandbox keeps no customer objects, so there is nothing to forget;
        an unknown token is refused like a real processor's unknown id."""
        self._fail_before("detach_payment_method")
        if not payment_method.startswith("sbx_"):
            raise GatewayError(GatewayError.NOT_FOUND, "no such payment method")

    # --- Reconciliation ---------------------------------------------------------

    def list_charges(self) -> list[ChargeResult]:
        return [_charge_result(c) for c in SandboxCharge.objects.order_by("pk")]

    def list_payouts(self) -> list[PayoutResult]:
        return [_payout_result(p) for p in SandboxPayout.objects.order_by("pk")]

    # --- Connected accounts -----------------------------------------------------

    def create_connected_account(
        self, *, email: str, idempotency_key: str, metadata: Mapping[str, str]
    ) -> ConnectedAccount:
        self._fail_before("create_connected_account")
        try:
            with transaction.atomic():
                account, _created = SandboxAccount.objects.get_or_create(
                    idempotency_key=idempotency_key,
                    defaults={
                        "account_id": _new_id("acct"),
                        "email": email,
                        "metadata": dict(metadata),
                    },
                )
        except IntegrityError:
            account = SandboxAccount.objects.get(idempotency_key=idempotency_key)
        return _account_result(account)

    def create_account_link(
        self, *, account_id: str, return_url: str, refresh_url: str
    ) -> str:
        self._fail_before("create_account_link")
        if not SandboxAccount.objects.filter(account_id=account_id).exists():
            raise GatewayError(GatewayError.NOT_FOUND, "no such account")
        token = signing.dumps(
            {"account": account_id, "return": return_url, "refresh": refresh_url},
            salt=ACCOUNT_LINK_SALT,
        )
        # The sandbox's page is on this site: the same origin as the return URL.
        page = reverse("payments:sandbox_connect", args=[account_id])
        return urljoin(return_url, page) + f"?link={token}"

    def retrieve_account(self, *, account_id: str) -> ConnectedAccount:
        account = SandboxAccount.objects.filter(account_id=account_id).first()
        if account is None:
            raise GatewayError(GatewayError.NOT_FOUND, "no such account")
        return _account_result(account)

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


def _intent_payload(charge: SandboxCharge) -> dict:
    result = _intent_result(charge)
    return {
        "id": charge.charge_id,
        "status": result.status,
        "amount": charge.amount,
        "currency": charge.currency,
        "failure_code": result.failure_code,
        "payment_method": result.charge.payment_method if result.charge else "",
        "card_brand": charge.metadata.get("_brand", ""),
        "card_last4": charge.card_last4,
        "metadata": dict(result.metadata),
    }


def intent_from_event(data: Mapping) -> IntentResult:
    """A ``payment_intent.*`` event's data as an ``IntentResult``."""
    status = str(data.get("status", ""))
    charge = None
    if status in IntentResult.AUTHORISED:
        charge = ChargeResult(
            charge_id=str(data["id"]),
            status=INTENT_STATUS_TO_CHARGE.get(status, status),
            amount=int(data["amount"]),
            currency=str(data["currency"]),
            payment_method=str(data.get("payment_method", "")),
            card_brand=str(data.get("card_brand", "")),
            card_last4=str(data.get("card_last4", "")),
            metadata=dict(data.get("metadata") or {}),
        )
    return IntentResult(
        intent_id=str(data["id"]),
        client_secret="",
        status=status,
        amount=int(data["amount"]),
        currency=str(data["currency"]),
        failure_code=str(data.get("failure_code", "")),
        charge=charge,
        metadata=dict(data.get("metadata") or {}),
    )


INTENT_STATUS_TO_CHARGE = {"requires_capture": "authorised", "succeeded": "captured"}


def return_url_of(intent_id: str) -> str:
    """Where the hosted page sends the customer back (the shop's return URL)."""
    charge = SandboxCharge.objects.filter(charge_id=intent_id).first()
    return charge.metadata.get("_return_url", "") if charge else ""


def pay_with_sandbox_card(order, card: str, *, challenge: str = "approve"):
    """Book-then-pay in one call for the demo and tests, exactly as a browser
    does it: open the order's intent, type ``card`` on the hosted page (and
    answer the challenge: "approve" or "fail"), then land on the return URL,
    which asks the gateway — never production code's path to call. Returns the
    order; a refused card leaves it waiting for payment and raises
    ``PaymentError``."""
    from doorstep.orders import services
    from doorstep.payments.flows import PaymentError

    intent = services.start_order_payment(order=order, user=order.customer)
    gateway = SandboxGateway()
    result = gateway.confirm_intent(intent_id=intent.intent_id, card=card)
    if result.status == "requires_action":
        result = gateway.answer_challenge(
            intent_id=intent.intent_id, approve=challenge == "approve"
        )
    order = services.sync_order_payment(order=order, user=order.customer)
    if not result.authorised:
        raise PaymentError(GatewayError(result.failure_code or "card_declined"))
    return order


# --- Connected accounts' onboarding (the sandbox's hosted page) ----------------------

ACCOUNT_LINK_SALT = "doorstep.sandbox.account_link"
# Stripe's account links expire after a few minutes; so do the sandbox's.
ACCOUNT_LINK_MAX_AGE = 300
REQUIREMENTS = ("external_account", "individual.verification.document")


def _account_result(account: SandboxAccount) -> ConnectedAccount:
    done = account.details_submitted
    return ConnectedAccount(
        account_id=account.account_id,
        details_submitted=done,
        charges_enabled=done,
        payouts_enabled=done,
        requirements_due=() if done else REQUIREMENTS,
    )


def read_account_link(account_id: str, token: str) -> dict[str, str] | None:
    """The return and refresh URLs an account link carries, or None when the link
    is forged, for another account, or expired."""
    try:
        link = signing.loads(
            token, salt=ACCOUNT_LINK_SALT, max_age=ACCOUNT_LINK_MAX_AGE
        )
    except signing.BadSignature:
        return None
    return link if link.get("account") == account_id else None


def refresh_url_of(account_id: str, token: str) -> str | None:
    """An expired link of this account still names where to ask for a new one."""
    try:
        link = signing.loads(token, salt=ACCOUNT_LINK_SALT)
    except signing.BadSignature:
        return None
    return link.get("refresh") if link.get("account") == account_id else None


def finish_onboarding(account_id: str, *, complete: bool) -> ConnectedAccount:
    """What the sandbox's onboarding page does when the provider submits it:
    the details are complete (payouts enabled) or left incomplete. Either way the
    account's state goes out as an ``account.updated`` event, as Stripe's does."""
    with transaction.atomic():
        account = SandboxAccount.objects.select_for_update().get(account_id=account_id)
        if complete and not account.details_submitted:
            account.details_submitted = True
            account.save(update_fields=["details_submitted"])
        result = _account_result(account)
        SandboxGateway._emit(
            "account.updated",
            {
                "id": result.account_id,
                "details_submitted": result.details_submitted,
                "charges_enabled": result.charges_enabled,
                "payouts_enabled": result.payouts_enabled,
                "requirements_due": list(result.requirements_due),
                "disabled_reason": result.disabled_reason,
                "metadata": dict(account.metadata),
            },
        )
    return result


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
