import pytest

from doorstep.marketplace import state
from tests.factories import make_ops, sign_in_ops


@pytest.fixture(autouse=True)
def _fresh_settings_copies(settings, tmp_path):
    """Each test starts without this process's copy of the cities, and with
    uploads in a folder of its own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    state.forget()
    yield
    state.forget()


@pytest.fixture
def admin_ops():
    return make_ops("Ops admin")


@pytest.fixture
def ops_client(client, admin_ops):
    sign_in_ops(client, admin_ops)
    return client
