"""Thin task wrappers around the support services, for the periodic jobs."""

from doorstep.support import claims


def escalate_warranty_claims() -> dict[str, int]:
    return claims.escalate_warranty_claims()
