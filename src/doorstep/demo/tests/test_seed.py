import random
from io import StringIO

import phonenumbers
import pytest
from allauth.account.models import EmailAddress
from django.core.management import call_command
from django.db.models import Count

from doorstep.accounts.models import ProviderProfile, SavedAddress, User
from doorstep.catalog.models import Category, Listing, ListingAddOn
from doorstep.demo.builders import PhoneBook, build_demo, seed_people
from doorstep.demo.data import (
    CATEGORY_TREE,
    CITIES,
    CITIES_BY_SLUG,
    SERVICE_CATEGORIES,
)
from doorstep.search.models import SearchDocument

CURRENCY_BY_TIME_ZONE = {city.time_zone: city.currency for city in CITIES}

pytestmark = pytest.mark.django_db


def _seed(*args: str) -> str:
    out = StringIO()
    call_command("seed", *args, "--no-progress", stdout=out)
    return out.getvalue()


def test_seed_adds_exactly_the_providers_asked_for_and_can_run_again():
    _seed("--providers", "200")
    assert ProviderProfile.objects.count() == 200

    output = _seed("--providers", "200")

    assert ProviderProfile.objects.count() == 400
    assert "Added 200 providers with 400 listings" in output
    assert "doorstep reindex" in output
    assert Listing.objects.filter(status="published").count() == 800
    emails = list(User.objects.values_list("email", flat=True))
    assert len(set(emails)) == 400
    phones = [phone for phone in User.objects.values_list("phone", flat=True) if phone]
    assert len(phones) == len(set(phones)) > 390
    assert all(phonenumbers.is_valid_number(phonenumbers.parse(p)) for p in phones)
    assert EmailAddress.objects.filter(verified=True).count() == 400


def test_seed_creates_the_category_tree_when_missing():
    assert not Category.objects.exists()

    _seed("--providers", "5", "--listings-per-provider", "0")

    expected = len(CATEGORY_TREE) + len(SERVICE_CATEGORIES)
    assert Category.objects.count() == expected
    _seed("--providers", "5")
    assert Category.objects.count() == expected


def test_seed_on_top_of_the_demo_adds_customers_in_the_chosen_city():
    build_demo(providers=20, customers=10, orders=0)
    users_before = User.objects.count()

    _seed("--providers", "30", "--customers", "25", "--city", "taipei")

    assert User.objects.count() == users_before + 55
    new = User.objects.order_by("-pk")[:55]
    assert {user.time_zone for user in new} == {"Asia/Taipei"}
    assert SavedAddress.objects.filter(user__in=new).count() >= 25


def test_a_number_someone_already_has_is_redrawn():
    hong_kong = CITIES_BY_SLUG["hong-kong"]
    taken = PhoneBook(random.Random(1)).draw(hong_kong)
    User.objects.create_user(phone=taken)
    candidate = User(email="new@example.com", phone=taken, phone_verified=True)

    PhoneBook(random.Random(1)).settle([candidate], [hong_kong])

    assert candidate.phone not in (taken, None)
    assert candidate.phone.startswith("+852")
    assert candidate.phone_verified


def test_seed_people_reports_what_it_wrote_in_batches():
    batches: list[int] = []

    report = seed_people(
        providers=50, customers=10, batch_size=7, on_progress=batches.append
    )

    assert (report.providers, report.customers, report.users) == (50, 10, 60)
    assert sum(batches) == 60
    assert max(batches) == 7
    assert report.rows() == (
        report.categories + 2 * report.users + report.providers + report.addresses
    )


def test_a_seed_adds_unindexed_listings_per_provider():
    report = seed_people(providers=30, listings_per_provider=3, batch_size=12)

    assert report.listings == Listing.objects.count() == 90
    assert not SearchDocument.objects.exists()
    per_provider = ProviderProfile.objects.annotate(n=Count("listings"))
    assert set(per_provider.values_list("n", flat=True)) == {3}
    for zone, currency in Listing.objects.values_list(
        "provider__time_zone", "currency"
    ):
        assert currency == CURRENCY_BY_TIME_ZONE[zone]
    assert not ListingAddOn.objects.exists()
    assert report.rows() == (
        report.categories
        + 2 * report.users
        + report.providers
        + report.addresses
        + report.listings
    )
