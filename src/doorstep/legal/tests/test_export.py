""" "Download my data": the owner gets a zip of everything held about them, and
nobody else's data is in it."""

import io
import json
import zipfile
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from doorstep.accounts.models import SavedAddress
from doorstep.legal import services
from doorstep.legal.models import PolicyAcceptance
from doorstep.messaging.services import conversation_for_order, send_message
from doorstep.reviews.services import submit_review
from tests.factories import (
    make_category,
    make_completed_order,
    make_listing,
    make_provider,
    make_user,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _unzip(content: bytes) -> tuple[dict, list[str]]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        names = archive.namelist()
        return json.loads(archive.read("data.json")), names


@pytest.fixture
def history(policies):
    """A customer with an address, a photo, a completed order, a conversation,
    a review and an accepted policy; and another customer of the same provider."""
    provider = make_provider(display_name="Mei Chen")
    listing = make_listing(
        provider=provider, category=make_category("cleaning"), title="Deep clean"
    )
    customer = make_user(name="Cora Lin", email="cora@example.com")
    customer.photo = SimpleUploadedFile("cora.png", b"\x89PNG fake", "image/png")
    customer.save()
    SavedAddress.objects.create(
        user=customer,
        label="Home",
        address="88 Huaihai Road",
        latitude=31,
        longitude=121,
    )
    order = make_completed_order(listing=listing, customer=customer)
    conversation = conversation_for_order(order=order)
    send_message(sender=customer, conversation=conversation, body="Door code 4321")
    submit_review(order=order, author=customer, stars=5, text="Spotless!")
    services.accept_current_versions(user=customer, request=None, source="web")
    stranger = make_user(name="Sam Stranger", email="sam@example.com")
    other = make_completed_order(
        listing=listing, customer=stranger, starts_in=timedelta(days=5)
    )
    send_message(
        sender=stranger,
        conversation=conversation_for_order(order=other),
        body="Secret of someone else",
    )
    return {"customer": customer, "order": order, "provider": provider}


def test_the_owner_downloads_everything_from_the_settings_page(client, history):
    customer = history["customer"]
    client.force_login(customer)

    page = client.get(reverse("accounts:profile"))
    response = client.post(reverse("legal:export"))

    assert f'href="{reverse("legal:export")}"' in page.text
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert customer.public_id in response["Content-Disposition"]
    data, names = _unzip(response.content)
    assert data["account"]["email"] == "cora@example.com"
    assert data["account"]["name"] == "Cora Lin"
    assert data["account"]["photo"] in names
    assert data["addresses"][0]["address"] == "88 Huaihai Road"
    (order,) = data["orders"]
    assert order["id"] == history["order"].public_id
    assert order["role"] == "customer"
    assert order["receipt"]["total"]["amount"] == history["order"].total_amount
    assert [m["text"] for m in data["messages"]] == ["Door code 4321"]
    assert data["reviews"]["written"][0]["text"] == "Spotless!"
    assert {c["document"] for c in data["consents"]} == {"terms", "privacy"}
    assert "notifications" in data


def test_nobody_elses_data_is_in_the_export(client, history):
    client.force_login(history["customer"])

    content = client.post(reverse("legal:export")).content
    text = json.dumps(_unzip(content)[0], ensure_ascii=False)

    assert "Sam Stranger" not in text
    assert "sam@example.com" not in text
    assert "Secret of someone else" not in text


def test_the_provider_export_holds_their_side_and_reviews_received(client, history):
    provider = history["provider"]
    PolicyAcceptance.objects.bulk_create(
        PolicyAcceptance(user=provider.user, version=version, source="web")
        for version in services.queries.current_versions()
    )
    client.force_login(provider.user)

    data, _names = _unzip(client.post(reverse("legal:export")).content)

    assert data["provider"]["display_name"] == "Mei Chen"
    assert {o["role"] for o in data["orders"]} == {"provider"}
    assert len(data["orders"]) == 2
    # the customers' card payments are theirs, not the provider's
    assert all(o["payments"] == [] for o in data["orders"])


def test_the_api_export_is_the_callers_own(client, history):
    client.force_login(history["customer"])

    response = client.get("/api/v1/me/export")

    assert response.status_code == 200
    data, _names = _unzip(response.content)
    assert data["account"]["id"] == history["customer"].public_id


def test_the_export_needs_a_signed_in_owner(client):
    api = client.get("/api/v1/me/export")
    web = client.post(reverse("legal:export"))

    assert api.status_code == 401
    assert web.status_code == 302
    assert web["Location"].startswith(reverse("account_login"))


def test_the_export_page_is_open_even_before_accepting_new_terms(client, policies):
    client.force_login(make_user())

    page = client.get(reverse("legal:export"))
    download = client.post(reverse("legal:export"))

    assert page.status_code == 200
    assert download.status_code == 200
