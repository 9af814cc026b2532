"""The demo's disputes (support): seeded through the support services."""

from datetime import datetime

from doorstep.accounts.models import User


def seed_disputes(
    *, logins: dict[str, User], seed: int, now: datetime
) -> dict[str, int]:
    return {}
