"""Stripe Connect behind our gateway interface, with the official ``stripe`` package.

* create_intent / retrieve_intent: a PaymentIntent with ``capture_method=manual``
  that the customer's browser confirms with Stripe.js and its ``client_secret``
  (card data goes to Stripe, never to us);
* authorise / capture / void: the same intent, confirmed at once with a
  ``pm_…`` payment method (tips, extra charges); a card saved for later use
  (attached to the customer's Stripe Customer) is charged **off session**
  (``off_session=true, confirm=true``, on its Customer): a bank that asks for
  the cardholder (``authentication_required``) or declines is our
  ``card_declined``, which pay-after-service's fallback and plan dunning handle;
* saved cards: an intent opened with ``metadata["save_card"] == "off_session"``
  and ``metadata["customer"]`` (our user's id) is made on that user's Stripe
  Customer (found by its ``doorstep_user`` metadata, else created) with
  ``setup_future_usage="off_session"``, so Stripe keeps the card on the
  Customer for charges without the customer present. The gateway interface is
  unchanged: the wish to save travels in the metadata, which the other
  gateways ignore;
* refund: a Refund on the PaymentIntent, our idempotency key also in its metadata
  (so webhooks and reconciliation can match it to our ledger entry);
* payout: a Transfer to the provider's connected account, then a Payout from
  that account to the provider's bank (``payout.paid`` / ``payout.failed`` follow);
* webhooks: ``stripe.Webhook.construct_event`` (signature and timestamp), then
  the event is put in our gateway-neutral shape;
* connected accounts: an Express account per provider (``transfers``
  capability), onboarded through an Account Link; ``account.updated`` reports
  what Stripe still needs and whether payouts are enabled.

``stripe`` is imported when the adapter is built, so deployments on the sandbox
never need it. Tests pass ``http_client`` (a fake serving recorded responses).
"""

from collections.abc import Mapping
from typing import Any

from doorstep.payments.conf import setting
from doorstep.payments.gateways.base import (
    ChargeResult,
    ConnectedAccount,
    GatewayError,
    IntentResult,
    PayoutResult,
    RefundResult,
    WebhookEvent,
)

INTENT_STATUS = {
    "requires_capture": "authorised",
    "succeeded": "captured",
    "canceled": "voided",
}
DECLINE_CODES = {
    "card_declined",
    "expired_card",
    "incorrect_cvc",
    "insufficient_funds",
    "authentication_required",
}
# What an intent's metadata says to keep the card for charges made later
# without the customer (see ``create_intent``).
SAVE_OFF_SESSION = "off_session"


def _translate(error: Exception) -> GatewayError:
    import stripe

    if isinstance(error, stripe.CardError):
        return GatewayError(GatewayError.CARD_DECLINED, str(error.user_message or ""))
    if isinstance(error, stripe.RateLimitError | stripe.APIConnectionError):
        return GatewayError(GatewayError.RETRY_LATER, str(error))
    if isinstance(error, stripe.InvalidRequestError):
        code = getattr(error, "code", "") or ""
        if code in DECLINE_CODES:
            return GatewayError(GatewayError.CARD_DECLINED, str(error))
        if code == "payment_intent_unexpected_state":
            return GatewayError(GatewayError.CAPTURE_FAILED, str(error))
        return GatewayError(GatewayError.NOT_FOUND, str(error))
    if isinstance(error, stripe.StripeError):
        status = getattr(error, "http_status", None) or 500
        code = GatewayError.UNAVAILABLE if status >= 500 else GatewayError.NOT_FOUND
        return GatewayError(code, str(error))
    raise error


def _connected_account(account: Any) -> ConnectedAccount:
    account = _plain(account)
    requirements = account.get("requirements") or {}
    due = [
        *(requirements.get("past_due") or []),
        *(requirements.get("currently_due") or []),
    ]
    return ConnectedAccount(
        account_id=account["id"],
        details_submitted=bool(account.get("details_submitted")),
        charges_enabled=bool(account.get("charges_enabled")),
        payouts_enabled=bool(account.get("payouts_enabled")),
        requirements_due=tuple(dict.fromkeys(due)),
        disabled_reason=str(requirements.get("disabled_reason") or ""),
    )


def _plain(obj: Any) -> dict:
    """A Stripe object as plain dicts (``StripeObject`` is not a dict)."""
    return obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)


class StripeConnectGateway:
    name = "stripe_connect"

    def __init__(self, *, api_key: str | None = None, http_client: Any = None) -> None:
        import stripe

        self._stripe = stripe
        self.client = stripe.StripeClient(
            api_key or setting("STRIPE_SECRET_KEY"),
            http_client=http_client,
            max_network_retries=2,
        )

    def _call(self, function, *args, **kwargs):
        try:
            return function(*args, **kwargs)
        except self._stripe.StripeError as error:
            raise _translate(error) from error

    # --- Charges ----------------------------------------------------------------

    def _charge(self, intent, refunds=()) -> ChargeResult:
        intent = _plain(intent)
        card = {}
        charge = intent.get("latest_charge")
        if isinstance(charge, dict):
            details = charge.get("payment_method_details") or {}
            card = details.get("card") or {}
        return ChargeResult(
            charge_id=intent["id"],
            status=INTENT_STATUS.get(intent["status"], intent["status"]),
            amount=intent["amount"],
            currency=intent["currency"].upper(),
            captured_amount=intent.get("amount_received") or 0,
            refunded_amount=sum(amount for _key, amount in refunds),
            payment_method=str(intent.get("payment_method") or ""),
            card_brand=card.get("brand", ""),
            card_last4=card.get("last4", ""),
            refunds=tuple(refunds),
            metadata=dict(intent.get("metadata") or {}),
        )

    def _intent(self, intent) -> IntentResult:
        plain = _plain(intent)
        error = plain.get("last_payment_error") or {}
        next_action = plain.get("next_action") or {}
        redirect = (next_action.get("redirect_to_url") or {}).get("url") or ""
        status = plain["status"]
        return IntentResult(
            intent_id=plain["id"],
            client_secret=plain.get("client_secret") or "",
            status=status,
            amount=plain["amount"],
            currency=plain["currency"].upper(),
            next_action_url=redirect,
            failure_code=str(error.get("decline_code") or error.get("code") or ""),
            charge=self._charge(plain) if status in IntentResult.AUTHORISED else None,
            metadata=dict(plain.get("metadata") or {}),
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
        # The return URL goes with the browser's confirmPayment call; the
        # server only opens the intent.
        params: dict[str, Any] = {
            "amount": amount,
            "currency": currency.lower(),
            "capture_method": "manual",
            "automatic_payment_methods": {"enabled": True},
            "metadata": dict(metadata),
        }
        user = metadata.get("customer") or ""
        if metadata.get("save_card") == SAVE_OFF_SESSION and user:
            params["customer"] = self.customer_for(user)
            params["setup_future_usage"] = SAVE_OFF_SESSION
        intent = self._call(
            self.client.v1.payment_intents.create,
            params=params,
            options={"idempotency_key": idempotency_key},
        )
        return self._intent(intent)

    def customer_for(self, user: str) -> str:
        """The id of our user ``user``'s Stripe Customer: the one whose
        ``doorstep_user`` metadata names them, else a new one (created with an
        idempotency key of the user, so a retry makes no twin)."""
        found = self._call(
            self.client.v1.customers.search,
            params={"query": f"metadata['doorstep_user']:'{user}'", "limit": 1},
        )
        if found.data:
            return found.data[0].id
        created = self._call(
            self.client.v1.customers.create,
            params={"metadata": {"doorstep_user": user}},
            options={"idempotency_key": f"customer:{user}"},
        )
        return created.id

    def _saved_customer(self, payment_method: str) -> str:
        """The Stripe Customer a ``pm_…`` card is kept on ("" when it is not
        kept: a card confirmed once in the browser)."""
        if not payment_method.startswith("pm_"):
            return ""
        method = self._call(self.client.v1.payment_methods.retrieve, payment_method)
        customer = _plain(method).get("customer") or ""
        return customer if isinstance(customer, str) else customer.get("id", "")

    def retrieve_intent(self, *, intent_id: str) -> IntentResult:
        intent = self._call(
            self.client.v1.payment_intents.retrieve,
            intent_id,
            params={"expand": ["latest_charge"]},
        )
        return self._intent(intent)

    def authorise(
        self,
        *,
        amount: int,
        currency: str,
        payment_method: str,
        idempotency_key: str,
        metadata: Mapping[str, str],
    ) -> ChargeResult:
        params: dict[str, Any] = {
            "amount": amount,
            "currency": currency.lower(),
            "payment_method": payment_method,
            "capture_method": "manual",
            "confirm": True,
            "automatic_payment_methods": {
                "enabled": True,
                "allow_redirects": "never",
            },
            "metadata": dict(metadata),
            "expand": ["latest_charge"],
        }
        customer = self._saved_customer(payment_method)
        if customer:
            # A saved card, charged with nobody at the keyboard: the bank may
            # not ask for the cardholder (a request to is a decline for us).
            params["customer"] = customer
            params["off_session"] = True
        intent = self._call(
            self.client.v1.payment_intents.create,
            params=params,
            options={"idempotency_key": idempotency_key},
        )
        if intent.status != "requires_capture":
            raise GatewayError(GatewayError.CARD_DECLINED, intent.status)
        return self._charge(intent)

    def capture(
        self, *, charge_id: str, amount: int | None, idempotency_key: str
    ) -> ChargeResult:
        params: dict[str, Any] = {"expand": ["latest_charge"]}
        if amount is not None:
            params["amount_to_capture"] = amount
        intent = self._call(
            self.client.v1.payment_intents.capture,
            charge_id,
            params=params,
            options={"idempotency_key": idempotency_key},
        )
        return self._charge(intent)

    def void(self, *, charge_id: str, idempotency_key: str) -> ChargeResult:
        intent = self._call(
            self.client.v1.payment_intents.cancel,
            charge_id,
            options={"idempotency_key": idempotency_key},
        )
        return self._charge(intent)

    def refund(
        self,
        *,
        charge_id: str,
        amount: int,
        idempotency_key: str,
        metadata: Mapping[str, str],
    ) -> RefundResult:
        refund = self._call(
            self.client.v1.refunds.create,
            params={
                "payment_intent": charge_id,
                "amount": amount,
                "metadata": {**metadata, "idempotency_key": idempotency_key},
            },
            options={"idempotency_key": idempotency_key},
        )
        if refund.status == "failed":
            raise GatewayError(GatewayError.REFUND_TOO_LARGE, "refund failed")
        return RefundResult(
            refund_id=refund.id,
            charge_id=charge_id,
            amount=refund.amount,
            status=refund.status,
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
        self._call(
            self.client.v1.transfers.create,
            params={
                "amount": amount,
                "currency": currency.lower(),
                "destination": destination,
                "metadata": dict(metadata),
            },
            options={"idempotency_key": f"{idempotency_key}:transfer"},
        )
        payout = self._call(
            self.client.v1.payouts.create,
            params={
                "amount": amount,
                "currency": currency.lower(),
                "metadata": dict(metadata),
            },
            options={
                "idempotency_key": f"{idempotency_key}:payout",
                "stripe_account": destination,
            },
        )
        return PayoutResult(
            payout_id=payout.id,
            amount=payout.amount,
            currency=payout.currency.upper(),
            status="failed"
            if payout.status in {"failed", "canceled"}
            else "in_transit",
        )

    # --- Webhooks -----------------------------------------------------------------

    def verify_and_parse_webhook(
        self, *, body: bytes, headers: Mapping[str, str]
    ) -> WebhookEvent:
        lowered = {key.lower(): value for key, value in headers.items()}
        event = _plain(self._construct_event(body, lowered.get("stripe-signature", "")))
        obj = event["data"]["object"]
        data: dict[str, Any]
        if event["type"].startswith("payment_intent."):
            data = {
                "id": obj["id"],
                "metadata": dict(obj.get("metadata") or {}),
                "intent": self._intent(obj),
            }
        elif event["type"].startswith("charge."):
            refunds = (obj.get("refunds") or {}).get("data") or []
            data = {
                "id": obj.get("payment_intent") or obj["id"],
                "captured_amount": obj.get("amount_captured") or 0,
                "refunds": [
                    {
                        "amount": refund["amount"],
                        "idempotency_key": refund["metadata"]["idempotency_key"],
                    }
                    for refund in refunds
                    if (refund.get("metadata") or {}).get("idempotency_key")
                    and refund.get("status") != "failed"
                ],
                "metadata": dict(obj.get("metadata") or {}),
            }
        elif event["type"] == "account.updated":
            account = _connected_account(obj)
            data = {
                "id": account.account_id,
                "details_submitted": account.details_submitted,
                "charges_enabled": account.charges_enabled,
                "payouts_enabled": account.payouts_enabled,
                "requirements_due": list(account.requirements_due),
                "disabled_reason": account.disabled_reason,
                "metadata": dict(obj.get("metadata") or {}),
            }
        else:
            data = {
                "id": obj["id"],
                "failure_code": obj.get("failure_code") or "",
                "metadata": dict(obj.get("metadata") or {}),
            }
        return WebhookEvent(
            id=event["id"], type=event["type"], data=data, created=event["created"]
        )

    def _construct_event(self, body: bytes, signature: str) -> Any:
        """The verified event, signed by the platform's endpoint secret or by the
        Connect endpoint's (events of connected accounts: ``account.updated``,
        their payouts), which Stripe signs with a secret of its own."""
        secrets = [
            secret
            for secret in (
                setting("STRIPE_WEBHOOK_SECRET"),
                setting("STRIPE_CONNECT_WEBHOOK_SECRET"),
            )
            if secret
        ]
        error: Exception = ValueError("no webhook secret")
        for secret in secrets:
            try:
                return self._stripe.Webhook.construct_event(
                    body,
                    signature,
                    secret,
                    tolerance=setting("DOORSTEP_WEBHOOK_TOLERANCE_SECONDS"),
                )
            except (ValueError, self._stripe.SignatureVerificationError) as refused:
                error = refused
        raise GatewayError(GatewayError.BAD_SIGNATURE, str(error)) from error

    # --- Connected accounts -----------------------------------------------------

    def create_connected_account(
        self, *, email: str, idempotency_key: str, metadata: Mapping[str, str]
    ) -> ConnectedAccount:
        params: dict[str, Any] = {
            "type": "express",
            "email": email,
            "capabilities": {"transfers": {"requested": True}},
            "metadata": dict(metadata),
        }
        if setting("STRIPE_CONNECT_COUNTRY"):
            params["country"] = setting("STRIPE_CONNECT_COUNTRY")
        account = self._call(
            self.client.v1.accounts.create,
            params=params,
            options={"idempotency_key": idempotency_key},
        )
        return _connected_account(account)

    def create_account_link(
        self, *, account_id: str, return_url: str, refresh_url: str
    ) -> str:
        link = self._call(
            self.client.v1.account_links.create,
            params={
                "account": account_id,
                "type": "account_onboarding",
                "return_url": return_url,
                "refresh_url": refresh_url,
            },
        )
        return link.url

    def retrieve_account(self, *, account_id: str) -> ConnectedAccount:
        return _connected_account(
            self._call(self.client.v1.accounts.retrieve, account_id)
        )

    # --- Saved payment methods --------------------------------------------------

    def detach_payment_method(self, *, payment_method: str) -> None:
        try:
            self._call(self.client.v1.payment_methods.detach, payment_method)
        except GatewayError as error:
            # Already detached (or never attached): Stripe answers 400 with
            # ``resource_missing`` or ``payment_method_unexpected_state``.
            if error.code != GatewayError.NOT_FOUND:
                raise

    # --- Reconciliation ---------------------------------------------------------

    def list_charges(self) -> list[ChargeResult]:
        intents = self._call(self.client.v1.payment_intents.list, params={"limit": 100})
        charges = []
        for intent in intents.auto_paging_iter():
            refunds = self._call(
                self.client.v1.refunds.list,
                params={"payment_intent": intent.id, "limit": 100},
            )
            keyed = [
                (
                    refund["metadata"].get("idempotency_key", refund["id"]),
                    refund["amount"],
                )
                for refund in map(_plain, refunds.auto_paging_iter())
                if refund["status"] != "failed"
            ]
            charges.append(self._charge(intent, keyed))
        return charges

    def list_payouts(self) -> list[PayoutResult]:
        # Payouts live on the connected accounts; ours carry our metadata.
        return []
