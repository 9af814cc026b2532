"""The demo's listings: every provider sells what their trade is, in their city's
language and money, with a believable spread of prices and reputations, and
search sees every published one."""

import re
from collections import Counter

import pytest
from django.db.models import Count, Q
from django.utils import timezone

from doorstep.accounts.models import ProviderProfile
from doorstep.catalog.models import (
    CatalogueService,
    Category,
    Listing,
    ListingAddOn,
    PricingModel,
)
from doorstep.demo.builders import build_demo
from doorstep.demo.data import CATEGORY_TREE, CITIES
from doorstep.search.models import SearchDocument
from doorstep.trust.models import ApplicationStatus

pytestmark = pytest.mark.django_db

CURRENCY_BY_TIME_ZONE = {city.time_zone: city.currency for city in CITIES}
HAN = re.compile(r"[\u4e00-\u9fff]")
# Characters that only exist in one of the two scripts.
SIMPLIFIED_ONLY = set("洁门调维电发车时个务师层级习")
TRADITIONAL_ONLY = set("潔門調維電發車時個務師層級習")


@pytest.fixture
def demo():
    # People and listings only: the history (orders, reviews) is
    # test_history.py's, and needs committed transactions.
    return build_demo(orders=0)


def test_every_city_has_published_listings_in_its_currency(demo):
    rows = (
        Listing.objects.filter(status=Listing.Status.PUBLISHED)
        .values_list("provider__time_zone", "currency")
        .annotate(n=Count("pk"))
    )

    by_zone = {zone: (currency, n) for zone, currency, n in rows}
    assert set(by_zone) == set(CURRENCY_BY_TIME_ZONE)
    for zone, (currency, count) in by_zone.items():
        assert currency == CURRENCY_BY_TIME_ZONE[zone]
        assert count >= 50, zone
    assert demo.listings == Listing.objects.count()


def test_every_provider_has_one_to_four_published_listings(demo):
    """Every provider but the applicants still in onboarding (whose services wait
    for their documents) has published services."""
    in_onboarding = [
        ApplicationStatus.APPLYING,
        ApplicationStatus.SUBMITTED,
        ApplicationStatus.CHANGES_REQUESTED,
        ApplicationStatus.REJECTED,
    ]
    counts = (
        ProviderProfile.objects.exclude(application__status__in=in_onboarding)
        .annotate(published=Count("listings", filter=Q(listings__status="published")))
        .values_list("published", flat=True)
    )

    assert set(counts) <= {1, 2, 3, 4}
    assert Counter(counts)[1] > 30
    assert Counter(counts)[4] > 5


def test_titles_are_in_the_citys_language_and_script(demo):
    for zone, title in Listing.objects.values_list("provider__time_zone", "title"):
        if zone == "Asia/Shanghai":
            assert HAN.search(title)
            assert not TRADITIONAL_ONLY & set(title), title
        elif zone in ("Asia/Taipei", "Asia/Hong_Kong"):
            assert HAN.search(title)
            assert not SIMPLIFIED_ONLY & set(title), title
        else:
            assert not HAN.search(title), title
    hong_kong = set(
        Listing.objects.filter(provider__time_zone="Asia/Hong_Kong").values_list(
            "title", flat=True
        )
    )
    assert {"冷氣加雪種", "冷氣清洗（分體式）", "搬屋（一車兩人）"} & hong_kong


def test_listings_sit_in_leaf_categories_of_the_providers_trade(demo):
    listings = Listing.objects.select_related("category")
    assert all(listing.category.parent_id for listing in listings)
    # A provider stays within one branch of the tree.
    roots = (
        Listing.objects.values("provider")
        .annotate(roots=Count("category__parent", distinct=True))
        .values_list("roots", flat=True)
    )
    assert set(roots) == {1}


def test_prices_are_minor_units_with_a_fixed_hourly_quote_mix(demo):
    models = Counter(Listing.objects.values_list("pricing_model", flat=True))
    assert all(models[model] > 20 for model in PricingModel.values)
    assert not Listing.objects.filter(pricing_model="quote", price_amount__isnull=False)
    hourly = Listing.objects.filter(pricing_model="hourly")
    assert not hourly.filter(min_hours__lt=1).exists()
    ranges = {
        "CNY": (30, 3000),
        "TWD": (250, 20000),
        "HKD": (90, 5000),
        "USD": (20, 900),
    }
    for listing in Listing.objects.exclude(pricing_model="quote"):
        assert listing.price_amount % 100 == 0
        low, high = ranges[listing.currency]
        assert low <= listing.price.major <= high, (listing.title, listing.price)
    deep_clean = Listing.objects.filter(title="全屋深度保洁（两居室）").first()
    assert deep_clean is None or 400_00 <= deep_clean.price_amount <= 700_00


def test_add_ons_instant_booking_and_promotion(demo):
    total = Listing.objects.count()
    with_add_ons = Listing.objects.filter(add_ons__isnull=False).distinct().count()
    assert 0.3 * total < with_add_ons < 0.6 * total
    instant = Listing.objects.filter(instant_book=True).count()
    assert 0.35 * total < instant < 0.65 * total
    promoted = Listing.objects.filter(promoted_until__gt=timezone.now()).count()
    assert 5 <= promoted <= 0.12 * total
    currencies = ListingAddOn.objects.values_list("listing__currency", flat=True)
    assert set(currencies) == {"CNY", "TWD", "HKD", "USD"}


def test_reputations_are_not_drawn_but_earned(demo):
    """Without a history nobody has reviews, jobs or a response time: the
    builder no longer invents "4.9 (156)" beside "No reviews yet"."""
    assert not Listing.objects.exclude(rating_count=0).exists()
    assert not Listing.objects.exclude(rating_mean=0).exists()
    providers = ProviderProfile.objects.all()
    assert not providers.exclude(completed_jobs=0).exists()
    assert not providers.filter(median_response_minutes__isnull=False).exists()
    verified = providers.filter(verified_at__isnull=False).count()
    assert 0.45 < verified / providers.count() < 0.75


def test_the_demo_provider_login_has_cleaning_services_and_a_draft(demo):
    provider = ProviderProfile.objects.get(user__email="provider@demo.doorstep.dev")
    statuses = Counter(provider.listings.values_list("status", flat=True))

    assert statuses == {"published": 4, "draft": 1}
    assert provider.is_verified
    assert set(provider.listings.values_list("category__parent__slug", flat=True)) == {
        "home-cleaning"
    }


def test_categories_have_standards_warranties_and_commission(demo):
    for category in Category.objects.all():
        assert category.standard_en
        assert category.standard_zh_hans
        assert category.standard_zh_hant
        assert 1000 <= category.commission_bps <= 3000
    assert Category.objects.get(slug="aircon-repair").warranty_days == 90
    assert Category.objects.get(slug="tutoring").warranty_days == 0


def test_catalogue_services_cover_every_root_in_three_languages(demo):
    services = CatalogueService.objects.select_related("category__parent")
    roots = Counter(service.category.parent.slug for service in services)

    assert set(roots) == {root.slug for root in CATEGORY_TREE}
    assert set(roots.values()) == {2}
    for service in services:
        assert service.title_en
        assert HAN.search(service.title_zh_hans)
        assert HAN.search(service.title_zh_hant)
        assert service.currency == "CNY"
        assert service.price_amount >= 1000


def test_search_has_a_document_for_every_published_listing(demo):
    published = Listing.objects.filter(status=Listing.Status.PUBLISHED)

    assert demo.indexed == published.count()
    assert SearchDocument.objects.count() == published.count()
    assert set(SearchDocument.objects.values_list("listing_id", flat=True)) == set(
        published.values_list("pk", flat=True)
    )
