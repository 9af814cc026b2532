"""The caller's provider side through the API: open it, read it, change it."""

from decimal import Decimal

import pytest

from doorstep.accounts.models import ProviderProfile
from doorstep.accounts.services import become_provider
from doorstep.api.testing import API, JSON, assert_problem, bearer, make_user

pytestmark = pytest.mark.django_db

SHANGHAI = {"display_name": "Ann's Cleaning", "latitude": 31.23, "longitude": 121.47}


def test_becoming_a_provider(client):
    # given
    user = make_user()
    headers = bearer(user)

    # when
    response = client.post(
        API + "/me/provider",
        {
            **SHANGHAI,
            "address": "88 Century Avenue",
            "service_radius_km": 7.5,
            "bio": "Ten years of spotless flats.",
            "languages": ["zh-hans", "en"],
            "years_experience": 10,
            "time_zone": "Asia/Shanghai",
        },
        content_type=JSON,
        **headers,
    )

    # then
    assert response.status_code == 201, response.content
    body = response.json()
    profile = ProviderProfile.objects.get(user=user)
    assert body["id"] == profile.public_id
    assert body["id"].startswith("prv_")
    assert body["display_name"] == "Ann's Cleaning"
    assert body["service_radius_km"] == 7.5
    assert body["languages"] == ["zh-hans", "en"]
    assert body["time_zone"] == "Asia/Shanghai"
    assert body["status"] == "active"
    assert "h3_cell" not in body
    assert "user" not in body
    assert profile.h3_cell == ProviderProfile.cell_for(31.23, 121.47)
    assert client.get(API + "/me", **headers).json()["roles"] == [
        "customer",
        "provider",
    ]


def test_the_defaults_come_from_the_user(client):
    user = make_user()
    client.patch(
        API + "/me",
        {"language": "zh-hant", "time_zone": "Asia/Taipei"},
        content_type=JSON,
        **bearer(user),
    )

    response = client.post(
        API + "/me/provider", SHANGHAI, content_type=JSON, **bearer(user)
    )

    body = response.json()
    assert (body["languages"], body["time_zone"]) == (["zh-hant"], "Asia/Taipei")
    assert body["service_radius_km"] == 10


def test_becoming_a_provider_twice_is_a_conflict(client):
    user = make_user()
    headers = bearer(user)
    client.post(API + "/me/provider", SHANGHAI, content_type=JSON, **headers)

    response = client.post(
        API + "/me/provider",
        {**SHANGHAI, "display_name": "Second"},
        content_type=JSON,
        **headers,
    )

    assert_problem(response, 409, "already_provider")
    assert ProviderProfile.objects.get().display_name == "Ann's Cleaning"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"latitude": 91}, "latitude"),
        ({"latitude": -90.0001}, "latitude"),
        ({"longitude": -181}, "longitude"),
        ({"longitude": 180.5}, "longitude"),
        ({"latitude": "north"}, "latitude"),
        ({"longitude": "121.47 E"}, "longitude"),
        ({"latitude": None}, "latitude"),
        ({"longitude": [121]}, "longitude"),
        ({"display_name": ""}, "display_name"),
        ({"display_name": "x" * 151}, "display_name"),
        ({"service_radius_km": 0.2}, "service_radius_km"),
        ({"service_radius_km": 500}, "service_radius_km"),
        ({"service_radius_km": "7.5"}, "service_radius_km"),
        ({"years_experience": False}, "years_experience"),
        ({"latitude": True}, "latitude"),
        ({"years_experience": -1}, "years_experience"),
        ({"years_experience": 81}, "years_experience"),
        ({"years_experience": 2.5}, "years_experience"),
        ({"languages": ["en", "fr"]}, "languages.1"),
        ({"languages": "en"}, "languages"),
        ({"time_zone": "Moon/Base"}, "time_zone"),
        ({"bio": "x" * 4001}, "bio"),
        ({"address": "x" * 256}, "address"),
        ({"status": "active"}, "status"),
    ],
)
def test_bad_provider_input_is_refused_per_field_and_writes_nothing(
    client, change, field
):
    user = make_user()
    body = {**SHANGHAI, **change}

    response = client.post(
        API + "/me/provider", body, content_type=JSON, **bearer(user)
    )

    assert list(assert_problem(response, 400, "invalid_input")["errors"]) == [field]
    assert ProviderProfile.objects.count() == 0


def test_a_finer_radius_is_rounded_to_a_tenth_of_a_kilometre(client):
    # The document says a number from 0.5 to 200: any such number is taken.
    response = client.post(
        API + "/me/provider",
        {**SHANGHAI, "service_radius_km": 2.25},
        content_type=JSON,
        **bearer(make_user()),
    )

    assert response.status_code == 201, response.content
    assert response.json()["service_radius_km"] == 2.3
    assert ProviderProfile.objects.get().service_radius_km == Decimal("2.3")


def test_coordinates_must_be_finite(client):
    user = make_user()

    response = client.post(
        API + "/me/provider",
        '{"display_name": "A", "latitude": NaN, "longitude": Infinity}',
        content_type=JSON,
        **bearer(user),
    )

    problem = assert_problem(response, 400, "invalid_input")
    assert set(problem["errors"]) == {"latitude", "longitude"}
    assert ProviderProfile.objects.count() == 0


@pytest.mark.parametrize("field", ["display_name", "latitude", "longitude"])
def test_provider_fields_that_are_required(client, field):
    user = make_user()
    body = {key: value for key, value in SHANGHAI.items() if key != field}

    response = client.post(
        API + "/me/provider", body, content_type=JSON, **bearer(user)
    )

    assert list(assert_problem(response, 400, "invalid_input")["errors"]) == [field]
    assert ProviderProfile.objects.count() == 0


def test_reading_the_provider_profile(client):
    user = make_user()
    profile = become_provider(user=user, display_name="Ann", latitude=1, longitude=2)

    response = client.get(API + "/me/provider", **bearer(user))

    assert response.status_code == 200
    assert response.json()["id"] == profile.public_id


def test_a_customer_has_no_provider_profile_even_when_others_do(client):
    # given Bo is a provider and Ann is not
    bo = make_user(email="bo@example.com")
    become_provider(user=bo, display_name="Bo", latitude=1, longitude=2)
    ann_headers = bearer(make_user())

    # when Ann reads or changes "her" provider profile
    read = client.get(API + "/me/provider", **ann_headers)
    change = client.patch(
        API + "/me/provider", {"bio": "mine now"}, content_type=JSON, **ann_headers
    )

    # then she gets 404 and Bo's profile is untouched
    assert_problem(read, 404, "not_a_provider")
    assert_problem(change, 404, "not_a_provider")
    assert ProviderProfile.objects.get(user=bo).bio == ""


def test_patching_the_provider_profile_moves_its_cell(client):
    user = make_user()
    become_provider(user=user, display_name="Ann", latitude=31.23, longitude=121.47)

    response = client.patch(
        API + "/me/provider",
        {"latitude": 39.9, "longitude": 116.4, "bio": "Now in Beijing"},
        content_type=JSON,
        **bearer(user),
    )

    assert response.status_code == 200, response.content
    profile = ProviderProfile.objects.get(user=user)
    assert (profile.latitude, profile.longitude, profile.bio) == (
        39.9,
        116.4,
        "Now in Beijing",
    )
    assert profile.h3_cell == ProviderProfile.cell_for(39.9, 116.4)
    assert profile.display_name == "Ann"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"latitude": 91}, "latitude"),
        ({"longitude": -181}, "longitude"),
        ({"latitude": "far"}, "latitude"),
        ({"display_name": None}, "display_name"),
        ({"time_zone": "Nowhere"}, "time_zone"),
        ({"bio": "ok", "years_experience": 99}, "years_experience"),
        ({"h3_cell": 1}, "h3_cell"),
    ],
)
def test_bad_provider_patch_writes_nothing(client, body, field):
    user = make_user()
    become_provider(user=user, display_name="Ann", latitude=31.23, longitude=121.47)
    before = ProviderProfile.objects.values().get(user=user)

    response = client.patch(
        API + "/me/provider", body, content_type=JSON, **bearer(user)
    )

    assert list(assert_problem(response, 400, "invalid_input")["errors"]) == [field]
    assert ProviderProfile.objects.values().get(user=user) == before


@pytest.mark.parametrize("method", ["get", "post", "patch"])
def test_provider_endpoints_need_a_signed_in_caller(client, method):
    kwargs = {"data": SHANGHAI, "content_type": JSON} if method != "get" else {}

    response = getattr(client, method)(API + "/me/provider", **kwargs)

    assert_problem(response, 401, "not_authenticated")
    assert ProviderProfile.objects.count() == 0
