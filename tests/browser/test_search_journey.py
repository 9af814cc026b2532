"""A customer looks for a deep clean near Shanghai: searches from the home page,
narrows by price (the results change in place and the address bar follows), opens
a service and sees where the provider works — in a real Chromium, against a live
server, with no map tiles (there is no internet here, and the page must not mind).
"""

import re
from datetime import timedelta
from io import BytesIO
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw
from playwright.sync_api import Browser, Page, Route, expect

from doorstep.catalog import services
from doorstep.catalog.models import Category, PricingModel
from tests.factories import SHANGHAI, TAIPEI, make_category, make_listing, make_provider

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TILES = re.compile(r"tile\.openstreetmap\.org")


def _north_of_shanghai(km: float) -> tuple[float, float]:
    return (SHANGHAI[0] + km / 111.2, SHANGHAI[1] + km / 200)


def _photo(wall: str, floor: str) -> SimpleUploadedFile:
    """A small picture of a clean room: wall, floor, window and a plant."""
    image = Image.new("RGB", (1200, 800), wall)
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 560, 1200, 800], fill=floor)
    draw.rectangle([700, 120, 1020, 420], fill="#e0f2fe", outline="#ffffff", width=14)
    draw.line([860, 120, 860, 420], fill="#ffffff", width=10)
    draw.rectangle([160, 430, 520, 600], fill="#f8fafc", outline="#cbd5e1", width=6)
    draw.ellipse([560, 380, 660, 480], fill="#15803d")
    draw.rectangle([590, 470, 630, 580], fill="#92400e")
    buffer = BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return SimpleUploadedFile("room.jpg", buffer.getvalue(), content_type="image/jpeg")


def _seed() -> dict[str, object]:
    cleaning = make_category(
        "cleaning", name_en="Cleaning", name_zh_hans="清洁", name_zh_hant="清潔"
    )
    deep = make_category(
        "deep-cleaning",
        parent=cleaning,
        name_en="Deep cleaning",
        name_zh_hans="深度清洁",
        name_zh_hant="深度清潔",
    )
    Category.objects.filter(pk=deep.pk).update(
        standard_en="Kitchen degreased, inside and out\nBathrooms descaled\n"
        "Floors vacuumed and mopped\nWindows cleaned inside",
        warranty_days=7,
    )
    repairs = make_category("repairs", name_en="Repairs", name_zh_hans="维修")

    mei = make_provider(
        verified=True,
        display_name="Mei Chen",
        years_experience=6,
        languages=["zh-hans", "en"],
        bio="Six years of spotless flats in Xuhui and Jing'an.",
    )
    mei.completed_jobs = 214
    mei.median_response_minutes = 18
    mei.save()
    small = make_listing(
        provider=mei,
        category=deep,
        title="Deep cleaning, one-bedroom flat",
        description="Top to bottom in about three hours: kitchen, bathroom, floors.",
        price=19900,
        at=_north_of_shanghai(1.2),
        instant_book=True,
        duration_minutes=180,
        rating_mean=4.9,
        rating_count=87,
        radius_km=8,
        languages=["zh-hans", "en"],
    )
    for name, price, minutes in (("Inside the fridge", 5000, 30), ("Balcony", 8000, 0)):
        services.add_listing_add_on(
            actor=mei.user,
            listing_id=small.public_id,
            name=name,
            price_amount=price,
            extra_minutes=minutes,
        )
    for wall, floor in (("#f1f5f9", "#d6b98c"), ("#fef3c7", "#a8a29e")):
        services.add_listing_photo(
            actor=mei.user,
            listing_id=small.public_id,
            upload=_photo(wall, floor),
            alt_text="A freshly cleaned living room",
        )
    make_listing(
        category=deep,
        title="Deep cleaning, three-bedroom home",
        price=48000,
        at=_north_of_shanghai(3.5),
        rating_mean=4.6,
        rating_count=31,
    )
    make_listing(
        category=deep,
        title="Deep cleaning, whole villa",
        price=150000,
        at=_north_of_shanghai(-4),
        promoted_until=timezone.now() + timedelta(days=7),
    )
    make_listing(
        provider=make_provider(verified=True, display_name="王阿姨"),
        category=deep,
        title="家庭深度保洁（两室一厅）",
        price=26000,
        at=_north_of_shanghai(-1.5),
        rating_mean=4.8,
        rating_count=52,
    )
    make_listing(
        category=cleaning,
        title="Regular cleaning by the hour",
        price=6000,
        pricing_model=PricingModel.HOURLY,
        at=_north_of_shanghai(0.6),
    )
    make_listing(
        category=repairs,
        title="Air-conditioner repair",
        pricing_model=PricingModel.QUOTE,
        at=_north_of_shanghai(2),
    )
    make_listing(category=deep, title="Deep cleaning in Taipei", at=TAIPEI)
    return {"small": small}


def _serve_media(page: Page, media_root: Path) -> None:
    """The live server does not serve uploads (that is the web server's job in
    production), so the browser gets them straight from the media folder."""

    def fulfil(route: Route) -> None:
        relative = unquote(urlsplit(route.request.url).path).split("/media/", 1)[1]
        file = media_root / relative
        if file.is_file():
            route.fulfill(path=file)
        else:
            route.fulfill(status=404)

    page.route(re.compile(r"/media/"), fulfil)


def _watch_for_errors(page: Page) -> list[str]:
    """Uncaught exceptions and console errors, except the tile requests we cut."""
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"pageerror: {error}"))

    def console(message) -> None:
        if message.type != "error":
            return
        location = message.location.get("url", "") if message.location else ""
        if TILES.search(location) or "Failed to load resource" in message.text:
            return
        problems.append(f"console: {message.text}")

    page.on("console", console)
    return problems


def _prepare(page: Page, media_root: Path) -> list[str]:
    page.route(TILES, lambda route: route.abort())  # no internet: tiles fail
    _serve_media(page, media_root)
    return _watch_for_errors(page)


@pytest.fixture
def media_root(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def test_customer_finds_a_deep_clean_near_shanghai_and_opens_it(
    live_server, page: Page, media_root, artifacts_dir
):
    data = _seed()
    page.set_viewport_size({"width": 1280, "height": 900})
    problems = _prepare(page, media_root)

    # Given a visitor on the home page
    page.goto(live_server.url + "/")

    # When they search for "cleaning" in Shanghai
    page.get_by_label("What do you need?").fill("cleaning")
    page.get_by_label("Where?").select_option(label="Shanghai")
    page.get_by_role("button", name="Search").click()

    # Then the search page lists cleaning services near Shanghai, on a map too
    expect(page).to_have_url(re.compile(r"/search/\?q=cleaning&lat=31\.2304&lng="))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "“cleaning” near Shanghai"
    )
    cards = page.locator("[data-map-hit]")
    expect(cards).to_have_count(5)
    expect(page.get_by_text("家庭深度保洁（两室一厅）")).to_be_visible()
    expect(page.get_by_text("Deep cleaning in Taipei")).to_have_count(0)
    promoted = page.locator(".result-card--promoted")
    expect(promoted.get_by_text("Promoted", exact=True)).to_be_visible()
    markers = page.locator("#search-map .leaflet-marker-icon")
    expect(markers).to_have_count(5)

    # When they hover a result, its marker stands out on the map
    cards.first.hover()
    expect(page.locator("#search-map .leaflet-marker-icon.is-active")).to_have_count(1)

    # When they set a maximum price (the page is not reloaded: htmx swaps it)
    page.evaluate("window.__sameDocument = true")
    max_price = page.get_by_label("Max")
    max_price.fill("300")
    max_price.press("Enter")

    # Then the expensive ones go, the address bar carries the filter, and the
    # markers follow the list
    expect(page.get_by_text("Deep cleaning, whole villa")).to_have_count(0)
    expect(page).to_have_url(re.compile(r"price_max=300"))
    query = parse_qs(urlsplit(page.url).query)
    assert query["q"] == ["cleaning"]
    assert query["currency"] == ["CNY"]
    assert "price_min" not in query  # empty filters stay out of the link
    expect(cards).to_have_count(3)
    expect(markers).to_have_count(3)
    assert page.evaluate("window.__sameDocument") is True
    expect(page.get_by_label("Max")).to_have_value("300")
    expect(page.locator("#results-status")).to_have_text("3 services found")

    # Back and forward move between the two searches, map included
    page.go_back()
    expect(cards).to_have_count(5)
    expect(markers).to_have_count(5)
    page.go_forward()
    expect(cards).to_have_count(3)
    expect(markers).to_have_count(3)

    cards.nth(1).hover()
    expect(page.locator("#search-map .leaflet-marker-icon.is-active")).to_have_count(1)
    page.screenshot(path=artifacts_dir / "search-desktop.png", full_page=True)

    # When they open the best match
    page.get_by_role("link", name="Deep cleaning, one-bedroom flat").click()

    # Then they see the service, its price, its provider and where it is offered
    expect(page).to_have_url(
        re.compile(rf"/services/{data['small'].public_id}/(\?from=search)?$")
    )
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Deep cleaning, one-bedroom flat"
    )
    expect(page.locator(".price-card")).to_contain_text("CN¥199.00")
    expect(page.locator(".provider-card")).to_contain_text("Mei Chen")
    expect(page.locator(".provider-card")).to_contain_text("ID verified")
    expect(page.locator(".provider-card")).to_contain_text(
        "Usually responds within 18 min"
    )
    area_map = page.locator("#area-map")
    area_map.scroll_into_view_if_needed()  # Leaflet comes when the map shows
    expect(area_map).to_have_class(re.compile(r"leaflet-container"))
    expect(area_map.locator(".leaflet-marker-icon")).to_have_count(1)
    expect(area_map.locator("path.map-area")).to_have_count(1)
    marker_src = area_map.locator(".leaflet-marker-icon").get_attribute("src")
    assert "/static/vendor/leaflet/images/marker-icon" in marker_src
    expect(page.locator('a[href^="/book/"]').first).to_be_visible()

    # The gallery switches photos without leaving the page
    main_photo = page.locator("[data-gallery-main]")
    first_src = main_photo.get_attribute("src")
    page.locator("[data-gallery-thumb]").nth(1).click()
    expect(main_photo).not_to_have_attribute("src", first_src)
    page.locator("[data-gallery-thumb]").nth(0).click()
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=artifacts_dir / "listing-desktop.png", full_page=True)

    assert problems == []


def test_search_results_on_a_phone_list_first_then_the_map(
    live_server, browser: Browser, media_root, artifacts_dir
):
    _seed()
    context = browser.new_context(viewport={"width": 375, "height": 812})
    page = context.new_page()
    problems = _prepare(page, media_root)

    page.goto(
        live_server.url
        + f"/search/?q=cleaning&lat={SHANGHAI[0]}&lng={SHANGHAI[1]}&price_max=600"
        "&currency=CNY"
    )

    expect(page.locator("[data-map-hit]")).to_have_count(4)
    # the filters are folded on a phone; the list comes before the map
    expect(page.locator("#filter-panel")).not_to_have_attribute("open", "")
    results = page.locator("#search-results").bounding_box()
    map_box = page.locator("#search-map").bounding_box()
    assert results["y"] < map_box["y"]
    # the map is below the list: Leaflet is not fetched until it comes near
    page.wait_for_load_state("load")
    assert page.evaluate("typeof window.L") == "undefined"
    assert not page.evaluate(
        "performance.getEntriesByType('resource')"
        ".some((entry) => entry.name.includes('leaflet'))"
    )
    page.locator("#search-map").scroll_into_view_if_needed()
    expect(page.locator("#search-map .leaflet-marker-icon")).to_have_count(4)
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow == 0
    page.screenshot(path=artifacts_dir / "search-phone.png", full_page=True)

    # The filters open with one tap
    page.get_by_text("Filters", exact=True).click()
    expect(page.get_by_label("Max")).to_have_value("600")
    page.screenshot(path=artifacts_dir / "search-phone-filters.png", full_page=False)

    assert problems == []
    context.close()


def test_a_chinese_speaker_searches_in_chinese(
    live_server, browser: Browser, media_root, artifacts_dir
):
    _seed()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_cookies(
        [{"name": "django_language", "value": "zh-hans", "url": live_server.url}]
    )
    page = context.new_page()
    problems = _prepare(page, media_root)

    page.goto(live_server.url + "/")
    page.get_by_label("你需要什么服务？").fill("保洁")
    page.get_by_label("在哪里？").select_option(label="上海")
    page.get_by_role("button", name="搜索", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("上海附近的“保洁”")
    expect(page.get_by_text("家庭深度保洁（两室一厅）")).to_be_visible()
    expect(page.locator(".result-card").first).to_contain_text("¥")
    page.screenshot(path=artifacts_dir / "search-zh-hans.png", full_page=True)

    assert problems == []
    context.close()
