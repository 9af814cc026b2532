from decimal import Decimal

import pytest

from doorstep.accounts.models import ProviderProfile, User
from doorstep.accounts.services import become_provider, update_provider_profile
from doorstep.core.errors import DomainError
from doorstep.core.geo import cell_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def profile() -> ProviderProfile:
    user = User.objects.create_user(email="p@example.com", password="x" * 12)
    return become_provider(
        user=user,
        display_name="Li Na",
        latitude=31.23,
        longitude=121.47,
        service_radius_km=Decimal(8),
    )


def test_becoming_a_provider_stores_the_base_cell(profile):
    assert profile.h3_cell == cell_of(31.23, 121.47)
    assert "provider" in profile.user.roles


def test_moving_the_base_moves_the_cell(profile):
    update_provider_profile(profile=profile, latitude=25.03, longitude=121.56)

    profile.refresh_from_db()
    assert profile.h3_cell == cell_of(25.03, 121.56)


@pytest.mark.parametrize("field", ["status", "h3_cell", "user", "agency"])
def test_a_provider_cannot_change_what_ops_own(profile, field):
    with pytest.raises(DomainError) as error:
        update_provider_profile(profile=profile, **{field: "suspended"})

    assert field in error.value.fields
    profile.refresh_from_db()
    assert profile.status == ProviderProfile.Status.ACTIVE
