"""What every page's layout needs to know about payments."""

from django.http import HttpRequest

from doorstep.payments.conf import in_test_mode


def payment_mode(request: HttpRequest) -> dict[str, object]:
    """``payments_test_mode``: the sandbox is the gateway, so the layout says that
    no real money moves (a demo or staging site must never pass for the real one)."""
    return {"payments_test_mode": in_test_mode()}
