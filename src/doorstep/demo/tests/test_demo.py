import math
import time
from io import StringIO

import phonenumbers
import pytest
from allauth.account.models import EmailAddress
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db import connection, reset_queries

from doorstep.accounts.models import (
    Agency,
    ProviderProfile,
    SavedAddress,
    StaffMember,
    User,
)
from doorstep.catalog.models import Category
from doorstep.demo.builders import (
    DEMO_LOGINS,
    DEMO_PASSWORD,
    DEMO_TOTP_SECRET,
    DemoError,
    build_demo,
)
from doorstep.demo.data import CATEGORY_TREE, CITIES
from doorstep.demo.onboarding import APPLICANTS
from doorstep.dispatch.models import Worker

pytestmark = pytest.mark.django_db


def _demo() -> str:
    out = StringIO()
    call_command("demo", "--orders", "0", stdout=out)
    return out.getvalue()


def _km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    d_lat, d_lng = p2 - p1, math.radians(lng2 - lng1)
    h = (
        math.sin(d_lat / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(d_lng / 2) ** 2
    )
    return 2 * 6371 * math.asin(math.sqrt(h))


def _is_e164(phone: str) -> bool:
    parsed = phonenumbers.parse(phone)
    return phonenumbers.is_valid_number(parsed) and phone == phonenumbers.format_number(
        parsed, phonenumbers.PhoneNumberFormat.E164
    )


def _wipe_people() -> None:
    Worker.objects.all().delete()  # the dispatch side of staff and providers
    Agency.objects.all().delete()  # owners are protected while they own one
    User.objects.all().delete()


def _fingerprint() -> list[tuple]:
    return sorted(
        ProviderProfile.objects.values_list(
            "display_name", "user__email", "user__phone", "address", "latitude", "bio"
        )
    )


def test_demo_prints_and_signs_in_the_three_logins(monkeypatch):
    monkeypatch.setenv("PORT", "8123")
    monkeypatch.delenv("HOST", raising=False)

    output = _demo()

    assert "http://127.0.0.1:8123/" in output
    assert DEMO_TOTP_SECRET in output
    assert "otpauth://totp/" in output
    for login in DEMO_LOGINS:
        assert login.email in output
        user = authenticate(email=login.email, password=DEMO_PASSWORD)
        assert user is not None
        assert user.email == login.email
        assert EmailAddress.objects.filter(
            user=user, email=login.email, verified=True, primary=True
        ).exists()
    provider = User.objects.get(email="provider@demo.doorstep.dev")
    assert provider.provider_profile.time_zone == "Asia/Shanghai"
    customer = User.objects.get(email="customer@demo.doorstep.dev")
    assert customer.addresses.filter(is_default=True).count() == 1


def test_ops_login_is_a_superuser_with_a_working_totp_authenticator():
    build_demo(providers=10, customers=5, orders=0)

    ops = User.objects.get(email="ops@demo.doorstep.dev")
    authenticator = Authenticator.objects.get(user=ops, type=Authenticator.Type.TOTP)
    counter = int(time.time()) // mfa_settings.TOTP_PERIOD
    code = format_hotp_value(hotp_value(DEMO_TOTP_SECRET, counter))

    assert ops.is_staff
    assert ops.is_superuser
    assert TOTP(authenticator).validate_code(code)


def test_category_tree_is_complete_in_three_languages():
    build_demo(providers=10, customers=5, orders=0)

    roots = Category.objects.filter(parent=None)
    assert roots.count() == len(CATEGORY_TREE) == 8
    for root in roots:
        assert 3 <= root.children.count() <= 6
    for category in Category.objects.all():
        assert category.name_en
        assert category.name_zh_hans
        assert category.name_zh_hant
        assert category.description_en
        assert category.description_zh_hans
        assert category.description_zh_hant
        assert category.icon
    aircon = Category.objects.get(slug="aircon-repair")
    assert aircon.name_zh_hans != aircon.name_zh_hant
    assert aircon.localized("name", "zh-hant") == aircon.name_zh_hant


def test_full_demo_has_believable_counts_and_agencies():
    report = build_demo(orders=0)

    assert ProviderProfile.objects.count() == report.providers == 301 + len(APPLICANTS)
    assert report.customers == 201
    assert Agency.objects.count() == report.agencies == 5
    for agency in Agency.objects.all():
        staff = StaffMember.objects.filter(agency=agency)
        assert 3 <= staff.count() <= 8
        assert staff.filter(user=agency.owner, role=StaffMember.Role.MANAGER).exists()
        assert agency.owner.provider_profile.agency == agency
    assert StaffMember.objects.filter(user__isnull=False).count() > 5
    assert StaffMember.objects.filter(user__isnull=True).exists()
    assert not User.objects.filter(
        addresses__isnull=False, provider_profile__isnull=False
    ).exists()
    customers = User.objects.filter(provider_profile=None, staff_memberships=None)
    for customer in customers.exclude(is_staff=True):
        count = customer.addresses.count()
        assert 1 <= count <= 2
        assert customer.addresses.filter(is_default=True).count() == 1


def test_every_provider_is_placed_in_its_city_with_a_valid_cell_and_phone():
    build_demo(orders=0)
    centres = {city.time_zone: city for city in CITIES}

    providers = ProviderProfile.objects.select_related("user")
    for profile in providers:
        city = centres[profile.time_zone]
        assert profile.h3_cell == ProviderProfile.cell_for(
            profile.latitude, profile.longitude
        )
        distance = _km(
            profile.latitude, profile.longitude, city.latitude, city.longitude
        )
        assert distance < 30, (profile, distance)
        assert 3 <= profile.service_radius_km <= 25
        assert profile.bio
        assert profile.address
        assert profile.languages
        assert profile.public_id.startswith("prv_")
        assert profile.user.public_id.startswith("usr_")
    phones = [phone for phone in User.objects.values_list("phone", flat=True) if phone]
    assert len(phones) > 400
    assert all(_is_e164(phone) for phone in phones)
    country_codes = {phonenumbers.parse(phone).country_code for phone in phones}
    assert country_codes == {86, 886, 852, 1}


def test_the_same_seed_builds_the_same_marketplace():
    build_demo(providers=40, customers=20, orders=0)
    first = _fingerprint()
    _wipe_people()

    build_demo(providers=40, customers=20, orders=0)

    assert _fingerprint() == first
    assert len(first) == 41 + len(APPLICANTS)


def test_a_second_demo_run_changes_nothing():
    _demo()
    counts = [
        model.objects.count()
        for model in (User, ProviderProfile, SavedAddress, Category, Agency)
    ]

    output = _demo()

    assert "already has users" in output
    assert "customer@demo.doorstep.dev" in output
    assert counts == [
        model.objects.count()
        for model in (User, ProviderProfile, SavedAddress, Category, Agency)
    ]


def test_demo_leaves_a_database_with_real_users_alone():
    User.objects.create_user(email="someone@example.org", password="x" * 12)

    output = _demo()

    assert User.objects.count() == 1
    assert "not in this database" in output
    with pytest.raises(DemoError):
        build_demo()


def test_the_build_keeps_no_query_log_and_leaves_debug_as_it_was(settings):
    """Given DEBUG on (as ``make demo`` runs), when the demo is built, then
    Django has not kept its tens of thousands of queries (which costs time for
    nothing), and afterwards DEBUG is on again."""
    settings.DEBUG = True
    reset_queries()

    _demo()

    assert len(connection.queries) < 20
    assert settings.DEBUG is True


@pytest.mark.skipif(
    connection.vendor != "sqlite", reason="synchronous is a setting of SQLite's"
)
@pytest.mark.django_db(transaction=True)
def test_the_build_leaves_sqlites_synchronous_setting_as_it_was():
    """Outside a transaction (as ``make demo`` runs) the build turns SQLite's
    ``synchronous`` off for speed; afterwards it is what the settings made it."""
    with connection.cursor() as cursor:
        (synchronous_before,) = cursor.execute("PRAGMA synchronous").fetchone()

    _demo()

    with connection.cursor() as cursor:
        (synchronous_after,) = cursor.execute("PRAGMA synchronous").fetchone()
    assert synchronous_after == synchronous_before
