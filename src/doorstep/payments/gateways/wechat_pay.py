"""WeChat Pay (API v3) behind our gateway interface.

Every request carries a ``WECHATPAY2-SHA256-RSA2048`` Authorization header:
the merchant id, a nonce, a timestamp, the merchant certificate's serial number
and a SHA256withRSA signature, with the merchant's private key, of
``METHOD\\nURL\\nTIMESTAMP\\nNONCE\\nBODY\\n``. Every answer and every
notification is believed only once its ``Wechatpay-Signature`` (over
``TIMESTAMP\\nNONCE\\nBODY\\n``) checks against the platform's public key, its
``Wechatpay-Serial`` is the platform key we know, and its ``Wechatpay-Timestamp``
is recent (``DOORSTEP_WEBHOOK_TOLERANCE_SECONDS``: a replay is refused). A
notification's ``resource`` is then decrypted with the APIv3 key
(AEAD_AES_256_GCM; a bad tag is a forgery too).

How the interface maps:

* create_intent: Native pay (``/v3/pay/transactions/native``): its ``code_url``
  is the QR code the customer scans with WeChat, the intent's
  ``next_action_url``; the intent id is our merchant order number
  (``out_trade_no``, made from the idempotency key) and the order expires with
  the payment window.
* retrieve_intent / capture: the query by ``out_trade_no``. As with Alipay there
  is **no separate authorise and capture** for ordinary payments: the money is
  taken when the customer pays (``SUCCESS``), the payment notification posts
  the capture at once, and the money then waits in the order's **escrow in our
  ledger** until release or refund. ``capture`` confirms the payment and
  reports the whole amount (the flow refunds what it does not keep).
* void: close the order while unpaid; once paid, void answers the charge as
  captured and the flow refunds it.
* refund: ``/v3/refund/domestic/refunds`` with ``out_refund_no`` = our
  idempotency key (``:`` written ``|``), so a repeat refunds once; the order's
  total, which WeChat wants beside the refund, is read by a query first.
* list_charges: the query of each of our WeChat Pay payments (no listing of
  orders in API v3), for ``doorstep reconcile --gateway wechat_pay``.
* payouts, connected accounts: not here (see ``wallet``).

Amounts are integer fen on both sides. CNY only.
"""

import base64
import json
import secrets
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
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
    load_private_key,
    load_public_key,
    merchant_number,
    notify_url,
    refund_key_of,
    refund_number,
    rsa_sign,
    rsa_verify,
    urllib_transport,
)

BEIJING = ZoneInfo("Asia/Shanghai")
PAID = frozenset({"SUCCESS", "REFUND"})
CLOSED = frozenset({"CLOSED", "REVOKED"})

# WeChat Pay's error codes in our words.
ERRORS = {
    "SYSTEM_ERROR": GatewayError.RETRY_LATER,
    "FREQUENCY_LIMITED": GatewayError.RETRY_LATER,
    "BANKERROR": GatewayError.RETRY_LATER,
    "NOT_ENOUGH": GatewayError.RETRY_LATER,  # our merchant balance, for refunds
    "ORDER_CLOSED": GatewayError.ALREADY_VOIDED,
    "ORDERPAID": GatewayError.CAPTURE_FAILED,
    "ORDER_NOT_EXIST": GatewayError.NOT_FOUND,
    "RESOURCE_NOT_EXISTS": GatewayError.NOT_FOUND,
    "USER_ACCOUNT_ABNORMAL": GatewayError.REFUND_TOO_LARGE,
}


def translate(status: int, body: Mapping[str, Any]) -> GatewayError:
    code = str(body.get("code") or "")
    message = f"{code or status}: {body.get('message') or ''}"
    if code in ERRORS:
        return GatewayError(ERRORS[code], message)
    if status >= 500:
        return GatewayError(GatewayError.UNAVAILABLE, message)
    return GatewayError(GatewayError.NOT_FOUND, message)


def signed_message(*parts: str) -> bytes:
    """Lines, each ended by ``\\n``: what WeChat Pay signs."""
    return "".join(f"{part}\n" for part in parts).encode()


class WeChatPayGateway(NoPayouts):
    name = "wechat_pay"
    currency = "CNY"

    def __init__(
        self,
        *,
        mch_id: str | None = None,
        app_id: str | None = None,
        private_key: str | None = None,
        serial_no: str | None = None,
        api_v3_key: str | None = None,
        platform_public_key: str | None = None,
        platform_serial: str | None = None,
        base_url: str | None = None,
        http: Transport | None = None,
        clock: Callable[[], int] | None = None,
        nonce: Callable[[], str] | None = None,
    ) -> None:
        self.mch_id = mch_id or setting("DOORSTEP_WECHAT_PAY_MCH_ID")
        self.app_id = app_id or setting("DOORSTEP_WECHAT_PAY_APP_ID")
        self.private_key = load_private_key(
            private_key or setting("DOORSTEP_WECHAT_PAY_PRIVATE_KEY")
        )
        self.serial_no = serial_no or setting("DOORSTEP_WECHAT_PAY_SERIAL_NO")
        self.api_v3_key = (
            api_v3_key or setting("DOORSTEP_WECHAT_PAY_API_V3_KEY")
        ).encode()
        self.platform_key = load_public_key(
            platform_public_key or setting("DOORSTEP_WECHAT_PAY_PLATFORM_PUBLIC_KEY")
        )
        self.platform_serial = platform_serial or setting(
            "DOORSTEP_WECHAT_PAY_PLATFORM_SERIAL"
        )
        self.base_url = (base_url or setting("DOORSTEP_WECHAT_PAY_BASE_URL")).rstrip(
            "/"
        )
        self.http = http or urllib_transport
        self.clock = clock or (lambda: int(time.time()))
        self.nonce = nonce or (lambda: secrets.token_hex(16).upper())

    # --- Requests -----------------------------------------------------------------

    def authorization(
        self, method: str, url: str, body: str, *, timestamp: str, nonce: str
    ) -> str:
        """The Authorization header of a request to ``url`` (path and query)."""
        signature = rsa_sign(
            self.private_key, signed_message(method, url, timestamp, nonce, body)
        )
        return (
            f'WECHATPAY2-SHA256-RSA2048 mchid="{self.mch_id}",nonce_str="{nonce}",'
            f'signature="{signature}",timestamp="{timestamp}",'
            f'serial_no="{self.serial_no}"'
        )

    def _call(self, method: str, url: str, payload: Mapping | None = None) -> dict:
        body = (
            json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
            if payload is not None
            else ""
        )
        headers = {
            "Authorization": self.authorization(
                method, url, body, timestamp=str(self.clock()), nonce=self.nonce()
            ),
            "Accept": "application/json",
            "User-Agent": "doorstep-wechatpay/1",
        }
        if payload is not None:
            headers["Content-Type"] = "application/json"
        status, answer_headers, answer = self.http(
            method, self.base_url + url, headers, body.encode()
        )
        lowered = {key.lower(): value for key, value in answer_headers.items()}
        if "wechatpay-signature" in lowered:
            self.verify(answer, lowered)
        elif status < 400:
            raise GatewayError(GatewayError.BAD_SIGNATURE, "unsigned answer")
        try:
            data = json.loads(answer) if answer.strip() else {}
        except ValueError:
            data = {}
        if status >= 400:
            raise translate(status, data)
        return data

    def verify(self, body: bytes, headers: Mapping[str, str]) -> None:
        """Raise ``bad_signature`` unless the platform key signed ``body`` with
        these (lower-cased) headers, recently."""
        try:
            timestamp = headers["wechatpay-timestamp"]
            nonce = headers["wechatpay-nonce"]
            signature = headers["wechatpay-signature"]
            serial = headers["wechatpay-serial"]
            age = abs(self.clock() - int(timestamp))
        except (KeyError, ValueError):
            raise GatewayError(GatewayError.BAD_SIGNATURE, "unsigned") from None
        if serial != self.platform_serial:
            raise GatewayError(GatewayError.BAD_SIGNATURE, f"unknown key {serial}")
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise GatewayError(GatewayError.BAD_SIGNATURE, "not UTF-8") from None
        rsa_verify(self.platform_key, signed_message(timestamp, nonce, text), signature)
        if age > setting("DOORSTEP_WEBHOOK_TOLERANCE_SECONDS"):
            raise GatewayError(
                GatewayError.BAD_SIGNATURE, "timestamp outside tolerance"
            )

    # --- Intents and charges ------------------------------------------------------

    def _charge(self, transaction: Mapping[str, Any]) -> ChargeResult:
        total = int(transaction["amount"]["total"])
        return ChargeResult(
            charge_id=transaction["out_trade_no"],
            status="captured",
            amount=total,
            currency=self.currency,
            captured_amount=total,
            payment_method="wechat_pay",
            card_brand="wechat_pay",
            metadata={
                "wechat_pay_transaction_id": str(
                    transaction.get("transaction_id") or ""
                )
            },
        )

    def _intent(self, transaction: Mapping[str, Any]) -> IntentResult:
        state = transaction.get("trade_state", "")
        if state in PAID:
            status = "succeeded"
        elif state in CLOSED:
            status = "canceled"
        elif state == "PAYERROR":
            status = "requires_payment_method"
        else:  # NOTPAY, USERPAYING
            status = "requires_action"
        return IntentResult(
            intent_id=transaction["out_trade_no"],
            client_secret="",
            status=status,
            amount=int((transaction.get("amount") or {}).get("total") or 0),
            currency=self.currency,
            failure_code="payment_failed" if state == "PAYERROR" else "",
            charge=self._charge(transaction) if state in PAID else None,
        )

    def _query(self, out_trade_no: str) -> dict:
        return self._call(
            "GET",
            f"/v3/pay/transactions/out-trade-no/{quote(out_trade_no)}"
            f"?mchid={quote(self.mch_id)}",
        )

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
            raise GatewayError(GatewayError.CARD_DECLINED, "WeChat Pay takes CNY only")
        out_trade_no = merchant_number(idempotency_key, limit=32)
        expires = datetime.fromtimestamp(self.clock(), UTC) + timedelta(
            minutes=setting("DOORSTEP_PAYMENT_WINDOW_MINUTES")
        )
        try:
            answer = self._call(
                "POST",
                "/v3/pay/transactions/native",
                {
                    "appid": self.app_id,
                    "mchid": self.mch_id,
                    "description": _("Doorstep order %(order)s")
                    % {"order": metadata.get("order", "")},
                    "out_trade_no": out_trade_no,
                    "time_expire": expires.astimezone(BEIJING).isoformat(),
                    "notify_url": notify_url(
                        self.name, setting("DOORSTEP_WECHAT_PAY_NOTIFY_URL")
                    ),
                    "amount": {"total": amount, "currency": self.currency},
                },
            )
        except GatewayError as error:
            if error.code != GatewayError.CAPTURE_FAILED:
                raise
            return self.retrieve_intent(intent_id=out_trade_no)  # paid already
        return IntentResult(
            intent_id=out_trade_no,
            client_secret="",
            status="requires_action",
            amount=amount,
            currency=self.currency,
            next_action_url=answer["code_url"],
            metadata=dict(metadata),
        )

    def retrieve_intent(self, *, intent_id: str) -> IntentResult:
        return self._intent(self._query(intent_id))

    def authorise(
        self,
        *,
        amount: int,
        currency: str,
        payment_method: str,
        idempotency_key: str,
        metadata: Mapping[str, str],
    ) -> ChargeResult:
        """WeChat Pay keeps no payment method for us to charge off session."""
        raise GatewayError(
            GatewayError.CARD_DECLINED, "WeChat Pay payments are made by the customer"
        )

    def capture(
        self, *, charge_id: str, amount: int | None, idempotency_key: str
    ) -> ChargeResult:
        transaction = self._query(charge_id)
        state = transaction.get("trade_state")
        if state in PAID:
            return self._charge(transaction)
        if state in CLOSED:
            raise GatewayError(GatewayError.ALREADY_VOIDED, "the order is closed")
        raise GatewayError(GatewayError.CAPTURE_FAILED, "the order is not paid")

    def void(self, *, charge_id: str, idempotency_key: str) -> ChargeResult:
        voided = ChargeResult(
            charge_id=charge_id,
            status="voided",
            amount=0,
            currency=self.currency,
            payment_method="wechat_pay",
        )
        try:
            self._call(
                "POST",
                f"/v3/pay/transactions/out-trade-no/{quote(charge_id)}/close",
                {"mchid": self.mch_id},
            )
        except GatewayError as error:
            if error.code == GatewayError.ALREADY_VOIDED:
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
        out_refund_no = refund_number(idempotency_key)
        total = int(self._query(charge_id)["amount"]["total"])
        answer = self._call(
            "POST",
            "/v3/refund/domestic/refunds",
            {
                "out_trade_no": charge_id,
                "out_refund_no": out_refund_no,
                "notify_url": notify_url(
                    self.name, setting("DOORSTEP_WECHAT_PAY_NOTIFY_URL")
                ),
                "amount": {"refund": amount, "total": total, "currency": self.currency},
            },
        )
        status = answer.get("status")
        if status in {"CLOSED", "ABNORMAL"}:
            raise GatewayError(GatewayError.REFUND_TOO_LARGE, f"refund {status}")
        return RefundResult(
            refund_id=str(answer.get("refund_id") or out_refund_no),
            charge_id=charge_id,
            amount=int(answer["amount"]["refund"]),
            status="succeeded" if status == "SUCCESS" else "pending",
        )

    def list_charges(self) -> list[ChargeResult]:
        return charges_of_our_payments(
            self.name, lambda number: self.retrieve_intent(intent_id=number)
        )

    # --- Notifications ------------------------------------------------------------

    def decrypt(self, resource: Mapping[str, str]) -> dict:
        """A notification's ``resource`` in clear (AEAD_AES_256_GCM, APIv3 key)."""
        if resource.get("algorithm") != "AEAD_AES_256_GCM":
            raise GatewayError(GatewayError.BAD_SIGNATURE, "unknown algorithm")
        try:
            clear = AESGCM(self.api_v3_key).decrypt(
                resource["nonce"].encode(),
                base64.b64decode(resource["ciphertext"], validate=True),
                (resource.get("associated_data") or "").encode(),
            )
            return json.loads(clear)
        except (InvalidTag, KeyError, ValueError) as error:
            raise GatewayError(
                GatewayError.BAD_SIGNATURE, "resource does not decrypt"
            ) from error

    def verify_and_parse_webhook(
        self, *, body: bytes, headers: Mapping[str, str]
    ) -> WebhookEvent:
        self.verify(body, {key.lower(): value for key, value in headers.items()})
        try:
            envelope = json.loads(body)
            resource = self.decrypt(envelope["resource"])
            return self._event(envelope, resource)
        except (KeyError, TypeError, ValueError) as error:
            raise GatewayError(
                GatewayError.BAD_SIGNATURE, f"malformed: {error}"
            ) from None

    def _event(self, envelope: Mapping[str, Any], resource: Mapping) -> WebhookEvent:
        if resource.get("mchid") != self.mch_id:
            raise GatewayError(GatewayError.BAD_SIGNATURE, "another merchant's event")
        created = int(datetime.fromisoformat(envelope["create_time"]).timestamp())
        event_type = envelope["event_type"]
        data: dict[str, Any]
        if event_type.startswith("TRANSACTION."):
            if resource.get("appid") != self.app_id:
                raise GatewayError(GatewayError.BAD_SIGNATURE, "another app's event")
            intent = self._intent(resource)
            ours = {
                "succeeded": "payment_intent.succeeded",
                "canceled": "payment_intent.canceled",
                "requires_payment_method": "payment_intent.payment_failed",
            }.get(intent.status, "payment_intent.processing")
            data = {"id": intent.intent_id, "metadata": {}, "intent": intent}
        elif event_type == "REFUND.SUCCESS":
            ours = "charge.refunded"
            data = {
                "id": resource["out_trade_no"],
                "captured_amount": int(resource["amount"]["total"]),
                "refunds": [
                    {
                        "amount": int(resource["amount"]["refund"]),
                        "idempotency_key": refund_key_of(resource["out_refund_no"]),
                    }
                ],
                "metadata": {},
            }
        else:  # REFUND.ABNORMAL, REFUND.CLOSED: acknowledged, for ops to see
            ours = "wechat_pay." + event_type.lower()
            data = {"id": resource.get("out_trade_no", ""), "metadata": {}}
        return WebhookEvent(id=envelope["id"], type=ours, data=data, created=created)
