"""The messaging API: conversations, messages (JSON and multipart), read receipts,
the unread count; problems for bad input; 404 for anyone but the two parties."""

import pytest

from doorstep.api.testing import API, JSON, assert_problem, bearer
from doorstep.catalog.tests.images import image_upload, upload
from doorstep.messaging import services
from doorstep.messaging.masking import MASK

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_customer(customer) -> dict[str, str]:
    return bearer(customer)


@pytest.fixture
def as_provider(provider_user) -> dict[str, str]:
    return bearer(provider_user)


@pytest.fixture
def as_stranger(stranger) -> dict[str, str]:
    return bearer(stranger)


def test_a_customer_asks_a_provider_and_the_provider_answers(
    client, listing, as_customer, as_provider
):
    # given an inquiry opened on a listing
    opened = client.post(
        API + "/conversations",
        {"listing_id": listing.public_id},
        content_type=JSON,
        **as_customer,
    )
    assert opened.status_code == 200, opened.content
    conversation = opened.json()
    assert conversation["listing_id"] == listing.public_id
    assert conversation["contact_allowed"] is False
    url = f"{API}/conversations/{conversation['id']}"

    # when the customer writes, once with a phone number
    sent = client.post(
        url + "/messages", {"body": "Is Saturday ok?"}, content_type=JSON, **as_customer
    )
    masked = client.post(
        url + "/messages",
        {"body": "call me 13800138000"},
        content_type=JSON,
        **as_customer,
    )

    # then the provider sees two unread messages, the number hidden
    assert sent.status_code == 201, sent.content
    assert sent.json()["masked"] is False
    assert sent.json()["reason"] == ""
    assert masked.json()["masked"] is True
    assert masked.json()["masked_kinds"] == ["phone"]
    assert masked.json()["reason"]
    assert masked.json()["body"] == f"call me {MASK}"
    unread = client.get(API + "/me/unread-count", **as_provider)
    assert unread.json() == {"count": 2}
    listed = client.get(API + "/conversations", **as_provider).json()
    assert [c["unread"] for c in listed["items"]] == [2]
    messages = client.get(url + "/messages?limit=1", **as_provider).json()
    assert messages["items"][0]["body"] == f"call me {MASK}"
    assert messages["next"]
    assert "original_body" not in messages["items"][0]

    # and after reading, none
    read = client.post(url + "/read", **as_provider)
    assert read.status_code == 200
    assert read.json()["last_read_message_id"] == masked.json()["id"]
    assert client.get(API + "/me/unread-count", **as_provider).json() == {"count": 0}


def test_a_photo_is_sent_as_multipart(client, inquiry, as_customer):
    response = client.post(
        f"{API}/conversations/{inquiry.public_id}/messages",
        {"body": "The stain", "attachment": image_upload()},
        **as_customer,
    )

    assert response.status_code == 201, response.content
    attachment = response.json()["attachment"]
    assert attachment["url"].endswith(".webp")
    assert attachment["width"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [({"body": ""}, "body"), ({"body": "x" * 2001}, "body"), ({"text": "hi"}, "text")],
)
def test_bad_messages_are_problems(client, inquiry, as_customer, payload, field):
    response = client.post(
        f"{API}/conversations/{inquiry.public_id}/messages",
        payload,
        content_type=JSON,
        **as_customer,
    )

    body = assert_problem(response, 400)
    assert field in body["errors"]


def test_a_bad_image_is_a_problem(client, inquiry, as_customer):
    response = client.post(
        f"{API}/conversations/{inquiry.public_id}/messages",
        {"attachment": upload(b"GIF89a nope", "x.gif", "image/gif")},
        **as_customer,
    )

    body = assert_problem(response, 400)
    assert "attachment" in body["errors"]


def test_a_stranger_gets_404_everywhere(client, inquiry, customer, as_stranger):
    services.send_message(sender=customer, conversation=inquiry, body="Hello")
    url = f"{API}/conversations/{inquiry.public_id}"

    for response in (
        client.get(url, **as_stranger),
        client.get(url + "/messages", **as_stranger),
        client.post(
            url + "/messages", {"body": "hi"}, content_type=JSON, **as_stranger
        ),
        client.post(url + "/read", **as_stranger),
    ):
        assert_problem(response, 404, "conversation_not_found")
    assert client.get(API + "/conversations", **as_stranger).json()["items"] == []
    assert client.get(API + "/me/unread-count", **as_stranger).json() == {"count": 0}


def test_signing_in_is_required(client, inquiry):
    assert_problem(client.get(API + "/conversations"), 401)
    assert_problem(client.get(API + "/me/unread-count"), 401)
