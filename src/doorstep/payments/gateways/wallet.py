"""What the wallet adapters (Alipay, WeChat Pay) share: RSA keys and
SHA256withRSA signatures (``cryptography``), our keys turned into the merchant
numbers each API accepts, a plain HTTP transport, and the refusals of the
interface's card-only parts.

Wallets take the money when the customer pays (no separate authorisation), keep
no connected accounts and pay no providers: payouts stay with the card gateway.
"""

import base64
import hashlib
import re
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509 import load_pem_x509_certificate
from django.conf import settings
from django.urls import reverse

from doorstep.payments.gateways.base import (
    ChargeResult,
    ConnectedAccount,
    GatewayError,
    IntentResult,
    PayoutResult,
)

# (method, url, headers, body) -> (status, headers, body)
Transport = Callable[
    [str, str, Mapping[str, str], bytes], tuple[int, Mapping[str, str], bytes]
]


def urllib_transport(
    method: str, url: str, headers: Mapping[str, str], body: bytes
) -> tuple[int, Mapping[str, str], bytes]:
    """One HTTPS request; an error status is an answer, no answer is
    ``gateway_unavailable`` (retryable: our merchant numbers make repeats safe)."""
    if not url.startswith("https://"):
        raise GatewayError(GatewayError.UNAVAILABLE, f"not an https URL: {url}")
    request = urllib.request.Request(  # noqa: S310 (https only, checked above)
        url,
        data=body if method != "GET" else None,
        headers=dict(headers),
        method=method,
    )
    try:
        with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310
            return response.status, dict(response.headers.items()), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers.items()), error.read()
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        raise GatewayError(GatewayError.UNAVAILABLE, str(error)) from error


def _pem(text: str, kind: str) -> bytes:
    """PEM text as configured: whole, with ``\\n`` escapes (one environment
    line), or the bare base64 body the Alipay key tool prints."""
    text = text.strip().replace("\\n", "\n")
    if "-----BEGIN" not in text:
        body = "".join(text.split())
        lines = [body[i : i + 64] for i in range(0, len(body), 64)]
        text = (
            f"-----BEGIN {kind}-----\n" + "\n".join(lines) + f"\n-----END {kind}-----"
        )
    return text.encode()


def load_private_key(text: str) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(_pem(text, "PRIVATE KEY"), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("not an RSA private key")
    return key


def load_public_key(text: str) -> rsa.RSAPublicKey:
    """An RSA public key from a public key PEM or a certificate PEM (WeChat
    Pay's platform certificate)."""
    pem = _pem(text, "PUBLIC KEY")
    if b"CERTIFICATE" in pem:
        key = load_pem_x509_certificate(pem).public_key()
    else:
        key = serialization.load_pem_public_key(pem)
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("not an RSA public key")
    return key


def rsa_sign(key: rsa.RSAPrivateKey, message: bytes) -> str:
    """SHA256withRSA (PKCS#1 v1.5), base64: Alipay's RSA2 and WeChat Pay's
    WECHATPAY2-SHA256-RSA2048."""
    signature = key.sign(message, padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(signature).decode()


def rsa_verify(key: rsa.RSAPublicKey, message: bytes, signature: str) -> None:
    """Raise ``bad_signature`` unless ``signature`` signs ``message``."""
    try:
        key.verify(
            base64.b64decode(signature, validate=True),
            message,
            padding.PKCS1v15(),
            hashes.SHA256(),
        )
    except (InvalidSignature, ValueError) as error:
        raise GatewayError(
            GatewayError.BAD_SIGNATURE, "signature does not match"
        ) from error


def merchant_number(key: str, *, limit: int) -> str:
    """Our idempotency key as a merchant order number (letters, digits and
    ``_`` only, at most ``limit`` long): readable, and the same key always
    gives the same number, so a repeated call finds the first order."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:10]
    readable = re.sub(r"[^A-Za-z0-9]", "_", key)[: limit - len(digest) - 1]
    return f"{readable}_{digest}"


_REFUND_NUMBER = re.compile(r"[A-Za-z0-9_\-|*@]+")


def refund_number(key: str, *, limit: int = 64) -> str:
    """Our refund key as a merchant refund number the gateway hands back in
    its notifications: ``:`` becomes ``|`` (``refund:ord_x:void`` →
    ``refund|ord_x|void``), so :func:`refund_key_of` reads the key again."""
    number = key.replace(":", "|")
    if "|" in key or len(number) > limit or not _REFUND_NUMBER.fullmatch(number):
        raise GatewayError(
            GatewayError.REFUND_TOO_LARGE,
            f"refund key {key!r} cannot be a merchant refund number",
        )
    return number


def refund_key_of(number: str) -> str:
    return number.replace("|", ":")


def notify_url(gateway: str, configured: str) -> str:
    """Where the gateway posts its notifications: as configured, or our
    webhook endpoint under ``DOORSTEP_BASE_URL``."""
    if configured:
        return configured
    return settings.DOORSTEP_BASE_URL.rstrip("/") + reverse(
        "payments:webhook", args=[gateway]
    )


def yuan(fen: int) -> str:
    """Integer fen as Alipay's yuan string with two decimals (10500 → "105.00")."""
    if fen < 0:
        raise ValueError("negative amount")
    return f"{fen // 100}.{fen % 100:02d}"


def fen(amount: str) -> int:
    """Alipay's yuan string as integer fen ("105.5" → 10550), exactly."""
    match = re.fullmatch(r"(\d+)(?:\.(\d{1,2}))?", amount.strip())
    if match is None:
        raise GatewayError(GatewayError.BAD_SIGNATURE, f"bad amount {amount!r}")
    return int(match.group(1)) * 100 + int((match.group(2) or "0").ljust(2, "0"))


def charges_of_our_payments(
    gateway_name: str, retrieve: Callable[[str], IntentResult]
) -> list[ChargeResult]:
    """Every charge of our payments made with ``gateway_name``, as the gateway
    answers a query about each (the wallets list no trades): for
    ``doorstep reconcile --gateway``, which then finds a payment whose
    notification never came. One query per payment. A paid trade is its
    captured charge; one never paid is "voided" when closed, else "open"."""
    from doorstep.payments.models import Payment

    numbers = (
        Payment.objects.filter(gateway=gateway_name)
        .exclude(gateway_charge_id="")
        .order_by("pk")
        .values_list("gateway_charge_id", flat=True)
    )
    charges = []
    for number in numbers:
        intent = retrieve(number)
        charges.append(
            intent.charge
            or ChargeResult(
                charge_id=number,
                status="voided" if intent.status == "canceled" else "open",
                amount=intent.amount,
                currency=intent.currency,
            )
        )
    return charges


class NoPayouts:
    """The interface's payout and connected-account parts, refused: wallets
    collect payments; providers are paid by the card gateway."""

    name: str

    def _unsupported(self, what: str) -> GatewayError:
        return GatewayError(GatewayError.PAYOUT_FAILED, f"{self.name} has no {what}")

    def payout(
        self,
        *,
        amount: int,
        currency: str,
        destination: str,
        idempotency_key: str,
        metadata: Mapping[str, str],
    ) -> PayoutResult:
        raise self._unsupported("payouts")

    def list_payouts(self) -> list[PayoutResult]:
        return []

    def create_connected_account(
        self, *, email: str, idempotency_key: str, metadata: Mapping[str, str]
    ) -> ConnectedAccount:
        raise self._unsupported("connected accounts")

    def create_account_link(
        self, *, account_id: str, return_url: str, refresh_url: str
    ) -> str:
        raise self._unsupported("connected accounts")

    def retrieve_account(self, *, account_id: str) -> ConnectedAccount:
        raise self._unsupported("connected accounts")
