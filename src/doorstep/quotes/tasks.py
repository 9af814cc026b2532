"""Thin wrappers the periodic scheduler calls."""


def expire_quote_requests() -> dict[str, int]:
    """Periodic job ``expire_quote_requests``: the requests' durable timers
    (``quotes.services.expire_due``)."""
    from doorstep.quotes import services

    return services.expire_due()


def refresh_response_times() -> dict[str, int]:
    """Periodic job ``refresh_response_times``."""
    from doorstep.quotes import services

    return services.refresh_response_times()
