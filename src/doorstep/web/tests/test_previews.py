"""The pictures shared links show, and the OpenGraph tags that point to them:
public pages only, absolute URLs, cached by content."""

import io
import itertools
from datetime import timedelta

import pytest
from django.urls import reverse
from PIL import Image

from doorstep.accounts.models import ProviderProfile
from doorstep.catalog.models import Listing
from doorstep.reviews import services
from doorstep.reviews.models import Review
from tests.factories import (
    make_category,
    make_completed_order,
    make_listing,
    make_provider,
    make_user,
)

pytestmark = pytest.mark.django_db

_slot = itertools.count(1)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def listing() -> Listing:
    return make_listing(
        provider=make_provider(display_name="王阿姨"),
        category=make_category("deep-cleaning"),
        title="深度保洁 Deep clean",
    )


def _review(listing: Listing, *, public: bool = True) -> Review:
    order = make_completed_order(
        listing=listing,
        customer=make_user(name="Cora Lin"),
        starts_in=timedelta(days=2, hours=3 * next(_slot)),
    )
    review = services.submit_review(
        order=order, author=order.customer, stars=5, text="非常干净 Spotless"
    )
    if public:
        Review.objects.filter(pk=review.pk).update(revealed_at=review.created_at)
        review.refresh_from_db()
    return review


def _png(response) -> Image.Image:
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(response.content))
    assert image.size == (1200, 630)
    return image


def test_public_listing_provider_and_review_have_pictures(client, listing):
    review = _review(listing)

    for name, public_id in (
        ("web:share_listing", listing.public_id),
        ("web:share_provider", listing.provider.public_id),
        ("web:share_review", review.public_id),
    ):
        response = client.get(reverse(name, args=[public_id]), {"lang": "zh-hans"})
        _png(response)
        assert response["Cache-Control"] == "public, max-age=3600"
        assert response["ETag"].startswith('"')


def test_what_is_not_public_has_no_picture(client, listing):
    draft = make_listing(provider=listing.provider, status=Listing.Status.DRAFT)
    blind = _review(listing, public=False)
    hidden = _review(listing)
    Review.objects.filter(pk=hidden.pk).update(hidden_at=hidden.created_at)
    suspended = make_provider(status=ProviderProfile.Status.SUSPENDED)
    of_suspended = make_listing(provider=suspended)

    for name, public_id in (
        ("web:share_listing", draft.public_id),
        ("web:share_listing", of_suspended.public_id),
        ("web:share_listing", "lst_nope"),
        ("web:share_provider", suspended.public_id),
        ("web:share_review", blind.public_id),
        ("web:share_review", hidden.public_id),
    ):
        assert client.get(reverse(name, args=[public_id])).status_code == 404, name


def test_a_picture_is_not_sent_again_while_unchanged(client, listing):
    url = reverse("web:share_listing", args=[listing.public_id])
    first = client.get(url)

    again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])

    assert again.status_code == 304
    assert again["ETag"] == first["ETag"]
    Listing.objects.filter(pk=listing.pk).update(title="Deep clean, now with oven")
    changed = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200
    assert changed["ETag"] != first["ETag"]


def test_each_language_draws_its_own_picture(client, listing):
    url = reverse("web:share_listing", args=[listing.public_id])

    english = client.get(url, {"lang": "en"})
    chinese = client.get(url, {"lang": "zh-hans"})

    assert english["ETag"] != chinese["ETag"]


def _meta(page: str, prop: str) -> str:
    marker = f'property="{prop}" content="'
    start = page.index(marker) + len(marker)
    return page[start : page.index('"', start)]


def test_the_listing_page_points_to_its_picture(client, listing):
    page = client.get(reverse("catalog:listing", args=[listing.public_id])).content
    page = page.decode()

    image = _meta(page, "og:image").replace("&amp;", "&")
    assert image == (f"http://testserver/share/listing/{listing.public_id}.png?lang=en")
    assert _meta(page, "og:url").startswith("http://testserver/")
    assert _meta(page, "og:locale") == "en_US"
    assert client.get(image.removeprefix("http://testserver")).status_code == 200
    assert "data-share-copy" in page


def test_the_provider_page_has_its_preview_and_share_buttons(client, listing):
    provider = listing.provider

    page = client.get(
        reverse("reviews:provider", args=[provider.public_id]),
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    ).content.decode()

    assert _meta(page, "og:title") == "王阿姨"
    assert _meta(page, "og:type") == "website"
    assert _meta(page, "og:locale") == "zh_CN"
    assert _meta(page, "og:url") == (
        f"http://testserver/providers/{provider.public_id}/"
    )
    assert _meta(page, "og:image") == (
        f"http://testserver/share/provider/{provider.public_id}.png?lang=zh-hans"
    )
    assert 'name="twitter:card" content="summary_large_image"' in page
    assert "data-share-copy" in page
