import pytest

from doorstep.trust.check_services import record_consent
from tests.factories import make_provider, make_user


@pytest.fixture
def provider():
    return make_provider(
        user=make_user(name="Mei Chen", email="mei@example.com"),
        display_name="Mei Chen",
    )


def consented(provider, legal_name: str = "Mei Chen"):
    """``provider`` with a recorded consent to the current text."""
    record_consent(
        provider=provider,
        user=provider.user,
        legal_name=legal_name,
        agreed=True,
        ip_address="203.0.113.7",
        user_agent="pytest",
    )
    return provider
