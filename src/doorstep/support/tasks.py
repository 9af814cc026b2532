"""Thin wrappers the periodic scheduler calls."""


def send_follow_up_surveys() -> dict[str, int]:
    """Periodic job ``send_follow_up_surveys``: invite the customers of orders
    completed a day ago to the follow-up survey."""
    from doorstep.support import surveys

    return surveys.send_follow_up_surveys()


def escalate_overdue_disputes() -> dict[str, int]:
    """Periodic job ``escalate_overdue_disputes``."""
    from doorstep.support import disputes

    return disputes.escalate_overdue_disputes()


def escalate_warranty_claims() -> dict[str, int]:
    """Periodic job ``escalate_warranty_claims``."""
    from doorstep.support import claims

    return claims.escalate_warranty_claims()
