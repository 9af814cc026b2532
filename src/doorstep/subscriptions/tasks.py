"""Thin wrappers the periodic scheduler calls."""


def run_subscription_billing() -> dict[str, int]:
    """Periodic job ``run_subscription_billing``: renew due plans, retry failed
    renewals on the dunning schedule, end cancelled and overdue plans."""
    from doorstep.subscriptions import billing

    return billing.run_billing()
