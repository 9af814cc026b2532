"""The catalogue API: a provider's listings with add-ons and photos, and the
public view of one listing. Every object endpoint is tried as the wrong user."""

import pytest

from doorstep.api.testing import API, JSON, assert_problem, bearer
from doorstep.catalog import services
from doorstep.catalog.models import Listing
from doorstep.catalog.tests.conftest import new_listing
from doorstep.catalog.tests.images import image_upload, upload

pytestmark = pytest.mark.django_db

LISTING = {
    "category": "deep-cleaning",
    "title": "Deep cleaning, 2-bedroom flat",
    "description": "Inside cupboards, appliances and tile grout.",
    "pricing_model": "fixed",
    "price": {"amount": 48000, "currency": "CNY"},
    "duration_minutes": 240,
    "instant_book": True,
}


@pytest.fixture
def as_owner(owner) -> dict[str, str]:
    return bearer(owner)


@pytest.fixture
def as_stranger(stranger) -> dict[str, str]:
    return bearer(stranger)


# --- Creating and reading -----------------------------------------------------------


def test_a_provider_adds_a_draft(client, deep_cleaning, provider, as_owner):
    response = client.post(API + "/me/listings", LISTING, content_type=JSON, **as_owner)

    assert response.status_code == 201, response.content
    body = response.json()
    listing = Listing.objects.get()
    assert body["id"] == listing.public_id
    assert body["status"] == "draft"
    assert body["price"] == {"amount": 48000, "currency": "CNY"}
    assert body["currency"] == "CNY"
    assert body["category"] == {
        "id": deep_cleaning.public_id,
        "slug": "deep-cleaning",
        "name": deep_cleaning.name_en,
    }
    assert body["latitude"] == provider.latitude
    assert body["service_radius_km"] == 7.5
    assert body["languages"] == ["zh-hans", "en"]
    assert body["add_ons"] == body["photos"] == []
    assert body["rating"] == {"count": 0, "mean": None}
    assert body["published_at"] is None
    assert "h3_cell" not in body
    assert "provider" not in body


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"price": None}, "price_required", "price"),
        ({"pricing_model": "quote", "price": None}, "price_required", "currency"),
        ({"price": None, "currency": "USD"}, "price_required", "price"),
        ({"currency": "USD"}, "currency_mismatch", "currency"),
        ({"category": "no-such-thing"}, "invalid_listing", "category"),
        ({"category": "home-cleaning"}, "invalid_listing", "category"),
        ({"latitude": 31.2}, "invalid_listing", "longitude"),
    ],
)
def test_well_formed_fields_that_break_a_catalogue_rule_are_a_422(
    client, deep_cleaning, as_owner, change, code, field
):
    # given fields each well formed, which together (or with the categories on
    # offer) a rule refuses
    response = client.post(
        API + "/me/listings", {**LISTING, **change}, content_type=JSON, **as_owner
    )

    body = assert_problem(response, 422, code)
    assert list(body["errors"]) == [field]
    assert not Listing.objects.exists()


def test_a_service_on_quote_gives_only_a_currency(client, deep_cleaning, as_owner):
    payload = {
        **LISTING,
        "pricing_model": "quote",
        "price": None,
        "currency": "twd",
    }

    response = client.post(API + "/me/listings", payload, content_type=JSON, **as_owner)

    assert response.status_code == 201, response.content
    assert response.json()["price"] is None
    assert response.json()["currency"] == "TWD"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"price": {"amount": -1, "currency": "CNY"}}, "price.amount"),
        ({"price": {"amount": 10**12, "currency": "CNY"}}, "price.amount"),
        ({"price": {"amount": 12.5, "currency": "CNY"}}, "price.amount"),
        ({"price": {"amount": 100, "currency": "XXY"}}, "price.currency"),
        ({"price": 480}, "price"),
        ({"service_radius_km": "7.5"}, "service_radius_km"),
        ({"instant_book": 1}, "instant_book"),
        ({"title": "  "}, "title"),
        ({"title": "x" * 121}, "title"),
        ({"pricing_model": "per-sqm"}, "pricing_model"),
        ({"duration_minutes": 5}, "duration_minutes"),
        ({"service_radius_km": 0}, "service_radius_km"),
        ({"service_radius_km": 1e9}, "service_radius_km"),
        ({"latitude": 91, "longitude": 0}, "latitude"),
        ({"languages": ["klingon"]}, "languages.0"),
        ({"status": "published"}, "status"),
    ],
)
def test_bad_input_is_a_400_problem_naming_the_field(
    client, deep_cleaning, as_owner, change, field
):
    response = client.post(
        API + "/me/listings", {**LISTING, **change}, content_type=JSON, **as_owner
    )

    body = assert_problem(response, 400)
    assert field in body["errors"], body
    assert not Listing.objects.exists()


def test_only_providers_have_listings(client, customer, deep_cleaning):
    headers = bearer(customer)

    response = client.post(API + "/me/listings", LISTING, content_type=JSON, **headers)

    assert_problem(response, 404, "not_a_provider")
    assert client.get(API + "/me/listings", **headers).json()["items"] == []


def test_signing_in_is_required(client):
    assert_problem(client.get(API + "/me/listings"), 401, "not_authenticated")
    assert_problem(client.post(API + "/me/listings", LISTING, content_type=JSON), 401)


def test_my_listings_are_paged_and_filtered_by_status(
    client, provider, deep_cleaning, owner, as_owner, stranger
):
    mine = [new_listing(provider, deep_cleaning, title=f"Job {n}") for n in range(3)]
    services.publish_listing(actor=owner, listing_id=mine[0].public_id)
    new_listing(stranger.provider_profile, deep_cleaning, title="Not mine")

    first = client.get(API + "/me/listings?limit=2", **as_owner).json()
    second = client.get(
        API + f"/me/listings?limit=2&cursor={first['next']}", **as_owner
    ).json()
    published = client.get(API + "/me/listings?status=published", **as_owner).json()

    titles = [item["title"] for item in first["items"] + second["items"]]
    assert sorted(titles) == ["Job 0", "Job 1", "Job 2"]
    assert second["next"] is None
    assert [item["id"] for item in published["items"]] == [mine[0].public_id]
    assert_problem(client.get(API + "/me/listings?status=gone", **as_owner), 400)


def test_the_owner_reads_changes_and_deletes_a_listing(client, draft, as_owner):
    url = f"{API}/me/listings/{draft.public_id}"

    assert client.get(url, **as_owner).json()["title"] == draft.title
    changed = client.patch(
        url,
        {"title": "Deep clean", "price": {"amount": 50000, "currency": "CNY"}},
        content_type=JSON,
        **as_owner,
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["title"] == "Deep clean"
    assert changed.json()["price"]["amount"] == 50000
    assert client.delete(url, **as_owner).status_code == 204
    assert_problem(client.get(url, **as_owner), 404, "listing_not_found")


def test_patch_refuses_null_and_unknown_fields(client, draft, as_owner):
    url = f"{API}/me/listings/{draft.public_id}"

    body = assert_problem(
        client.patch(
            url, {"title": None, "rating_mean": 5}, content_type=JSON, **as_owner
        ),
        400,
    )

    assert {"title", "rating_mean"} <= body["errors"].keys()
    draft.refresh_from_db()
    assert draft.title == "Deep cleaning, 2-bedroom flat"


def test_publish_and_pause(client, draft, as_owner):
    url = f"{API}/me/listings/{draft.public_id}"

    published = client.post(url + "/publish", **as_owner)
    paused = client.post(url + "/pause", **as_owner)
    drafted = client.post(url + "/unpublish", **as_owner)

    assert published.json()["status"] == "published"
    assert published.json()["published_at"]
    assert paused.json()["status"] == "paused"
    assert drafted.json()["status"] == "draft"
    assert_problem(client.post(url + "/pause", **as_owner), 409, "not_published")


def test_a_refused_publication_explains_by_field(client, draft, as_owner, cleaning):
    cleaning.is_active = False
    cleaning.save()

    response = client.post(f"{API}/me/listings/{draft.public_id}/publish", **as_owner)

    body = assert_problem(response, 422, "cannot_publish")
    assert list(body["errors"]) == ["category"]


def test_a_published_listing_cannot_be_deleted(client, published, as_owner):
    response = client.delete(f"{API}/me/listings/{published.public_id}", **as_owner)

    assert_problem(response, 409, "listing_published")


# --- Add-ons and photos -------------------------------------------------------------


def test_add_ons_through_the_api(client, draft, as_owner):
    url = f"{API}/me/listings/{draft.public_id}/add-ons"

    created = client.post(
        url,
        {"name": "Inside the fridge", "price": {"amount": 3000, "currency": "CNY"}},
        content_type=JSON,
        **as_owner,
    )
    assert created.status_code == 201, created.content
    add_on = created.json()
    assert add_on["price"] == {"amount": 3000, "currency": "CNY"}
    assert add_on["id"].startswith("add_")
    changed = client.patch(
        f"{url}/{add_on['id']}", {"extra_minutes": 30}, content_type=JSON, **as_owner
    )
    assert changed.json()["extra_minutes"] == 30
    listing = client.get(f"{API}/me/listings/{draft.public_id}", **as_owner).json()
    assert [item["name"] for item in listing["add_ons"]] == ["Inside the fridge"]
    assert client.delete(f"{url}/{add_on['id']}", **as_owner).status_code == 204
    assert_problem(client.delete(f"{url}/{add_on['id']}", **as_owner), 404)


def test_an_add_on_in_another_currency_is_refused(client, draft, as_owner):
    response = client.post(
        f"{API}/me/listings/{draft.public_id}/add-ons",
        {"name": "Fridge", "price": {"amount": 500, "currency": "USD"}},
        content_type=JSON,
        **as_owner,
    )

    assert "price" in assert_problem(response, 400)["errors"]


def test_photos_are_uploaded_reordered_and_removed(client, draft, as_owner):
    url = f"{API}/me/listings/{draft.public_id}/photos"

    first = client.post(
        url,
        {"photo": image_upload("JPEG", (2000, 1000)), "alt_text": "Kitchen"},
        **as_owner,
    )
    second = client.post(url, {"photo": image_upload("PNG")}, **as_owner)

    assert first.status_code == 201, first.content
    photo = first.json()
    assert (photo["width"], photo["height"]) == (1600, 800)
    assert photo["url"].endswith(".webp")
    assert photo["thumbnail_url"].endswith("-thumb.webp")
    assert photo["alt_text"] == "Kitchen"
    order = [second.json()["id"], photo["id"]]
    reordered = client.put(
        url + "/order", {"ids": order}, content_type=JSON, **as_owner
    )
    assert [item["id"] for item in reordered.json()] == order
    assert client.delete(f"{url}/{photo['id']}", **as_owner).status_code == 204
    assert draft.photos.count() == 1


def test_a_fake_image_is_a_400_on_the_photo_field(client, draft, as_owner):
    response = client.post(
        f"{API}/me/listings/{draft.public_id}/photos",
        {"photo": upload(b"<?php echo 'hi'; ?>", "shell.jpg")},
        **as_owner,
    )

    body = assert_problem(response, 400, "invalid_photo")
    assert list(body["errors"]) == ["photo"]


def test_a_photo_is_required(client, draft, as_owner):
    response = client.post(
        f"{API}/me/listings/{draft.public_id}/photos", {}, **as_owner
    )

    assert "photo" in assert_problem(response, 400)["errors"]


# --- The wrong user -----------------------------------------------------------------


def _object_requests(listing: Listing) -> list[tuple[str, str, dict]]:
    base = f"{API}/me/listings/{listing.public_id}"
    add_on = listing.add_ons.get().public_id
    photo = listing.photos.get().public_id
    return [
        ("get", base, {}),
        ("patch", base, {"data": {"title": "Hijacked"}, "content_type": JSON}),
        ("delete", base, {}),
        ("post", base + "/publish", {}),
        ("post", base + "/pause", {}),
        ("post", base + "/unpublish", {}),
        (
            "post",
            base + "/add-ons",
            {
                "data": {"name": "X", "price": {"amount": 1, "currency": "CNY"}},
                "content_type": JSON,
            },
        ),
        (
            "patch",
            f"{base}/add-ons/{add_on}",
            {"data": {"name": "X"}, "content_type": JSON},
        ),
        ("delete", f"{base}/add-ons/{add_on}", {}),
        ("post", base + "/photos", {"data": {"photo": image_upload()}}),
        (
            "put",
            base + "/photos/order",
            {"data": {"ids": [photo]}, "content_type": JSON},
        ),
        ("delete", f"{base}/photos/{photo}", {}),
    ]


@pytest.fixture
def furnished(published, owner) -> Listing:
    services.add_listing_add_on(
        actor=owner, listing_id=published.public_id, name="Fridge", price_amount=3000
    )
    services.add_listing_photo(
        actor=owner, listing_id=published.public_id, upload=image_upload()
    )
    return published


def test_every_object_endpoint_answers_404_to_someone_else(
    client, furnished, as_stranger
):
    for method, url, options in _object_requests(furnished):
        response = getattr(client, method)(url, **options, **as_stranger)
        body = assert_problem(response, 404)
        assert body["code"] == "listing_not_found", (method, url)

    furnished.refresh_from_db()
    assert furnished.title == "Deep cleaning, 2-bedroom flat"
    assert furnished.status == Listing.Status.PUBLISHED
    assert furnished.add_ons.count() == furnished.photos.count() == 1


def test_the_session_needs_a_csrf_token_for_changes(draft, owner):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(owner)

    response = browser.post(f"{API}/me/listings/{draft.public_id}/publish")

    assert_problem(response, 403, "csrf_failed")


# --- The public view ----------------------------------------------------------------


def test_anyone_sees_a_published_listing_without_the_exact_base(
    client, furnished, provider
):
    response = client.get(f"{API}/listings/{furnished.public_id}")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["title"] == furnished.title
    assert body["price"] == {"amount": 48000, "currency": "CNY"}
    assert body["area"] == {
        "latitude": round(provider.latitude, 2),
        "longitude": round(provider.longitude, 2),
        "radius_km": 7.5,
    }
    assert "latitude" not in body
    assert body["provider"]["id"] == provider.public_id
    assert body["provider"]["display_name"] == "Ann's Cleaning"
    assert body["provider"]["verified"] is False
    assert len(body["add_ons"]) == len(body["photos"]) == 1


def test_drafts_are_invisible_to_everyone_but_the_owner(
    client, draft, owner, as_owner, as_stranger
):
    url = f"{API}/listings/{draft.public_id}"

    assert_problem(client.get(url), 404, "listing_not_found")
    assert_problem(client.get(url, **as_stranger), 404, "listing_not_found")
    assert client.get(url, **as_owner).json()["status"] == "draft"
    client.force_login(owner)
    assert client.get(url).status_code == 200


def test_a_suspended_providers_listing_is_hidden(client, published, provider):
    provider.status = provider.Status.SUSPENDED
    provider.save()

    assert_problem(client.get(f"{API}/listings/{published.public_id}"), 404)


def test_deleting_a_booked_listing_answers_like_any_delete(client, published, as_owner):
    from tests.factories import make_order

    make_order(listing=published)
    url = f"{API}/me/listings/{published.public_id}"
    client.post(f"{url}/pause", **as_owner)

    assert client.delete(url, **as_owner).status_code == 204

    assert_problem(client.get(url, **as_owner), 404, "listing_not_found")
    listed = client.get(f"{API}/me/listings", **as_owner).json()["items"]
    assert published.public_id not in {item["id"] for item in listed}
