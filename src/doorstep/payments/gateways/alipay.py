"""Alipay (Alipay Open Platform, ``alipay.trade.*``) behind our gateway interface.

Every request is a form POST to the gateway URL, signed RSA2 (SHA256withRSA over
the parameters sorted by name, ``k=v`` joined by ``&``, with the app's private
key); every answer's ``…_response`` node is checked against Alipay's public key
before a word of it is believed, and so is every asynchronous notification (a
form POST with ``sign``/``sign_type``).

How the interface maps:

* create_intent: ``alipay.trade.precreate`` (a QR code the customer scans with
  the Alipay app; ``DOORSTEP_ALIPAY_CHECKOUT=qr``) or ``alipay.trade.page.pay``
  (a signed redirect to Alipay's cashier page, which sends the customer back to
  ``return_url``; ``=page``). Either way the QR / redirect URL is the intent's
  ``next_action_url``, and the intent id is our merchant order number
  (``out_trade_no``, made from the idempotency key, so a repeat finds the same
  trade). The trade times out with the payment window.
* retrieve_intent / capture: ``alipay.trade.query``. Alipay has **no separate
  authorise and capture** for ordinary trades: the money is taken when the
  customer pays (``TRADE_SUCCESS``). So a paid trade is an intent that
  "succeeded" with a charge already *captured* in full; the notification of
  the payment posts the capture at once (``webhooks.handle_event``), and the
  money then waits in the order's **escrow in our ledger** — not as a hold on
  the customer's account — until the order is released or refunded. ``capture``
  only confirms the trade is paid and reports the whole amount (a capture of
  less, e.g. a cancellation fee, is the whole amount with the rest refunded
  by the flow).
* void: ``alipay.trade.close`` while the trade is unpaid. Once paid there is
  nothing to release: void answers the charge as captured, and the flow gives
  the money back by refund.
* refund: ``alipay.trade.refund``, ``out_request_no`` = our idempotency key (a
  repeat with it is answered ``fund_change=N`` and moves nothing again).
* payouts and connected accounts: not here (the card gateway pays providers);
  ``list_charges``: Alipay has no listing of trades (only bill downloads), so
  it queries the trade of each of our Alipay payments (``doorstep reconcile
  --gateway alipay`` then finds a payment whose notification never came).

Amounts: Alipay speaks yuan strings with two decimals ("105.00"); we speak
integer fen (10500). CNY only.
"""

import json
import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from doorstep.payments.conf import setting
from doorstep.payments.gateways.base import (
    ChargeResult,
    GatewayError,
    IntentResult,
    RefundResult,
    WebhookEvent,
)
from doorstep.payments.gateways.wallet import (
    NoPayouts,
    Transport,
    charges_of_our_payments,
    fen,
    load_private_key,
    load_public_key,
    merchant_number,
    notify_url,
    refund_key_of,
    refund_number,
    rsa_sign,
    rsa_verify,
    urllib_transport,
    yuan,
)

logger = logging.getLogger(__name__)

BEIJING = ZoneInfo("Asia/Shanghai")
SUCCESS = "10000"
PAID = frozenset({"TRADE_SUCCESS", "TRADE_FINISHED"})

# Alipay's business error codes (``sub_code``) in our words.
ERRORS = {
    "ACQ.SYSTEM_ERROR": GatewayError.RETRY_LATER,
    "ACQ.SELLER_BALANCE_NOT_ENOUGH": GatewayError.RETRY_LATER,
    "ACQ.TRADE_NOT_EXIST": GatewayError.NOT_FOUND,
    "ACQ.TRADE_HAS_SUCCESS": GatewayError.CAPTURE_FAILED,
    "ACQ.TRADE_STATUS_ERROR": GatewayError.CAPTURE_FAILED,
    "ACQ.TRADE_HAS_CLOSE": GatewayError.ALREADY_VOIDED,
    "ACQ.TRADE_HAS_FINISHED": GatewayError.REFUND_TOO_LARGE,
    "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL": GatewayError.REFUND_TOO_LARGE,
    "ACQ.REFUND_FEE_ERROR": GatewayError.REFUND_TOO_LARGE,
    "ACQ.TRADE_NOT_ALLOW_REFUND": GatewayError.REFUND_TOO_LARGE,
    "ACQ.BUYER_BALANCE_NOT_ENOUGH": GatewayError.CARD_DECLINED,
    "ACQ.PAYMENT_FAIL": GatewayError.CARD_DECLINED,
}


def signing_content(params: Mapping[str, str], *, skip=("sign",)) -> str:
    """What RSA2 signs: every non-empty parameter but ``skip``, sorted by name,
    as ``name=value`` (values as they are, not URL-encoded) joined by ``&``."""
    return "&".join(
        f"{name}={params[name]}"
        for name in sorted(params)
        if name not in skip and params[name] not in ("", None)
    )


def response_node(text: str, method: str) -> tuple[str, str]:
    """The raw text of the ``<method>_response`` node (or ``error_response``)
    exactly as sent — Alipay signs those bytes, not a re-serialisation — and the
    ``sign`` beside it."""
    try:
        sign = str(json.loads(text).get("sign") or "")
    except (ValueError, AttributeError):
        raise GatewayError(GatewayError.UNAVAILABLE, "not a JSON answer") from None
    decoder = json.JSONDecoder()
    for name in (method.replace(".", "_") + "_response", "error_response"):
        at = text.find(f'"{name}"')
        if at < 0:
            continue
        try:
            start = text.index(":", at + len(name) + 2) + 1
            while text[start] in " \t\r\n":
                start += 1
            _node, end = decoder.raw_decode(text, start)
        except (IndexError, ValueError):
            break
        return text[start:end], sign
    raise GatewayError(GatewayError.UNAVAILABLE, f"no {method} answer")


def translate(node: Mapping[str, Any]) -> GatewayError:
    code, sub_code = str(node.get("code", "")), str(node.get("sub_code", ""))
    message = f"{sub_code or code}: {node.get('sub_msg') or node.get('msg') or ''}"
    if sub_code in ERRORS:
        return GatewayError(ERRORS[sub_code], message)
    if code == "20000":  # service unavailable
        return GatewayError(GatewayError.UNAVAILABLE, message)
    return GatewayError(GatewayError.NOT_FOUND, message)


class AlipayGateway(NoPayouts):
    name = "alipay"
    currency = "CNY"

    def __init__(
        self,
        *,
        app_id: str | None = None,
        private_key: str | None = None,
        alipay_public_key: str | None = None,
        gateway_url: str | None = None,
        http: Transport | None = None,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        self.app_id = app_id or setting("DOORSTEP_ALIPAY_APP_ID")
        self.private_key = load_private_key(
            private_key or setting("DOORSTEP_ALIPAY_PRIVATE_KEY")
        )
        self.alipay_public_key = load_public_key(
            alipay_public_key or setting("DOORSTEP_ALIPAY_PUBLIC_KEY")
        )
        self.gateway_url = gateway_url or setting("DOORSTEP_ALIPAY_GATEWAY_URL")
        self.http = http or urllib_transport
        self.now = now or (lambda: datetime.now(UTC))

    # --- Requests -----------------------------------------------------------------

    def signed_params(
        self, method: str, biz: Mapping[str, Any], **extra: str
    ) -> dict[str, str]:
        """The request's parameters, ``sign`` included."""
        params = {
            "app_id": self.app_id,
            "method": method,
            "format": "JSON",
            "charset": "utf-8",
            "sign_type": "RSA2",
            "timestamp": self.now().astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S"),
            "version": "1.0",
            "biz_content": json.dumps(biz, ensure_ascii=False, separators=(",", ":")),
            **extra,
        }
        params["sign"] = rsa_sign(self.private_key, signing_content(params).encode())
        return params

    def _call(self, method: str, biz: Mapping[str, Any], **extra: str) -> dict:
        params = self.signed_params(method, biz, **extra)
        status, _headers, body = self.http(
            "POST",
            f"{self.gateway_url}?charset=utf-8",
            {"Content-Type": "application/x-www-form-urlencoded;charset=utf-8"},
            urlencode(params).encode(),
        )
        if status >= 500:
            raise GatewayError(GatewayError.UNAVAILABLE, f"alipay answered {status}")
        raw, sign = response_node(body.decode("utf-8"), method)
        node = json.loads(raw)
        if sign:
            rsa_verify(self.alipay_public_key, raw.encode(), sign)
        elif node.get("code") == SUCCESS:
            raise GatewayError(GatewayError.BAD_SIGNATURE, "unsigned answer")
        if node.get("code") != SUCCESS:
            raise translate(node)
        return node

    # --- Intents and charges ------------------------------------------------------

    def _charge(self, trade: Mapping[str, Any]) -> ChargeResult:
        total = fen(trade["total_amount"])
        return ChargeResult(
            charge_id=trade["out_trade_no"],
            status="captured",
            amount=total,
            currency=self.currency,
            captured_amount=total,
            payment_method="alipay",
            card_brand="alipay",
            metadata={"alipay_trade_no": str(trade.get("trade_no") or "")},
        )

    def _intent(self, trade: Mapping[str, Any]) -> IntentResult:
        state = trade.get("trade_status", "")
        amount = fen(trade["total_amount"]) if trade.get("total_amount") else 0
        status = (
            "succeeded"
            if state in PAID
            else "canceled"
            if state == "TRADE_CLOSED"
            else "requires_action"
        )
        return IntentResult(
            intent_id=trade["out_trade_no"],
            client_secret="",
            status=status,
            amount=amount,
            currency=self.currency,
            charge=self._charge(trade) if state in PAID else None,
        )

    def _query(self, out_trade_no: str) -> dict:
        return self._call("alipay.trade.query", {"out_trade_no": out_trade_no})

    def create_intent(
        self,
        *,
        amount: int,
        currency: str,
        idempotency_key: str,
        metadata: Mapping[str, str],
        return_url: str,
    ) -> IntentResult:
        if currency.upper() != self.currency:
            raise GatewayError(GatewayError.CARD_DECLINED, "Alipay takes CNY only")
        out_trade_no = merchant_number(idempotency_key, limit=64)
        biz = {
            "out_trade_no": out_trade_no,
            "total_amount": yuan(amount),
            "subject": _("Doorstep order %(order)s")
            % {"order": metadata.get("order", "")},
            "timeout_express": f"{setting('DOORSTEP_PAYMENT_WINDOW_MINUTES')}m",
        }
        notify = notify_url(self.name, setting("DOORSTEP_ALIPAY_NOTIFY_URL"))
        if setting("DOORSTEP_ALIPAY_CHECKOUT") == "page":
            params = self.signed_params(
                "alipay.trade.page.pay",
                {**biz, "product_code": "FAST_INSTANT_TRADE_PAY"},
                notify_url=notify,
                return_url=return_url,
            )
            next_action_url = f"{self.gateway_url}?{urlencode(params)}"
        else:
            try:
                answer = self._call("alipay.trade.precreate", biz, notify_url=notify)
            except GatewayError as error:
                if error.code != GatewayError.CAPTURE_FAILED:
                    raise
                return self.retrieve_intent(intent_id=out_trade_no)  # paid already
            next_action_url = answer["qr_code"]
        return IntentResult(
            intent_id=out_trade_no,
            client_secret="",
            status="requires_action",
            amount=amount,
            currency=self.currency,
            next_action_url=next_action_url,
            metadata=dict(metadata),
        )

    def retrieve_intent(self, *, intent_id: str) -> IntentResult:
        """A trade the customer has not opened yet does not exist at Alipay: it
        is an intent still waiting for them (its amount not known there yet)."""
        try:
            return self._intent(self._query(intent_id))
        except GatewayError as error:
            if error.code != GatewayError.NOT_FOUND:
                raise
            return IntentResult(
                intent_id=intent_id,
                client_secret="",
                status="requires_action",
                amount=0,
                currency=self.currency,
            )

    def authorise(
        self,
        *,
        amount: int,
        currency: str,
        payment_method: str,
        idempotency_key: str,
        metadata: Mapping[str, str],
    ) -> ChargeResult:
        """Alipay keeps no payment method for us to charge off session."""
        raise GatewayError(
            GatewayError.CARD_DECLINED, "Alipay payments are made by the customer"
        )

    def capture(
        self, *, charge_id: str, amount: int | None, idempotency_key: str
    ) -> ChargeResult:
        trade = self._query(charge_id)
        state = trade.get("trade_status")
        if state in PAID:
            return self._charge(trade)
        if state == "TRADE_CLOSED":
            raise GatewayError(GatewayError.ALREADY_VOIDED, "the trade is closed")
        raise GatewayError(GatewayError.CAPTURE_FAILED, "the trade is not paid")

    def void(self, *, charge_id: str, idempotency_key: str) -> ChargeResult:
        voided = ChargeResult(
            charge_id=charge_id,
            status="voided",
            amount=0,
            currency=self.currency,
            payment_method="alipay",
        )
        try:
            self._call("alipay.trade.close", {"out_trade_no": charge_id})
        except GatewayError as error:
            if error.code == GatewayError.ALREADY_VOIDED:
                return voided
            if error.code == GatewayError.NOT_FOUND:
                # Never opened by the customer: the QR code expires with the
                # payment window.
                return voided
            if error.code != GatewayError.CAPTURE_FAILED:
                raise
            return self.capture(
                charge_id=charge_id, amount=None, idempotency_key=idempotency_key
            )
        return voided

    def refund(
        self,
        *,
        charge_id: str,
        amount: int,
        idempotency_key: str,
        metadata: Mapping[str, str],
    ) -> RefundResult:
        out_request_no = refund_number(idempotency_key)
        self._call(
            "alipay.trade.refund",
            {
                "out_trade_no": charge_id,
                "refund_amount": yuan(amount),
                "out_request_no": out_request_no,
            },
        )
        # ``refund_fee`` in the answer is the total refunded on the trade; this
        # refund is the amount asked (a repeat answers fund_change=N).
        return RefundResult(
            refund_id=out_request_no,
            charge_id=charge_id,
            amount=amount,
            status="succeeded",
        )

    def list_charges(self) -> list[ChargeResult]:
        return charges_of_our_payments(
            self.name, lambda number: self.retrieve_intent(intent_id=number)
        )

    # --- Notifications ------------------------------------------------------------

    def verify_and_parse_webhook(
        self, *, body: bytes, headers: Mapping[str, str]
    ) -> WebhookEvent:
        try:
            fields = dict(
                parse_qsl(
                    body.decode("utf-8"), keep_blank_values=True, strict_parsing=True
                )
            )
        except (UnicodeDecodeError, ValueError):
            raise GatewayError(
                GatewayError.BAD_SIGNATURE, "not a notification"
            ) from None
        if fields.get("sign_type") != "RSA2" or not fields.get("sign"):
            raise GatewayError(GatewayError.BAD_SIGNATURE, "unsigned notification")
        rsa_verify(
            self.alipay_public_key,
            signing_content(fields, skip=("sign", "sign_type")).encode(),
            fields["sign"],
        )
        if fields.get("app_id") != self.app_id:
            raise GatewayError(GatewayError.BAD_SIGNATURE, "another app's notification")
        try:
            return self._event(fields)
        except (KeyError, ValueError) as error:
            raise GatewayError(
                GatewayError.BAD_SIGNATURE, f"malformed: {error}"
            ) from None

    def _event(self, fields: Mapping[str, str]) -> WebhookEvent:
        out_trade_no = fields["out_trade_no"]
        created = int(
            datetime.strptime(fields["notify_time"], "%Y-%m-%d %H:%M:%S")
            .replace(tzinfo=BEIJING)
            .timestamp()
        )
        if fields.get("out_biz_no") and fields.get("refund_fee"):
            return WebhookEvent(
                id=fields["notify_id"],
                type="charge.refunded",
                data={
                    "id": out_trade_no,
                    "captured_amount": fen(fields["total_amount"]),
                    "refunds": self._refunds(out_trade_no, fields["out_biz_no"]),
                    "metadata": {},
                },
                created=created,
            )
        intent = self._intent(fields)
        event_type = {
            "succeeded": "payment_intent.succeeded",
            "canceled": "payment_intent.canceled",
        }.get(intent.status, "payment_intent.processing")
        return WebhookEvent(
            id=fields["notify_id"],
            type=event_type,
            data={"id": out_trade_no, "metadata": {}, "intent": intent},
            created=created,
        )

    def _refunds(self, out_trade_no: str, out_request_no: str) -> list[dict]:
        """The refund a notification announces, as Alipay's refund query tells
        it (the notification itself carries only the trade's refunded total)."""
        answer = self._call(
            "alipay.trade.fastpay.refund.query",
            {"out_trade_no": out_trade_no, "out_request_no": out_request_no},
        )
        if answer.get("refund_status") != "REFUND_SUCCESS":
            return []  # not (yet) made: nothing to record
        return [
            {
                "amount": fen(answer["refund_amount"]),
                "idempotency_key": refund_key_of(out_request_no),
            }
        ]
