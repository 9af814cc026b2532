"""Listing services: creating, changing, publishing, pausing and deleting a
listing and its add-ons; guards, validation and ownership."""

from decimal import Decimal

import pytest
from django.urls import reverse

from doorstep.accounts.models import ProviderProfile
from doorstep.catalog import services
from doorstep.catalog.models import Listing, ListingAddOn
from doorstep.catalog.services import AddOnDraft
from doorstep.catalog.tests.conftest import new_listing
from doorstep.core.errors import Conflict, DomainError, NotFound
from doorstep.core.geo import cell_of
from tests.factories import make_category

pytestmark = pytest.mark.django_db


def _fields(excinfo: pytest.ExceptionInfo[DomainError]) -> set[str]:
    return set(excinfo.value.fields)


# --- Creating -----------------------------------------------------------------------


def test_a_new_listing_is_a_draft_at_the_providers_base(
    provider, deep_cleaning, indexed
):
    listing = new_listing(provider, deep_cleaning, description="  Top to bottom.  ")

    assert listing.status == Listing.Status.DRAFT
    assert listing.public_id.startswith("lst_")
    assert (listing.latitude, listing.longitude) == (
        provider.latitude,
        provider.longitude,
    )
    assert listing.h3_cell == cell_of(provider.latitude, provider.longitude)
    assert listing.service_radius_km == Decimal("7.5")
    # "es" is spoken but not a language the site offers, so it is left out.
    assert listing.languages == ["zh-hans", "en"]
    assert listing.description == "Top to bottom."
    assert listing.published_at is None
    assert indexed == [("index", listing.pk)]


def test_a_listing_can_be_placed_elsewhere_and_takes_a_category_slug(
    provider, deep_cleaning
):
    listing = new_listing(
        provider,
        "deep-cleaning",
        latitude=31.3,
        longitude=121.5,
        service_radius_km=3,
        languages=["en", "en"],
    )

    assert listing.category == deep_cleaning
    assert listing.h3_cell == cell_of(31.3, 121.5)
    assert listing.service_radius_km == Decimal("3.0")
    assert listing.languages == ["en"]


def test_on_quote_has_no_price(provider, deep_cleaning):
    listing = new_listing(
        provider, deep_cleaning, pricing_model="quote", price_amount=5000
    )

    assert listing.price_amount is None
    assert listing.price is None


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"currency": "XYZ"}, "currency"),
        ({"currency": ""}, "currency"),
        ({"price_amount": -1}, "price"),
        ({"price_amount": services.MAX_PRICE_AMOUNT + 1}, "price"),
        ({"price_amount": 12.5}, "price"),
        ({"price_amount": None}, "price"),
        ({"pricing_model": "per-sqm"}, "pricing_model"),
        ({"duration_minutes": 10}, "duration_minutes"),
        ({"duration_minutes": 1441}, "duration_minutes"),
        ({"min_hours": 0}, "min_hours"),
        ({"min_hours": 25}, "min_hours"),
        ({"service_radius_km": Decimal("0.1")}, "service_radius_km"),
        ({"service_radius_km": 500}, "service_radius_km"),
        ({"service_radius_km": "far"}, "service_radius_km"),
        ({"title": "   "}, "title"),
        ({"title": "x" * 121}, "title"),
        ({"description": "x" * 5001}, "description"),
        ({"languages": ["fr"]}, "languages"),
        ({"languages": "en"}, "languages"),
        ({"latitude": 95.0, "longitude": 121.0}, "latitude"),
        ({"latitude": float("nan"), "longitude": 121.0}, "latitude"),
        ({"response_window_hours": 0}, "response_window_hours"),
    ],
)
def test_invalid_input_names_the_field_and_writes_nothing(
    provider, deep_cleaning, indexed, changes, field
):
    with pytest.raises(DomainError) as excinfo:
        new_listing(provider, deep_cleaning, **changes)

    assert excinfo.value.status == 400
    assert field in _fields(excinfo), excinfo.value.fields
    assert not Listing.objects.exists()
    assert indexed == []


def test_a_coordinate_without_its_pair_breaks_a_rule(provider, deep_cleaning):
    with pytest.raises(DomainError) as excinfo:
        new_listing(provider, deep_cleaning, latitude=31.2)

    assert (excinfo.value.status, excinfo.value.code) == (422, "invalid_listing")
    assert _fields(excinfo) == {"longitude"}
    assert not Listing.objects.exists()


def test_every_invalid_field_is_reported_at_once(provider, deep_cleaning):
    with pytest.raises(DomainError) as excinfo:
        new_listing(
            provider, deep_cleaning, title="", currency="??", duration_minutes=5
        )

    assert {"title", "currency", "duration_minutes"} <= _fields(excinfo)


def test_listings_go_in_active_leaf_categories(provider, cleaning, deep_cleaning):
    retired = make_category("carpet-beating", parent=cleaning)
    retired.is_active = False
    retired.save()

    for category in (cleaning, retired, "no-such-category", "cat_missing", ""):
        with pytest.raises(DomainError) as excinfo:
            new_listing(provider, category)
        assert _fields(excinfo) == {"category"}, category
        assert excinfo.value.code == "invalid_listing"
    assert not Listing.objects.exists()


# --- Changing -----------------------------------------------------------------------


def test_owner_changes_a_listing_and_it_is_reindexed(draft, owner, indexed):
    listing = services.update_listing(
        actor=owner,
        listing_id=draft.public_id,
        title="Deep cleaning, 3-bedroom flat",
        price_amount=62000,
        latitude=31.25,
        longitude=121.45,
    )

    listing.refresh_from_db()
    assert listing.title == "Deep cleaning, 3-bedroom flat"
    assert listing.price_amount == 62000
    assert listing.h3_cell == cell_of(31.25, 121.45)
    assert indexed == [("index", draft.pk)]


def test_switching_to_on_quote_clears_the_price(draft, owner):
    services.update_listing(
        actor=owner, listing_id=draft.public_id, pricing_model="quote"
    )

    draft.refresh_from_db()
    assert (draft.pricing_model, draft.price_amount) == ("quote", None)


def test_only_whitelisted_fields_change(draft, owner):
    for field, value in [
        ("status", "published"),
        ("rating_mean", 5.0),
        ("promoted_until", None),
        ("provider", None),
        ("h3_cell", 1),
    ]:
        with pytest.raises(DomainError) as excinfo:
            services.update_listing(
                actor=owner, listing_id=draft.public_id, **{field: value}
            )
        assert excinfo.value.code == "unknown_field"
        assert _fields(excinfo) == {field}
    draft.refresh_from_db()
    assert draft.status == Listing.Status.DRAFT


def test_an_invalid_change_writes_nothing(draft, owner, indexed):
    with pytest.raises(DomainError) as excinfo:
        services.update_listing(
            actor=owner, listing_id=draft.public_id, title="New", currency="ZZZ"
        )

    assert _fields(excinfo) == {"currency"}
    draft.refresh_from_db()
    assert (draft.title, draft.currency) == ("Deep cleaning, 2-bedroom flat", "CNY")
    assert indexed == []


def test_currency_is_fixed_while_add_ons_are_priced_in_it(draft, owner):
    services.add_listing_add_on(
        actor=owner, listing_id=draft.public_id, name="Fridge", price_amount=3000
    )

    with pytest.raises(DomainError) as excinfo:
        services.update_listing(actor=owner, listing_id=draft.public_id, currency="USD")

    assert _fields(excinfo) == {"currency"}


# --- Publishing ---------------------------------------------------------------------


def test_publishing_sets_published_at_once(draft, owner, indexed):
    listing = services.publish_listing(actor=owner, listing_id=draft.public_id)
    first = listing.published_at

    assert listing.status == Listing.Status.PUBLISHED
    assert first is not None
    services.pause_listing(actor=owner, listing_id=draft.public_id)
    again = services.publish_listing(actor=owner, listing_id=draft.public_id)
    assert again.published_at == first
    assert indexed.count(("index", draft.pk)) == 3


def test_publishing_twice_changes_nothing(published, owner, indexed):
    listing = services.publish_listing(actor=owner, listing_id=published.public_id)

    assert listing.status == Listing.Status.PUBLISHED
    assert indexed == []


def test_a_suspended_provider_cannot_publish(draft, owner, provider):
    ProviderProfile.objects.filter(pk=provider.pk).update(
        status=ProviderProfile.Status.SUSPENDED
    )

    with pytest.raises(DomainError) as excinfo:
        services.publish_listing(actor=owner, listing_id=draft.public_id)

    assert excinfo.value.code == "cannot_publish"
    assert excinfo.value.status == 422
    assert "__all__" in _fields(excinfo)
    draft.refresh_from_db()
    assert draft.status == Listing.Status.DRAFT


def test_a_retired_category_blocks_publishing(draft, owner, deep_cleaning, cleaning):
    cleaning.is_active = False
    cleaning.save()

    with pytest.raises(DomainError) as excinfo:
        services.publish_listing(actor=owner, listing_id=draft.public_id)

    assert _fields(excinfo) == {"category"}


def test_a_category_that_grew_children_blocks_publishing(draft, owner, deep_cleaning):
    make_category("oven-cleaning", parent=deep_cleaning)

    with pytest.raises(DomainError) as excinfo:
        services.publish_listing(actor=owner, listing_id=draft.public_id)

    assert _fields(excinfo) == {"category"}
    assert services.publish_problems(draft)["category"]


def test_hourly_listings_keep_a_minimum_of_hours(provider, deep_cleaning, owner):
    listing = new_listing(provider, deep_cleaning, pricing_model="hourly", min_hours=3)
    Listing.objects.filter(pk=listing.pk).update(min_hours=0)  # as a bad import might

    with pytest.raises(DomainError) as excinfo:
        services.publish_listing(actor=owner, listing_id=listing.public_id)

    assert _fields(excinfo) == {"min_hours"}


def test_only_published_listings_can_be_paused(draft, owner):
    with pytest.raises(Conflict) as excinfo:
        services.pause_listing(actor=owner, listing_id=draft.public_id)

    assert excinfo.value.code == "not_published"


def test_pause_and_back_to_draft(published, owner, indexed):
    paused = services.pause_listing(actor=owner, listing_id=published.public_id)
    assert paused.status == Listing.Status.PAUSED
    assert services.pause_listing(actor=owner, listing_id=published.public_id)

    drafted = services.unpublish_listing(actor=owner, listing_id=published.public_id)

    assert drafted.status == Listing.Status.DRAFT
    assert indexed == [("index", published.pk), ("index", published.pk)]


# --- Deleting -----------------------------------------------------------------------


def test_a_published_listing_is_paused_before_it_is_deleted(published, owner):
    with pytest.raises(Conflict) as excinfo:
        services.delete_listing(actor=owner, listing_id=published.public_id)

    assert excinfo.value.code == "listing_published"
    assert Listing.objects.filter(pk=published.pk).exists()


def test_deleting_a_draft_removes_it_from_the_index(draft, owner, indexed):
    services.add_listing_add_on(
        actor=owner, listing_id=draft.public_id, name="Oven", price_amount=5000
    )
    indexed.clear()

    services.delete_listing(actor=owner, listing_id=draft.public_id)

    assert not Listing.objects.exists()
    assert not ListingAddOn.objects.exists()
    assert indexed == [("remove", draft.pk)]


# --- Ownership ----------------------------------------------------------------------

OWNER_ACTIONS = [
    ("update_listing", {"title": "Mine now"}),
    ("publish_listing", {}),
    ("pause_listing", {}),
    ("unpublish_listing", {}),
    ("delete_listing", {}),
    ("add_listing_add_on", {"name": "Extra", "price_amount": 100}),
    ("replace_listing_add_ons", {"add_ons": []}),
    ("reorder_listing_photos", {"photo_ids": []}),
    ("remove_listing_photo", {"photo_id": "pho_x"}),
]


@pytest.mark.parametrize(("action", "arguments"), OWNER_ACTIONS)
def test_someone_elses_listing_is_not_found(
    published, stranger, indexed, action, arguments
):
    indexed.clear()

    with pytest.raises(NotFound) as excinfo:
        getattr(services, action)(
            actor=stranger, listing_id=published.public_id, **arguments
        )

    assert excinfo.value.code == "listing_not_found"
    assert excinfo.value.status == 404
    published.refresh_from_db()
    assert published.title == "Deep cleaning, 2-bedroom flat"
    assert published.status == Listing.Status.PUBLISHED
    assert indexed == []


@pytest.mark.parametrize(("action", "arguments"), OWNER_ACTIONS)
def test_a_listing_that_does_not_exist_looks_the_same(owner, action, arguments):
    with pytest.raises(NotFound) as excinfo:
        getattr(services, action)(actor=owner, listing_id="lst_nope", **arguments)

    assert excinfo.value.code == "listing_not_found"


def test_a_customer_reading_someone_elses_listing_gets_not_found(draft, customer):
    with pytest.raises(NotFound):
        services.access_own_listing(actor=customer, listing_id=draft.public_id)


def test_add_ons_of_someone_elses_listing_are_not_found(draft, owner, stranger):
    add_on = services.add_listing_add_on(
        actor=owner, listing_id=draft.public_id, name="Fridge", price_amount=3000
    )

    for action in (services.update_listing_add_on, services.remove_listing_add_on):
        with pytest.raises(NotFound):
            action(
                actor=stranger, listing_id=draft.public_id, add_on_id=add_on.public_id
            )
    assert ListingAddOn.objects.get().name == "Fridge"


# --- Add-ons ------------------------------------------------------------------------


def test_add_ons_are_added_in_order_changed_and_removed(draft, owner, indexed):
    fridge = services.add_listing_add_on(
        actor=owner, listing_id=draft.public_id, name="Fridge", price_amount=3000
    )
    oven = services.add_listing_add_on(
        actor=owner,
        listing_id=draft.public_id,
        name="Oven",
        price_amount=4000,
        currency="CNY",
        extra_minutes=30,
    )
    assert (fridge.position, oven.position) == (0, 1)

    services.update_listing_add_on(
        actor=owner,
        listing_id=draft.public_id,
        add_on_id=oven.public_id,
        price_amount=4500,
    )
    services.remove_listing_add_on(
        actor=owner, listing_id=draft.public_id, add_on_id=fridge.public_id
    )

    assert list(draft.add_ons.values_list("name", "price_amount")) == [("Oven", 4500)]
    assert len(indexed) == 4


def test_an_add_on_is_priced_in_the_listings_currency(draft, owner):
    with pytest.raises(DomainError) as excinfo:
        services.add_listing_add_on(
            actor=owner,
            listing_id=draft.public_id,
            name="Fridge",
            price_amount=500,
            currency="USD",
        )

    assert _fields(excinfo) == {"price"}
    assert not ListingAddOn.objects.exists()


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"name": " ", "price_amount": 100}, "name"),
        ({"name": "x" * 101, "price_amount": 100}, "name"),
        ({"name": "Fridge", "price_amount": -5}, "price"),
        (
            {"name": "Fridge", "price_amount": 100, "extra_minutes": 9 * 60},
            "extra_minutes",
        ),
    ],
)
def test_invalid_add_ons_are_refused(draft, owner, arguments, field):
    with pytest.raises(DomainError) as excinfo:
        services.add_listing_add_on(
            actor=owner, listing_id=draft.public_id, **arguments
        )

    assert field in _fields(excinfo)
    assert not ListingAddOn.objects.exists()


def test_a_listing_has_at_most_twenty_add_ons(draft, owner):
    for n in range(services.MAX_ADD_ONS_PER_LISTING):
        services.add_listing_add_on(
            actor=owner, listing_id=draft.public_id, name=f"Extra {n}", price_amount=n
        )

    with pytest.raises(DomainError) as excinfo:
        services.add_listing_add_on(
            actor=owner, listing_id=draft.public_id, name="One more", price_amount=1
        )

    assert excinfo.value.code == "too_many_add_ons"


def test_replacing_add_ons_updates_creates_and_removes(draft, owner):
    fridge = services.add_listing_add_on(
        actor=owner, listing_id=draft.public_id, name="Fridge", price_amount=3000
    )
    services.add_listing_add_on(
        actor=owner, listing_id=draft.public_id, name="Oven", price_amount=4000
    )

    services.replace_listing_add_ons(
        actor=owner,
        listing_id=draft.public_id,
        add_ons=[
            AddOnDraft(name="Balcony", price_amount=2000, extra_minutes=20),
            AddOnDraft(id=fridge.public_id, name="Fridge inside", price_amount=3500),
        ],
    )

    rows = list(
        draft.add_ons.values_list("public_id", "name", "price_amount", "position")
    )
    assert [row[1:] for row in rows] == [
        ("Balcony", 2000, 0),
        ("Fridge inside", 3500, 1),
    ]
    assert rows[1][0] == fridge.public_id


def test_replacing_add_ons_is_all_or_nothing(draft, owner):
    services.add_listing_add_on(
        actor=owner, listing_id=draft.public_id, name="Fridge", price_amount=3000
    )

    with pytest.raises(DomainError) as excinfo:
        services.replace_listing_add_ons(
            actor=owner,
            listing_id=draft.public_id,
            add_ons=[
                AddOnDraft(name="Balcony", price_amount=2000),
                AddOnDraft(name="", price_amount=-1),
            ],
        )

    assert _fields(excinfo) == {"add_ons.1.name", "add_ons.1.price"}
    assert list(draft.add_ons.values_list("name", flat=True)) == ["Fridge"]


def test_deleting_a_listing_that_was_booked_archives_it(published, owner, client):
    from tests.factories import make_order

    order = make_order(listing=published)
    services.pause_listing(actor=owner, listing_id=published.public_id)

    services.delete_listing(actor=owner, listing_id=published.public_id)

    published.refresh_from_db()
    assert published.archived_at is not None
    order.refresh_from_db()
    assert order.listing_id == published.pk
    assert not Listing.objects.not_archived().filter(pk=published.pk).exists()
    for change in (services.access_own_listing, services.delete_listing):
        with pytest.raises(NotFound):
            change(actor=owner, listing_id=published.public_id)
    client.force_login(owner)
    for page in ("catalog:listing", "catalog:dashboard_edit"):
        url = reverse(page, args=[published.public_id])
        assert client.get(url).status_code == 404, page
    dashboard = client.get(reverse("catalog:dashboard")).content.decode()
    assert published.public_id not in dashboard
