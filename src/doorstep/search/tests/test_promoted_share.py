"""At most one hit in ``DOORSTEP_PROMOTED_SHARE`` on a results page is a
promoted one, even when every listing that matches is promoted; the promoted
hits that find no slot come on later pages, none skipped or repeated."""

from datetime import timedelta

import pytest
from django.utils import timezone

from doorstep.search.tests.helpers import all_pages, search
from tests.factories import make_listing

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _one_in_four(settings):
    settings.DOORSTEP_PROMOTED_SHARE = 4


def _listings(promoted: int, plain: int) -> tuple[list[int], list[int]]:
    until = timezone.now() + timedelta(days=2)
    promoted_ids = [
        make_listing(
            title=f"Promoted cleaning {n}",
            promoted_until=until,
            rating_count=50,
            rating_mean=4.9,
        ).pk
        for n in range(promoted)
    ]
    plain_ids = [make_listing(title=f"Plain cleaning {n}").pk for n in range(plain)]
    return promoted_ids, plain_ids


def test_a_page_holds_at_most_its_share_of_promoted_hits():
    # given more promoted listings than pages have slots, all of them better
    promoted, plain = _listings(promoted=10, plain=10)
    # when browsing by best match, 8 a page
    first = search(limit=8, sort="relevance")
    # then 2 promoted hits (one in four), first, then the others
    flags = [hit.is_promoted for hit in first.hits]
    assert flags == [True, True] + [False] * 6
    # and every listing comes exactly once over the pages, none with more
    pages = _pages(limit=8, sort="relevance")
    assert all(sum(pk in promoted for pk in page) <= 2 for page in pages)
    paged = [pk for page in pages for pk in page]
    assert sorted(paged) == sorted(promoted + plain)
    assert paged == all_pages(limit=8, sort="relevance")


def _pages(**query) -> list[list[int]]:
    pages, cursor = [], None
    while True:
        results = search(**query, **({"cursor": cursor} if cursor else {}))
        pages.append([hit.listing_id for hit in results.hits])
        cursor = results.next_cursor
        if cursor is None:
            return pages


def test_a_page_full_of_promoted_listings_shows_one_slot_and_the_rest_later():
    # given only promoted listings match
    promoted, _ = _listings(promoted=9, plain=0)
    # then each page of 4 shows one, and all nine come, once each
    assert [hit.is_promoted for hit in search(limit=4, sort="relevance").hits] == [True]
    paged = all_pages(limit=4, sort="relevance")
    assert sorted(paged) == sorted(promoted)


def test_without_a_cap_binding_best_match_is_unchanged():
    promoted, plain = _listings(promoted=1, plain=5)
    assert search(limit=8, sort="relevance").hits[0].listing_id == promoted[0]
    assert sorted(all_pages(limit=2, sort="relevance")) == sorted(promoted + plain)


def test_the_share_holds_when_searching_for_words():
    # given only promoted listings match "cleaning", and a few plain ones
    promoted, plain = _listings(promoted=6, plain=3)
    # then a page of 4 holds one promoted hit, and all come once each
    pages = _pages(q="cleaning", limit=4, sort="relevance")
    assert all(sum(pk in promoted for pk in page) <= 1 for page in pages)
    assert sorted(pk for page in pages for pk in page) == sorted(promoted + plain)


@pytest.mark.parametrize("limit", [2, 4])
def test_the_share_holds_near_a_point(limit):
    from tests.factories import SHANGHAI

    promoted, plain = _listings(promoted=6, plain=3)
    near = {"lat": SHANGHAI[0], "lng": SHANGHAI[1], "sort": "relevance"}
    pages = _pages(limit=limit, **near)
    assert all(sum(pk in promoted for pk in page) <= 1 for page in pages)
    assert sorted(pk for page in pages for pk in page) == sorted(promoted + plain)
