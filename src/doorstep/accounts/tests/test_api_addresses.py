"""The caller's saved addresses through the API, including everyone else's."""

import itertools
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from doorstep.accounts.models import SavedAddress, User
from doorstep.accounts.services import MAX_SAVED_ADDRESSES, add_address
from doorstep.api.testing import API, JSON, assert_problem, bearer, make_user

pytestmark = pytest.mark.django_db

HOME = {
    "label": "Home",
    "address": "88 Century Avenue, Pudong",
    "latitude": 31.23,
    "longitude": 121.47,
}


_clock = itertools.count(1)


def _add(user: User, label: str, *, is_default: bool = False) -> SavedAddress:
    saved = add_address(
        user=user,
        label=label,
        address=f"{label} street 1",
        latitude=31.2,
        longitude=121.5,
        is_default=is_default,
    )
    # A second apart, so "newest first" never depends on the clock's resolution.
    saved.created_at = timezone.now() + timedelta(seconds=next(_clock))
    saved.save(update_fields=["created_at"])
    return saved


def test_the_first_saved_address_becomes_the_default(client):
    user = make_user()

    response = client.post(
        API + "/me/addresses", HOME, content_type=JSON, **bearer(user)
    )

    assert response.status_code == 201, response.content
    body = response.json()
    saved = SavedAddress.objects.get(user=user)
    assert body["id"] == saved.public_id
    assert body["id"].startswith("adr_")
    assert body["label"] == "Home"
    assert body["is_default"] is True
    assert "user" not in body


def test_a_browser_session_saves_an_address_with_its_csrf_token():
    user = make_user()
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    client.cookies[settings.CSRF_COOKIE_NAME] = "k" * 32

    response = client.post(
        API + "/me/addresses", HOME, content_type=JSON, HTTP_X_CSRFTOKEN="k" * 32
    )

    assert response.status_code == 201, response.content
    assert SavedAddress.objects.get().user == user


def test_a_new_default_replaces_the_old_one(client):
    user = make_user()
    home = _add(user, "Home")

    response = client.post(
        API + "/me/addresses",
        {**HOME, "label": "Office", "is_default": True},
        content_type=JSON,
        **bearer(user),
    )

    assert response.status_code == 201, response.content
    home.refresh_from_db()
    assert not home.is_default
    assert SavedAddress.objects.get(is_default=True).label == "Office"


def test_listing_shows_only_the_callers_addresses_newest_first(client):
    # given
    ann = make_user()
    for label in ("Home", "Office", "Parents"):
        _add(ann, label)
    _add(make_user(email="bo@example.com"), "Bo's home")

    # when
    response = client.get(API + "/me/addresses", **bearer(ann))

    # then
    assert response.status_code == 200
    body = response.json()
    assert [item["label"] for item in body["items"]] == ["Parents", "Office", "Home"]
    assert body["next"] is None


def test_listing_pages_through_every_address_once(client):
    ann = make_user()
    headers = bearer(ann)
    for number in range(5):
        _add(ann, f"Place {number}")

    first = client.get(API + "/me/addresses?limit=2", **headers).json()
    second = client.get(
        f"{API}/me/addresses?limit=2&cursor={first['next']}", **headers
    ).json()
    third = client.get(
        f"{API}/me/addresses?limit=2&cursor={second['next']}", **headers
    ).json()

    labels = [
        item["label"] for page in (first, second, third) for item in page["items"]
    ]
    assert labels == [f"Place {number}" for number in (4, 3, 2, 1, 0)]
    assert third["next"] is None


def test_changing_an_address(client):
    user = make_user()
    office = _add(user, "Office")

    response = client.patch(
        f"{API}/me/addresses/{office.public_id}",
        {"label": "Work", "latitude": 31.3},
        content_type=JSON,
        **bearer(user),
    )

    assert response.status_code == 200, response.content
    assert response.json()["label"] == "Work"
    office.refresh_from_db()
    assert (office.label, office.latitude, office.address) == (
        "Work",
        31.3,
        "Office street 1",
    )


def test_making_another_address_the_default(client):
    user = make_user()
    home = _add(user, "Home")
    office = _add(user, "Office")

    response = client.patch(
        f"{API}/me/addresses/{office.public_id}",
        {"is_default": True},
        content_type=JSON,
        **bearer(user),
    )

    assert response.status_code == 200, response.content
    home.refresh_from_db()
    office.refresh_from_db()
    assert (home.is_default, office.is_default) == (False, True)


def test_removing_the_default_hands_it_to_the_newest_remaining(client):
    user = make_user()
    home = _add(user, "Home")
    _add(user, "Office")
    parents = _add(user, "Parents")

    response = client.delete(f"{API}/me/addresses/{home.public_id}", **bearer(user))

    assert response.status_code == 204
    assert not SavedAddress.objects.filter(pk=home.pk).exists()
    parents.refresh_from_db()
    assert parents.is_default
    assert SavedAddress.objects.filter(user=user, is_default=True).count() == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"label": ""}, "label"),
        ({"label": "x" * 61}, "label"),
        ({"address": ""}, "address"),
        ({"address": "x" * 256}, "address"),
        ({"latitude": 91}, "latitude"),
        ({"longitude": -181}, "longitude"),
        ({"latitude": "north"}, "latitude"),
        ({"is_default": "maybe"}, "is_default"),
        ({"owner": "usr_x"}, "owner"),
    ],
)
def test_bad_address_input_is_refused_per_field_and_writes_nothing(
    client, change, field
):
    user = make_user()

    response = client.post(
        API + "/me/addresses", {**HOME, **change}, content_type=JSON, **bearer(user)
    )

    assert list(assert_problem(response, 400, "invalid_input")["errors"]) == [field]
    assert SavedAddress.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"latitude": 91}, "latitude"),
        ({"longitude": "west"}, "longitude"),
        ({"label": None}, "label"),
        ({"label": "Fine", "address": ""}, "address"),
    ],
)
def test_a_bad_change_writes_nothing(client, body, field):
    user = make_user()
    home = _add(user, "Home")
    before = SavedAddress.objects.values().get(pk=home.pk)

    response = client.patch(
        f"{API}/me/addresses/{home.public_id}",
        body,
        content_type=JSON,
        **bearer(user),
    )

    assert list(assert_problem(response, 400, "invalid_input")["errors"]) == [field]
    assert SavedAddress.objects.values().get(pk=home.pk) == before


def test_there_is_a_limit_on_saved_addresses(client):
    user = make_user()
    for number in range(MAX_SAVED_ADDRESSES):
        _add(user, f"Place {number}")

    response = client.post(
        API + "/me/addresses", HOME, content_type=JSON, **bearer(user)
    )

    assert_problem(response, 422, "too_many_addresses")
    assert SavedAddress.objects.count() == MAX_SAVED_ADDRESSES


# --- The wrong user ---------------------------------------------------------------


@pytest.mark.parametrize("method", ["patch", "delete"])
def test_someone_elses_address_is_not_found_and_untouched(client, method):
    # given Bo's address
    bo_home = _add(make_user(email="bo@example.com"), "Bo's home")
    before = SavedAddress.objects.values().get(pk=bo_home.pk)
    ann_headers = bearer(make_user())

    # when Ann tries it
    kwargs = (
        {"data": {"label": "Mine"}, "content_type": JSON} if method == "patch" else {}
    )
    response = getattr(client, method)(
        f"{API}/me/addresses/{bo_home.public_id}", **kwargs, **ann_headers
    )

    # then
    assert_problem(response, 404, "address_not_found")
    assert SavedAddress.objects.values().get(pk=bo_home.pk) == before


@pytest.mark.parametrize("method", ["patch", "delete"])
def test_an_unknown_address_is_not_found(client, method):
    headers = bearer(make_user())
    kwargs = {"data": {"label": "X"}, "content_type": JSON} if method == "patch" else {}

    response = getattr(client, method)(
        f"{API}/me/addresses/adr_doesNotExist0000", **kwargs, **headers
    )

    assert_problem(response, 404, "address_not_found")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/me/addresses"),
        ("post", "/me/addresses"),
        ("patch", "/me/addresses/{id}"),
        ("delete", "/me/addresses/{id}"),
    ],
)
def test_address_endpoints_need_a_signed_in_caller(client, method, path):
    home = _add(make_user(), "Home")
    before = SavedAddress.objects.values().get(pk=home.pk)
    kwargs = {"data": HOME, "content_type": JSON} if method in ("post", "patch") else {}

    response = getattr(client, method)(API + path.format(id=home.public_id), **kwargs)

    assert_problem(response, 401, "not_authenticated")
    assert list(SavedAddress.objects.values()) == [before]
