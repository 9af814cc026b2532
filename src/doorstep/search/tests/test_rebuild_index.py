"""The bulk rebuild writes exactly what ``index_listing`` writes, listing by listing:
the same documents (every column but the time stamp), the same text index and the
same vocabulary counts."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from doorstep.accounts.models import ProviderProfile
from doorstep.catalog.models import Listing, ListingPhoto
from doorstep.search.indexing import index_listing, rebuild_index
from doorstep.search.models import SearchDocument, SearchTerm, SearchTermCategory
from doorstep.search.tests.helpers import all_pages
from tests.factories import make_category, make_listing, make_provider

pytestmark = pytest.mark.django_db

TITLES = [
    "Window cleaning",
    "Deep cleaning for houses",
    "空調維修 air conditioner repair",
    "家庭保洁服务",
    "Café-style moving help",
    "Ｐｌｕｍｂｉｎｇ ＡＢＣ",
]
DESCRIPTIONS = ["", "We clean everything.", "專業團隊，價格公道", "Movers and packers"]


def documents() -> dict[int, dict]:
    return {
        row.pop("listing_id"): row
        for row in SearchDocument.objects.order_by("pk").values()
        if row.pop("indexed_at")
    }


def vocabulary() -> dict[str, int]:
    return dict(SearchTerm.objects.values_list("term", "doc_count"))


def term_categories() -> dict[tuple[str, int], int]:
    return {
        (term, category_id): count
        for term, category_id, count in SearchTermCategory.objects.values_list(
            "term", "category_id", "doc_count"
        )
    }


def counted_term_categories() -> dict[tuple[str, int], int]:
    """What ``SearchTermCategory`` must hold, counted from the documents."""
    counts: dict[tuple[str, int], int] = {}
    for category_id, title_text, body_text in SearchDocument.objects.values_list(
        "category_id", "title_text", "body_text"
    ):
        for term in {*title_text.split(), *body_text.split()}:
            counts[(term, category_id)] = counts.get((term, category_id), 0) + 1
    return counts


def text_index() -> list[tuple]:
    """PostgreSQL: every tsvector. SQLite: FTS5 checks its index against the
    documents (an error if they differ) and reads the text back."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "INSERT INTO search_fts (search_fts) VALUES ('integrity-check')"
            )
            cursor.execute(
                "SELECT rowid, title_text, body_text FROM search_fts ORDER BY 1"
            )
        else:
            cursor.execute(
                "SELECT listing_id, search_vector::text FROM search_searchdocument "
                "ORDER BY 1"
            )
        return cursor.fetchall()


def matches(term: str) -> list[int]:
    return sorted(all_pages(q=term))


def make_catalogue() -> list[Listing]:
    root = make_category("home", name_en="Home services", name_zh_hans="家居服务")
    leaves = [
        make_category("cleaning", parent=root, name_en="Cleaning", name_zh_hant="清潔"),
        make_category("repairs", parent=root, name_en="Repairs"),
        make_category("moving", name_en="Moving"),
    ]
    providers = [
        make_provider(display_name="Sparkle Team", verified=True, languages=["EN"]),
        make_provider(display_name="張師傅", languages=["zh-Hans", "en"]),
        make_provider(display_name="Quick Movers", median_response_minutes=15),
        make_provider(display_name="Gone Away"),
    ]
    listings = []
    for number in range(36):
        provider = providers[number % len(providers)]
        listing = make_listing(
            provider=provider,
            category=leaves[number % len(leaves)],
            title=TITLES[number % len(TITLES)],
            description=DESCRIPTIONS[number % len(DESCRIPTIONS)],
            price=None if number % 7 == 0 else 1000 + 250 * number,
            pricing_model="quote" if number % 7 == 0 else "fixed",
            currency="CNY" if number % 5 else "HKD",
            radius_km=1 + number % 30,
            instant_book=number % 2 == 0,
            languages=["en"] if number % 3 == 0 else [],
            status=(
                Listing.Status.DRAFT if number % 11 == 5 else Listing.Status.PUBLISHED
            ),
        )
        # Exact binary fractions: category sums do not depend on the order of
        # addition, so the per-listing and the bulk priors are equal to the bit.
        Listing.objects.filter(pk=listing.pk).update(
            rating_mean=(number % 9) * 0.5,
            rating_count=number % 6,
            promoted_until=(
                timezone.now() + timedelta(days=number) if number % 4 == 0 else None
            ),
        )
        if number % 3 == 1:
            for position in (1, 0):
                ListingPhoto.objects.create(
                    listing=listing,
                    image=f"listings/{number}-{position}.jpg",
                    thumbnail=f"listings/thumbs/{number}-{position}.jpg",
                    width=10,
                    height=10,
                    position=position,
                )
        listings.append(listing)
    ProviderProfile.objects.filter(pk=providers[3].pk).update(
        status=ProviderProfile.Status.SUSPENDED
    )
    return listings


def index_one_by_one(listings: list[Listing]) -> None:
    # Twice: the second pass sees every document of a category in its prior,
    # as the bulk rebuild does.
    for _ in range(2):
        for listing in listings:
            index_listing(Listing.objects.select_related("provider").get(pk=listing.pk))


def test_rebuild_index_writes_what_index_listing_writes():
    listings = make_catalogue()
    index_one_by_one(listings)
    expected = (documents(), vocabulary(), text_index(), term_categories())
    searches = {term: matches(term) for term in ("clean", "保洁", "空调", "sparkle")}
    assert 0 < len(expected[0]) < len(listings)
    assert expected[3] == counted_term_categories()

    written = rebuild_index(batch_size=5)

    assert written == len(expected[0])
    assert documents() == expected[0]
    assert vocabulary() == expected[1]
    assert text_index() == expected[2]
    assert term_categories() == expected[3]
    assert {term: matches(term) for term in searches} == searches
    assert all(searches.values())


def test_index_listing_after_a_rebuild_changes_nothing():
    listings = make_catalogue()
    rebuild_index(batch_size=7)
    expected = (documents(), vocabulary(), text_index(), term_categories())

    index_one_by_one(listings)

    assert documents() == expected[0]
    assert vocabulary() == expected[1]
    assert text_index() == expected[2]
    assert term_categories() == expected[3]


def test_term_categories_follow_moves_edits_and_removals():
    listings = make_catalogue()
    rebuild_index(batch_size=7)
    # Listing 1 is in the second leaf, 0 in the first; 6 is visible until now.
    moved, edited, hidden = listings[1], listings[2], listings[6]
    moved.category = listings[0].category
    moved.save()
    edited.title = "Piano tuning 鋼琴調音"
    edited.save()
    hidden.status = Listing.Status.DRAFT
    hidden.save()

    for listing in (moved, edited, hidden):
        index_listing(Listing.objects.select_related("provider").get(pk=listing.pk))

    assert term_categories() == counted_term_categories()
    assert ("piano", edited.category_id) in term_categories()
