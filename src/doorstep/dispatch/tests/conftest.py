import pytest

from doorstep.dispatch.tests.helpers import service_in_shanghai


@pytest.fixture
def offer_for_sale():
    """A home cleaning on sale in Shanghai (``helpers.service_in_shanghai``)."""
    return service_in_shanghai()
