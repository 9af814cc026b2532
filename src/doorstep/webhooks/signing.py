"""Signing per the Standard Webhooks specification (standardwebhooks.com).

Each request carries ``webhook-id`` (the delivery's public id, the same on every
retry and replay, for receivers to drop duplicates), ``webhook-timestamp``
(seconds since the epoch, when this attempt was signed) and
``webhook-signature``: ``v1,<base64 HMAC-SHA256 of "id.timestamp.body">``, one
per secret, separated by spaces — during a secret's rotation both the new and
the old secret sign, so a receiver holding either accepts the message.

The HMAC is the ``standardwebhooks`` package's (MIT, no dependencies, by the
specification's authors), so our signatures are the ones their verifiers in
every language expect.
"""

import base64
import secrets
from datetime import datetime

from standardwebhooks.webhooks import Webhook

SECRET_PREFIX = "whsec_"  # noqa: S105 (a prefix, not a secret)
SECRET_BYTES = 24  # the spec asks for 24 to 64 bytes


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def signature_header(
    *, secrets_: list[str], message_id: str, timestamp: datetime, body: bytes
) -> str:
    return " ".join(
        Webhook(secret).sign(msg_id=message_id, timestamp=timestamp, data=body)
        for secret in secrets_
    )


def signed_headers(
    *, secrets_: list[str], message_id: str, timestamp: datetime, body: bytes
) -> dict[str, str]:
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(timestamp.timestamp())),
        "webhook-signature": signature_header(
            secrets_=secrets_, message_id=message_id, timestamp=timestamp, body=body
        ),
        "content-type": "application/json",
    }
