"""The cached category tree: no query once cached, an ETag a client can send
back for a 304, and a change to a category seen at once."""

import pytest

from doorstep.api.testing import API
from tests.factories import make_category

pytestmark = pytest.mark.django_db

CATEGORIES = f"{API}/categories"


def test_the_tree_is_read_once_then_served_from_the_cache(
    client, django_assert_max_num_queries
):
    make_category("repairs", name_en="Repairs")
    first = client.get(CATEGORIES)

    with django_assert_max_num_queries(0):
        again = client.get(CATEGORIES)

    assert again.content == first.content
    assert [node["slug"] for node in again.json()] == ["repairs"]


def test_a_client_with_the_current_etag_gets_a_304(client):
    make_category("repairs", name_en="Repairs", name_zh_hant="維修")
    etag = client.get(CATEGORIES)["ETag"]

    response = client.get(CATEGORIES, HTTP_IF_NONE_MATCH=etag)
    chinese = client.get(
        CATEGORIES, HTTP_IF_NONE_MATCH=etag, HTTP_ACCEPT_LANGUAGE="zh-hant"
    )

    assert response.status_code == 304
    assert response.content == b""
    assert chinese.status_code == 200  # another language, another body


def test_renaming_or_adding_a_category_shows_at_once(client):
    repairs = make_category("repairs", name_en="Repairs")
    etag = client.get(CATEGORIES)["ETag"]

    repairs.name_en = "Fixing things"
    repairs.save()
    make_category("cleaning", name_en="Cleaning")
    response = client.get(CATEGORIES, HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == 200
    assert response["ETag"] != etag
    assert {node["name"] for node in response.json()} == {"Fixing things", "Cleaning"}
