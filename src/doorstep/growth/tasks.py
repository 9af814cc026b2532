"""Thin wrappers the periodic scheduler calls."""


def settle_order_rewards() -> int:
    """Periodic job ``settle_order_rewards``: points, referral rewards and
    code owners' shares of orders whose dispute window has passed."""
    from doorstep.growth import rewards

    return rewards.settle_due()


def expire_rewards() -> int:
    """Periodic job ``expire_rewards``: points and credit past their date."""
    from doorstep.growth import rewards

    return rewards.expire_due()
