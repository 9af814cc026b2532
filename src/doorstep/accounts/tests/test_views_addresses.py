"""Saved addresses on the web: list, add (map pin or typed coordinates), rename,
make default, delete — through the same services as the API, and never on
someone else's address."""

import pytest
from django.urls import reverse

from doorstep.accounts import services
from doorstep.accounts.models import SavedAddress
from tests.factories import make_user

pytestmark = pytest.mark.django_db

LIST = "accounts:addresses"


@pytest.fixture
def cora():
    return make_user(name="Cora")


def _add(user, label, **overrides):
    values = {
        "user": user,
        "label": label,
        "address": f"{label} street 1",
        "latitude": 31.23,
        "longitude": 121.47,
    }
    values.update(overrides)
    return services.add_address(**values)


def _rows(user):
    return list(
        SavedAddress.objects.filter(user=user)
        .order_by("pk")
        .values_list("label", "address", "latitude", "longitude", "is_default")
    )


def test_the_page_lists_the_addresses_with_the_default_first(client, cora):
    _add(cora, "Office")
    _add(cora, "Home", is_default=True)
    client.force_login(cora)

    html = client.get(reverse(LIST)).content.decode()

    assert html.index("Home street 1") < html.index("Office street 1")
    assert "Default" in html


def test_adding_an_address_with_typed_coordinates(client, cora):
    client.force_login(cora)

    response = client.post(
        reverse(LIST),
        {
            "label": "Home",
            "address": "88 Huaihai Road",
            "latitude": "31.2304",
            "longitude": "121.4737",
        },
    )

    assert response.status_code == 302
    assert _rows(cora) == [("Home", "88 Huaihai Road", 31.2304, 121.4737, True)]


@pytest.mark.parametrize(
    ("field", "value"),
    [("latitude", "91"), ("longitude", "east"), ("label", ""), ("address", "")],
)
def test_bad_input_shows_beside_the_field_and_saves_nothing(client, cora, field, value):
    client.force_login(cora)
    data = {
        "label": "Home",
        "address": "88 Huaihai Road",
        "latitude": "31.2304",
        "longitude": "121.4737",
        field: value,
    }

    response = client.post(reverse(LIST), data)

    assert response.status_code == 400
    assert f'id="id_{field}"' in response.content.decode()
    assert 'aria-invalid="true"' in response.content.decode()
    assert _rows(cora) == []


def test_rename_and_make_default(client, cora):
    _add(cora, "Home")
    office = _add(cora, "Office")
    client.force_login(cora)

    client.post(
        reverse("accounts:address_edit", args=[office.public_id]),
        {
            "label": "Studio",
            "address": office.address,
            "latitude": "31.2",
            "longitude": "121.5",
        },
    )
    client.post(reverse("accounts:address_default", args=[office.public_id]))

    assert _rows(cora) == [
        ("Home", "Home street 1", 31.23, 121.47, False),
        ("Studio", "Office street 1", 31.2, 121.5, True),
    ]


def test_deleting_the_default_passes_it_on(client, cora):
    home = _add(cora, "Home")
    _add(cora, "Office")
    client.force_login(cora)

    response = client.post(reverse("accounts:address_delete", args=[home.public_id]))

    assert response.status_code == 302
    assert _rows(cora) == [("Office", "Office street 1", 31.23, 121.47, True)]


def test_someone_elses_address_is_not_found_and_unchanged(client, cora):
    home = _add(cora, "Home")
    before = _rows(cora)
    client.force_login(make_user())

    answers = [
        client.get(reverse("accounts:address_edit", args=[home.public_id])),
        client.post(
            reverse("accounts:address_edit", args=[home.public_id]),
            {"label": "Mine", "address": "x", "latitude": "1", "longitude": "1"},
        ),
        client.post(reverse("accounts:address_default", args=[home.public_id])),
        client.post(reverse("accounts:address_delete", args=[home.public_id])),
    ]

    assert [answer.status_code for answer in answers] == [404, 404, 404, 404]
    assert _rows(cora) == before


def test_the_page_needs_a_signed_in_person(client):
    response = client.get(reverse(LIST))
    assert response.status_code == 302
