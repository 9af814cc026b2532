"""The public listing page: what a customer sees of a service, who may see a
draft, and the preview a shared link gets."""

import re
from html import unescape

import pytest
from django.conf import settings
from django.urls import reverse

from doorstep.analytics.models import ListingViewDay
from doorstep.catalog import services
from doorstep.catalog.models import Listing, ListingAddOn, PricingModel
from doorstep.catalog.tests.images import image_upload
from doorstep.web.tests.test_page_hygiene import assert_no_inline_code
from tests.factories import SHANGHAI, TAIPEI, make_category, make_listing, make_provider

pytestmark = pytest.mark.django_db


@pytest.fixture
def category():
    return make_category(
        "deep-cleaning",
        name_en="Deep cleaning",
        name_zh_hans="深度清洁",
        name_zh_hant="深度清潔",
    )


@pytest.fixture
def listing(category) -> Listing:
    category.standard_en = "Kitchen degreased\n- Bathrooms descaled\nWindows inside"
    category.warranty_days = 7
    category.save()
    provider = make_provider(
        verified=True,
        display_name="Mei Chen",
        years_experience=6,
        languages=["zh-hans", "en"],
        bio="Ten years of spotless flats.",
    )
    provider.completed_jobs = 128
    provider.median_response_minutes = 25
    provider.save()
    listing = make_listing(
        provider=provider,
        category=category,
        title="Deep cleaning, two-bedroom flat",
        description="Top to bottom, <b>every</b> corner.",
        price=48000,
        duration_minutes=210,
        instant_book=True,
        at=(31.234567, 121.476543),
        radius_km=8,
        languages=["zh-hans", "en"],
    )
    ListingAddOn.objects.create(
        listing=listing, name="Inside the fridge", price_amount=5000, extra_minutes=30
    )
    ListingAddOn.objects.create(listing=listing, name="Balcony", price_amount=8000)
    return listing


def _page(client, listing: Listing):
    return client.get(reverse("catalog:listing", args=[listing.public_id]))


def _meta(html: str, key: str) -> str | None:
    found = re.search(
        rf'<meta (?:property|name)="{re.escape(key)}" content="([^"]*)">', html
    )
    return unescape(found.group(1)) if found else None


# --- What a customer sees -------------------------------------------------------------


def test_the_page_shows_the_service_its_price_and_add_ons(client, listing):
    response = _page(client, listing)

    assert response.status_code == 200
    html = unescape(response.content.decode())
    assert (
        '<h1 class="listing-head__title">Deep cleaning, two-bedroom flat</h1>' in html
    )
    assert "From <strong>CN¥480.00</strong>" in html
    assert "Fixed price" in html
    assert "About 3 h 30 min" in html
    assert "Inside the fridge" in html
    assert "+CN¥50.00" in html
    assert "+30 min" in html
    assert "Balcony" in html
    assert "Instant book" in html
    # the description is text, not markup
    assert "&lt;b&gt;every&lt;/b&gt;" in response.content.decode()


def test_an_hourly_listing_shows_its_minimum(client, category):
    listing = make_listing(
        category=category,
        pricing_model=PricingModel.HOURLY,
        price=6000,
        min_hours=3,
    )

    html = unescape(_page(client, listing).content.decode())

    assert "<strong>CN¥60.00</strong> / hour" in html
    assert "3 hours · CN¥180.00" in html


def test_a_quote_listing_explains_how_the_price_is_set(client, category):
    listing = make_listing(category=category, pricing_model=PricingModel.QUOTE)

    html = _page(client, listing).content.decode()

    assert "<strong>On quote</strong>" in html
    assert "the provider sends you a price" in html


def test_the_provider_card_builds_trust(client, listing):
    html = unescape(_page(client, listing).content.decode())

    card = re.search(r'<section class="card provider-card".*?</section>', html, re.S)
    card = card.group(0)
    assert "Mei Chen" in card
    assert '<span class="avatar avatar--large" aria-hidden="true">MC</span>' in card
    assert "ID verified" in card
    assert "128 jobs completed" in card
    assert "Usually responds within 25 min" in card
    assert "6 years of experience" in card
    assert "Speaks Simplified Chinese, English" in card
    assert "New" in card  # no reviews yet
    assert "Ten years of spotless flats." in card


def test_the_service_standard_and_warranty_are_listed(client, listing):
    html = unescape(_page(client, listing).content.decode())

    standard = re.search(r'<ul class="checklist">.*?</ul>', html, re.S).group(0)
    items = re.findall(r"<span>([^<]+)</span>", standard)
    assert items == ["Kitchen degreased", "Bathrooms descaled", "Windows inside"]
    assert "Covered by a 7-day warranty" in html


def test_the_area_map_is_drawn_around_a_rounded_base(client, listing):
    html = _page(client, listing).content.decode()

    area = re.search(r'<div class="map map--area"[^>]*>', html, re.S).group(0)
    assert 'data-map="area"' in area
    assert 'data-lat="31.23"' in area  # rounded to about a kilometre
    assert 'data-lng="121.48"' in area
    assert "31.2345" not in html
    assert "121.4765" not in html
    assert 'data-radius-km="8.0"' in area
    assert "vendor/leaflet/images/marker-icon.png" in area
    # Leaflet comes when the map is near the viewport, not with the page
    assert re.search(r'data-leaflet-js="[^"]*vendor/leaflet/leaflet\.js"', area)
    assert not re.search(r"<script[^>]*leaflet", html)
    assert "Comes to you within 8 km" in html


def test_the_listing_page_leads_to_booking(client, listing):
    html = _page(client, listing).content.decode()

    assert f'href="/book/{listing.public_id}/"' in html


def test_related_listings_are_the_same_category_nearby(client, listing, category):
    make_listing(category=category, title="Another deep clean", at=SHANGHAI)
    make_listing(category=category, title="Far away deep clean", at=TAIPEI)
    make_listing(title="Unrelated plumbing", at=SHANGHAI)

    html = _page(client, listing).content.decode()

    related = html.split('id="related-title"')[1]
    assert "Another deep clean" in related
    assert "Far away deep clean" not in related
    assert "Unrelated plumbing" not in related
    assert "Deep cleaning, two-bedroom flat" not in related


def test_photos_make_a_gallery(client, listing):
    for _ in range(2):
        services.add_listing_photo(
            actor=listing.provider.user,
            listing_id=listing.public_id,
            upload=image_upload(),
            alt_text="The kitchen after",
        )

    html = _page(client, listing).content.decode()

    assert "data-gallery-main" in html
    assert html.count("data-gallery-thumb") == 2
    assert 'alt="The kitchen after"' in html


def test_the_page_in_traditional_chinese(client, listing):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hant"

    html = _page(client, listing).content.decode()

    assert '<html lang="zh-hant"' in html
    assert "深度清潔" in html
    assert "CN¥480.00" in html


# --- Who may see it -------------------------------------------------------------------


@pytest.mark.parametrize("status", [Listing.Status.DRAFT, Listing.Status.PAUSED])
def test_an_unpublished_listing_is_not_found_by_others(
    client, django_user_model, listing, status
):
    listing.status = status
    listing.save()

    assert _page(client, listing).status_code == 404
    client.force_login(make_provider().user)
    assert _page(client, listing).status_code == 404


@pytest.mark.parametrize(
    ("status", "banner"),
    [
        (Listing.Status.DRAFT, "Draft — only you can see this."),
        (Listing.Status.PAUSED, "Paused — only you can see this."),
    ],
)
def test_the_owner_previews_an_unpublished_listing(client, listing, status, banner):
    listing.status = status
    listing.save()
    client.force_login(listing.provider.user)

    response = _page(client, listing)

    assert response.status_code == 200
    html = response.content.decode()
    assert banner in html
    assert _meta(html, "robots") == "noindex"


def test_a_published_listing_has_no_preview_banner(client, listing):
    client.force_login(listing.provider.user)

    html = _page(client, listing).content.decode()

    assert "only you can see this" not in html
    assert _meta(html, "robots") is None


def test_a_suspended_providers_listing_is_not_found(client, listing):
    listing.provider.status = listing.provider.Status.SUSPENDED
    listing.provider.save()

    assert _page(client, listing).status_code == 404


def test_an_unknown_listing_is_not_found(client):
    response = client.get(reverse("catalog:listing", args=["lst_nope"]))

    assert response.status_code == 404


# --- Share previews and hygiene -------------------------------------------------------


def test_share_links_get_open_graph_and_twitter_cards(client, listing):
    services.add_listing_photo(
        actor=listing.provider.user,
        listing_id=listing.public_id,
        upload=image_upload(size=(1200, 800)),
    )

    html = _page(client, listing).content.decode()

    url = f"http://testserver{reverse('catalog:listing', args=[listing.public_id])}"
    assert _meta(html, "og:title") == "Deep cleaning, two-bedroom flat"
    assert _meta(html, "og:description") == "Top to bottom, <b>every</b> corner."
    assert _meta(html, "og:url") == url
    assert f'<link rel="canonical" href="{url}">' in html
    # The drawn preview (title, rating, price and the first photo), 1200×630.
    image = _meta(html, "og:image")
    assert image == (f"http://testserver/share/listing/{listing.public_id}.png?lang=en")
    assert _meta(html, "og:image:width") == "1200"
    assert _meta(html, "og:locale") == "en_US"
    assert _meta(html, "twitter:card") == "summary_large_image"
    assert _meta(html, "twitter:image") == image


def test_without_a_photo_the_preview_is_still_drawn(client, listing):
    html = _page(client, listing).content.decode()

    assert _meta(html, "og:image").startswith("http://testserver/share/listing/")
    assert _meta(html, "twitter:card") == "summary_large_image"
    assert 'class="gallery__placeholder"' in html


def test_the_page_runs_under_the_content_security_policy(client, listing):
    response = _page(client, listing)

    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert_no_inline_code(response.content.decode())


def test_a_visitors_view_counts_for_the_providers_insights_and_the_owners_does_not(
    client, listing
):
    url = reverse("catalog:listing", args=[listing.public_id])
    client.get(url)
    client.get(url)
    client.force_login(listing.provider.user)
    client.get(url)

    assert list(ListingViewDay.objects.values_list("listing_id", "views")) == [
        (listing.pk, 2)
    ]
