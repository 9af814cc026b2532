"""Sorts, ties, cursors, ranking; and the query service against brute force."""

from datetime import timedelta
from unittest.mock import patch

import pytest
from django.db import connection, transaction
from django.test import override_settings
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from doorstep.catalog.models import Listing, PricingModel
from doorstep.core.errors import DomainError
from doorstep.search import queries as query_service
from doorstep.search import ranking
from doorstep.search.brute_force import brute_force_counts, brute_force_search
from doorstep.search.indexing import rebuild_index
from doorstep.search.models import SearchDocument
from doorstep.search.params import parse_search_params
from doorstep.search.queries import encode_cursor, search_listings
from doorstep.search.tests.helpers import all_pages, search
from tests.factories import SHANGHAI, make_category, make_listing, make_provider

pytestmark = pytest.mark.django_db

HERE = {"lat": SHANGHAI[0], "lng": SHANGHAI[1]}


def test_distance_sort_is_nearest_first_with_ties_by_id():
    far = make_listing(title="Far", at=(31.2304, 121.5237))
    tie_a = make_listing(title="Tie A", at=(31.2404, 121.4737))
    tie_b = make_listing(title="Tie B", at=(31.2404, 121.4737))
    near = make_listing(title="Near", at=(31.2314, 121.4737))

    assert all_pages(**HERE, sort="distance", limit=1) == [
        near.pk,
        tie_a.pk,
        tie_b.pk,
        far.pk,
    ]


def test_price_sorts_put_quotes_last_both_ways():
    quote = make_listing(title="Quote", pricing_model=PricingModel.QUOTE)
    low = make_listing(title="Low", price=5000)
    high = make_listing(title="High", price=9000)
    same = make_listing(title="Same as low", price=5000)

    assert all_pages(sort="price_asc", limit=2) == [low.pk, same.pk, high.pk, quote.pk]
    assert all_pages(sort="price_desc", limit=2) == [
        high.pk,
        low.pk,
        same.pk,
        quote.pk,
    ]


def test_one_five_star_review_does_not_beat_two_hundred_at_four_point_nine():
    category = make_category("cleaning")
    lucky = make_listing(
        title="One review", category=category, rating_count=1, rating_mean=5.0
    )
    proven = make_listing(
        title="Proven", category=category, rating_count=200, rating_mean=4.9
    )

    assert all_pages(sort="rating") == [proven.pk, lucky.pk]
    scores = {hit.listing_id: hit.rating_score for hit in search(sort="rating").hits}
    assert scores[proven.pk] > scores[lucky.pk]


def test_rating_sort_ties_are_broken_by_id_across_pages():
    category = make_category("cleaning")
    listings = [
        make_listing(category=category, rating_count=10, rating_mean=4.5)
        for _ in range(5)
    ]
    # Each was indexed against the category mean of the moment; a reindex puts
    # them all on today's mean, and equal ratings become equal scores.
    rebuild_index()

    assert all_pages(sort="rating", limit=2) == [listing.pk for listing in listings]


def test_best_match_weighs_text_reputation_distance_and_promotion():
    category = make_category("cleaning")
    plain = make_listing(title="Cleaning", category=category)
    reviewed = make_listing(
        title="Cleaning", category=category, rating_count=80, rating_mean=4.9
    )
    promoted = make_listing(
        title="Cleaning",
        category=category,
        promoted_until=timezone.now() + timedelta(days=3),
    )
    rebuild_index()

    order = [hit.listing_id for hit in search(q="cleaning").hits]

    assert order.index(reviewed.pk) < order.index(plain.pk)
    assert order.index(promoted.pk) < order.index(plain.pk)
    hits = {hit.listing_id: hit for hit in search(q="cleaning").hits}
    assert hits[promoted.pk].is_promoted
    assert hits[promoted.pk].score - hits[plain.pk].score == pytest.approx(
        ranking.PROMOTED_BOOST, abs=1e-9
    )


def test_best_match_prefers_the_nearer_of_equals():
    near = make_listing(title="Cleaning", at=(31.2314, 121.4737))
    far = make_listing(title="Cleaning", at=(31.2904, 121.4737))

    assert [hit.listing_id for hit in search(q="cleaning", **HERE).hits] == [
        near.pk,
        far.pk,
    ]


def test_responsiveness_breaks_a_tie():
    quick = make_listing(provider=make_provider(median_response_minutes=5))
    slow = make_listing(provider=make_provider(median_response_minutes=600))

    assert all_pages(sort="relevance") == [quick.pk, slow.pk]


def test_a_tampered_or_foreign_cursor_is_refused():
    make_listing()
    make_listing()
    cursor = search(sort="rating", limit=1).next_cursor

    with pytest.raises(DomainError) as tampered:
        search(sort="rating", limit=1, cursor=cursor[:-2] + "xx")
    with pytest.raises(DomainError) as other_sort:
        search(sort="price_asc", limit=1, cursor=cursor)

    assert tampered.value.fields.keys() == {"cursor"}
    assert other_sort.value.status == 400
    with pytest.raises(DomainError):
        search(
            sort="rating",
            cursor=encode_cursor(parse_search_params({}).sort, 1, 1)[::-1],
        )


def test_the_total_and_the_pages_agree():
    for _ in range(7):
        make_listing()

    results = search(limit=3)

    assert (results.total, results.total_exact) == (7, True)
    assert len(all_pages(limit=3)) == 7


# --- Against brute force ---------------------------------------------------------

WORDS = ["cleaning", "window", "repair", "保洁", "空調維修", "plumbing", "家庭"]
QUERIES = ["", "clean", "cleening", "window", "保洁", "空调", "repair", "wind", "家"]


@st.composite
def listings(draw):
    return draw(
        st.lists(
            st.fixed_dictionaries(
                {
                    "title": st.lists(
                        st.sampled_from(WORDS), min_size=1, max_size=3
                    ).map(" ".join),
                    "category": st.integers(0, 2),
                    "dlat": st.sampled_from([0.0, 0.003, 0.01, -0.01, 0.05, 0.2]),
                    "dlng": st.sampled_from([0.0, 0.01, 0.03, -0.08]),
                    "price": st.sampled_from([None, 5000, 5000, 12000, 60000]),
                    "hourly": st.booleans(),
                    "rating": st.sampled_from(
                        [(0, 0.0), (3, 4.0), (3, 4.0), (50, 4.8)]
                    ),
                    "radius": st.sampled_from([1, 5, 20]),
                    "verified": st.booleans(),
                    "instant": st.booleans(),
                    "promoted": st.booleans(),
                    "languages": st.sampled_from([[], ["en"], ["zh-hans", "en"]]),
                }
            ),
            min_size=0,
            max_size=9,
        )
    )


@st.composite
def queries(draw):
    query = {"limit": str(draw(st.integers(1, 4)))}
    text = draw(st.sampled_from(QUERIES))
    if text:
        query["q"] = text
    if draw(st.booleans()):
        query.update(lat=str(SHANGHAI[0]), lng=str(SHANGHAI[1]))
        if draw(st.booleans()):
            query["serves"] = "1"
        if draw(st.booleans()):
            query["radius_km"] = draw(st.sampled_from(["0.5", "3", "10", "30"]))
    if draw(st.booleans()):
        query["category"] = draw(st.sampled_from(["root", "child", "other"]))
    if draw(st.booleans()):
        query.update(price_min="40", price_max="130", currency="CNY")
    for key, value in [("min_rating", "4"), ("verified", "1"), ("instant", "1")]:
        if draw(st.integers(0, 3)) == 0:
            query[key] = value
    if draw(st.integers(0, 3)) == 0:
        query["language"] = "en"
    sorts = ["relevance", "rating", "price_asc", "price_desc"]
    if "lat" in query:
        sorts.append("distance")
    query["sort"] = draw(st.sampled_from(sorts))
    return query


def _build(rows):
    root = make_category("root")
    categories = [root, make_category("child", parent=root), make_category("other")]
    now = timezone.now()
    for row in rows:
        hourly = row["hourly"] and row["price"] is not None
        make_listing(
            title=row["title"],
            category=categories[row["category"]],
            provider=make_provider(
                verified=row["verified"], languages=row["languages"]
            ),
            at=(SHANGHAI[0] + row["dlat"], SHANGHAI[1] + row["dlng"]),
            price=row["price"],
            pricing_model=(
                PricingModel.QUOTE
                if row["price"] is None
                else (PricingModel.HOURLY if hourly else PricingModel.FIXED)
            ),
            rating_count=row["rating"][0],
            rating_mean=row["rating"][1],
            radius_km=row["radius"],
            instant_book=row["instant"],
            promoted_until=now + timedelta(days=1) if row["promoted"] else None,
        )


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rows=listings(), query=queries())
def test_every_page_together_is_the_brute_force_answer(rows, query):
    _check_against_brute_force(rows, query)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rows=listings(), query=queries())
def test_sort_index_windows_give_the_brute_force_answer(rows, query):
    """The paths taken only over many matches, forced on a few: a page read
    from a window of a sort index (with the text tested on each row), and the
    fallback when the window holds too few matches."""
    with (
        patch.object(query_service, "ORDERED_SCAN_MIN_MATCHES", 1),
        patch.object(query_service, "SORT_INDEX_WINDOWS", (2, 4)),
    ):
        _check_against_brute_force(rows, query)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rows=listings(), query=queries(), read_limit=st.sampled_from([3, 40_000]))
def test_category_windows_give_the_brute_force_answer(rows, query, read_limit):
    """A text search sorted by price or rating over many matches, forced on a
    few: each category the words occur in read in windows of its own sort
    index, the page merged (and the fallback when the reading gives up)."""
    with (
        patch.object(query_service, "ORDERED_SCAN_MIN_MATCHES", 1),
        patch.object(query_service, "CATEGORY_WINDOWS", (1, 2)),
        patch.object(query_service, "CATEGORY_READ_LIMIT", read_limit),
    ):
        _check_against_brute_force(rows, query)


def _check_against_brute_force(rows, query):
    # The brute force knows one order for all pages; the share of promoted hits
    # a page may hold (tested in ``test_promoted_share``) is left out here.
    with override_settings(DOORSTEP_PROMOTED_SHARE=1), transaction.atomic():
        _build(rows)
        params = parse_search_params(query)
        expected = [
            d.listing_id
            for d in brute_force_search(params, SearchDocument.objects.all())
        ]

        paged = all_pages(**query)

        assert len(paged) == len(set(paged)), "a page repeated a hit"
        if params.sort == "relevance" and params.text:
            assert sorted(paged) == sorted(expected)
        else:
            assert paged == expected
        results = search_listings(params, language="en")
        assert results.total == len(expected)
        assert sum(
            brute_force_counts(params, SearchDocument.objects.all()).values()
        ) == len(expected)
        transaction.set_rollback(True)
    assert not Listing.objects.exists()


# --- Searching near a point in growing circles -------------------------------------


@settings(max_examples=300, deadline=None)
@given(
    static_max=st.floats(0, 1),
    share=st.floats(0, 1),
    ring_km=st.floats(0.1, 200),
    beyond_km=st.floats(0, 500),
    promoted=st.booleans(),
)
def test_nothing_beyond_a_circle_scores_above_its_ceiling(
    static_max, share, ring_km, beyond_km, promoted
):
    from doorstep.search.geometry import chord2_for_km

    now = timezone.now()
    far = chord2_for_km(ring_km + beyond_km)
    ceiling = ranking.score_ceiling(
        static_max=static_max, chord2=chord2_for_km(ring_km), promoted=promoted
    )

    score = ranking.score(
        text=None,
        static=static_max * share,
        chord2=far,
        promoted_until=now + timedelta(days=1) if promoted else None,
        now=now,
    )

    assert score <= ceiling


@settings(max_examples=300, deadline=None)
@given(
    static_max=st.floats(0, 1),
    score=st.floats(0, 2),
    promoted=st.booleans(),
    farther=st.floats(1.0001, 1e6),
)
def test_beyond_the_reach_of_a_score_nothing_reaches_it(
    static_max, score, promoted, farther
):
    beyond = ranking.chord2_beyond_reach(
        static_max=static_max, promoted=promoted, score=score
    )

    if beyond is None:
        assert static_max + (ranking.PROMOTED_BOOST if promoted else 0) >= score
    else:
        ceiling = ranking.score_ceiling(
            static_max=static_max,
            chord2=max(beyond * farther, 1e-12),
            promoted=promoted,
        )
        assert ceiling <= score


def test_best_match_near_a_point_reaches_a_promoted_listing_beyond_the_first_circle():
    """A dense neighbourhood fills the first page within half a kilometre, but a
    promoted listing 670 m away outscores most of it: the circles must widen
    until nothing outside can score more, and the pages equal brute force."""
    category = make_category("cleaning")
    now = timezone.now()
    for step in range(30):
        make_listing(
            category=category,
            at=(SHANGHAI[0] + step * 0.00005, SHANGHAI[1]),
            rating_count=20,
            rating_mean=4.8,
        )
    promoted = make_listing(
        category=category,
        at=(SHANGHAI[0] + 0.006, SHANGHAI[1]),
        rating_count=20,
        rating_mean=4.8,
        promoted_until=now + timedelta(days=3),
    )
    make_listing(category=category, at=(SHANGHAI[0] + 0.3, SHANGHAI[1]))
    query = {**HERE, "sort": "relevance", "limit": 5}
    params = parse_search_params({key: str(value) for key, value in query.items()})
    expected = [
        d.listing_id for d in brute_force_search(params, SearchDocument.objects.all())
    ]

    first = search(**query)

    assert [hit.listing_id for hit in first.hits] == expected[:5]
    assert promoted.pk in expected[:5]
    assert all_pages(**query) == expected


# A listing as ``_build`` takes it, with nothing that would move it in a sort
# but its category, title and price.
PLAIN_ROW = {
    "dlat": 0.0,
    "dlng": 0.0,
    "hourly": False,
    "rating": (0, 0.0),
    "radius": 5,
    "verified": False,
    "instant": False,
    "promoted": False,
    "languages": [],
}


def test_a_window_of_the_price_index_serves_a_text_search_by_price():
    """Over many matches a text search sorted by price reads the price index
    in order and tests the words on each row it reads; when the first window
    holds too few matches, the next one does."""
    row = {**PLAIN_ROW, "category": 0}
    rows = [{**row, "title": "repair", "price": 4000}] * 3 + [
        {**row, "title": "window cleaning", "price": 5000}
    ] * 3
    served = []
    window_page = query_service._sort_index_page

    def spy(*args, **kwargs):
        rows = window_page(*args, **kwargs)
        served.append(rows is not None)
        return rows

    with (
        patch.object(query_service, "ORDERED_SCAN_MIN_MATCHES", 1),
        patch.object(query_service, "SORT_INDEX_WINDOWS", (4, 8)),
        patch.object(query_service, "_sort_index_page", spy),
        # As when reading the categories the words occur in gives up.
        patch.object(query_service, "_category_windows_page", lambda *a, **k: None),
    ):
        _check_against_brute_force(
            rows, {"q": "wind", "sort": "price_asc", "limit": "1"}
        )

    assert served[0], "the first page did not come from a window"


def test_the_categories_a_word_is_in_serve_a_text_search_by_price():
    """Over many matches a text search sorted by price reads only the
    categories its words occur in, each in price order: here the one with
    "window", not the other, whose listings are all cheaper."""
    row = PLAIN_ROW
    rows = [{**row, "category": 2, "title": "repair", "price": 4000}] * 4 + [
        {**row, "category": 0, "title": "window cleaning", "price": price}
        for price in (5000, 12000, 5000)
    ]
    served = []
    category_page = query_service._category_windows_page

    def spy(*args, **kwargs):
        rows = category_page(*args, **kwargs)
        served.append(rows is not None)
        return rows

    with (
        patch.object(query_service, "ORDERED_SCAN_MIN_MATCHES", 1),
        patch.object(query_service, "CATEGORY_WINDOWS", (1, 2)),
        patch.object(query_service, "_category_windows_page", spy),
    ):
        _check_against_brute_force(
            rows, {"q": "wind", "sort": "price_asc", "limit": "1"}
        )

    assert served
    assert all(served), "a page did not come from the categories"


def test_a_run_of_equal_ratings_is_not_read_past_the_page():
    """Listings nobody has rated yet share one rating score: a text search by
    rating stops reading a category once it is past the page's last listing
    (ties go by id), rather than reading the whole run of equal keys in a
    category where the word is rare."""
    row = {**PLAIN_ROW, "price": 5000}
    # "window" is common in the first category and rare in the third, whose
    # one match comes last: the first page is all from the first category.
    _build(
        [{**row, "category": 0, "title": "window cleaning"}] * 6
        + [{**row, "category": 2, "title": "lawn mowing"}] * 20
        + [{**row, "category": 2, "title": "window repair"}]
    )
    reads = []

    def count(execute, sql, params, many, context):
        if "d.category_id = " in sql:
            reads.append(params)
        return execute(sql, params, many, context)

    params = parse_search_params({"q": "window", "sort": "rating", "limit": "2"})
    with (
        patch.object(query_service, "ORDERED_SCAN_MIN_MATCHES", 1),
        patch.object(query_service, "CATEGORY_WINDOWS", (2,)),
        connection.execute_wrapper(count),
    ):
        results = search_listings(params, language="en")

    first = [
        d.listing_id for d in brute_force_search(params, SearchDocument.objects.all())
    ][:2]
    assert [hit.listing_id for hit in results.hits] == first
    # The first category in two windows of 2 (a page and one more), the
    # third once: its first window is past the page's end. Reading on through
    # its equal ratings would take ten windows more.
    assert len(reads) == 3
