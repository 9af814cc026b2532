"""The keys verifiers trust: the current signing key and, after a rotation,
the earlier ones with the dates they signed (``DOORSTEP_TLOG_PAST_KEYS``)."""

import base64
from datetime import date

from django.conf import settings

from doorstep.transparency import signing


def verifier_keys() -> list[dict]:
    listed = [
        {"key": signing.verifier_key(), "from": None, "until": None},
        *settings.DOORSTEP_TLOG_PAST_KEYS,
    ]
    result = []
    for item in listed:
        name, identifier, public = signing.parse_verifier_key(item["key"])
        result.append(
            {
                "key": item["key"],
                "name": name,
                "key_id": identifier.hex(),
                "public_key": base64.b64encode(public).decode(),
                "valid_from": _date(item.get("from")),
                "valid_until": _date(item.get("until")),
            }
        )
    return result


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None
