"""Full-text search through the database engine: Chinese, Traditional and
Simplified, stemming and prefixes, one typo, hostile input."""

import pytest

from doorstep.catalog.models import Listing
from doorstep.search.indexing import index_listing
from doorstep.search.tests.helpers import all_pages, found, search, titles
from tests.factories import make_category, make_listing

pytestmark = pytest.mark.django_db


def test_a_chinese_word_finds_a_title_containing_it():
    home = make_listing(title="家庭保洁服务")
    apart = make_listing(title="保姆与清洁")  # 保 … 洁 apart: not the word 保洁

    assert all_pages(q="保洁") == [home.pk]
    assert not found(apart, q="保洁")


def test_traditional_and_simplified_find_each_other():
    simplified = make_listing(title="空调维修")
    traditional = make_listing(title="空調維修")

    assert set(all_pages(q="空調維修")) == {simplified.pk, traditional.pk}
    assert set(all_pages(q="空调维修")) == {simplified.pk, traditional.pk}


def test_english_is_stemmed_and_the_last_word_is_a_prefix():
    cleaning = make_listing(title="Deep cleaning")
    cleaner = make_listing(title="Window cleaner")
    make_listing(title="Plumbing")

    assert set(all_pages(q="clean")) == {cleaning.pk, cleaner.pk}
    assert set(all_pages(q="Cleaned")) == {cleaning.pk, cleaner.pk}
    assert set(all_pages(q="clea")) == {cleaning.pk, cleaner.pk}


def test_every_word_must_match():
    both = make_listing(title="Window cleaning")
    make_listing(title="Deep cleaning")

    assert all_pages(q="window cleaning") == [both.pk]


def test_one_typo_is_forgiven():
    cleaning = make_listing(title="Deep cleaning")
    plumbing = make_listing(title="Emergency plumbing")

    assert all_pages(q="cleening") == [cleaning.pk]
    assert all_pages(q="plumbnig") == [plumbing.pk]  # a transposition
    assert all_pages(q="xyzzyq") == []


def test_description_provider_and_category_names_are_searched():
    category = make_category(
        "ac-repair", name_en="Air conditioning", name_zh_hans="空调维修"
    )
    listing = make_listing(
        title="Service", category=category, description="Gas refill included"
    )

    assert found(listing, q="refill")
    assert found(listing, q="空調")  # the category's Chinese name, in Traditional
    assert found(listing, q=listing.provider.display_name)


def test_the_title_outranks_the_description():
    in_title = make_listing(title="Sofa cleaning", description="Fabric care")
    in_body = make_listing(title="Fabric care", description="We also do a sofa")

    assert [hit.listing_id for hit in search(q="sofa").hits] == [
        in_title.pk,
        in_body.pk,
    ]


def test_an_edited_title_is_searched_by_its_new_words_only():
    listing = make_listing(title="Carpet cleaning")
    listing.title = "Curtain washing"
    listing.save()
    index_listing(listing)

    assert not found(listing, q="carpet")
    assert found(listing, q="curtain")
    # The old word left the typo vocabulary too: nothing to correct towards.
    assert all_pages(q="carpat") == []


def test_a_removed_listing_leaves_the_text_index():
    listing = make_listing(title="Piano tuning")
    listing.status = Listing.Status.DRAFT
    listing.save()
    index_listing(listing)

    assert all_pages(q="piano") == []


@pytest.mark.parametrize(
    "hostile",
    ['"', "*", "NEAR(", "OR", ")", "'", "\\", "%", "--", 'clean" OR "x', "a:*&!b"],
)
def test_fts_syntax_in_the_query_is_just_text(hostile):
    make_listing(title="Cleaning")

    results = search(q=hostile)

    assert results.total >= 0


def test_text_and_place_together():
    near = make_listing(title="Window cleaning", at=(31.2304, 121.4737))
    make_listing(title="Window cleaning", at=(25.0330, 121.5654))
    make_listing(title="Deep cleaning", at=(31.2304, 121.4737))

    assert titles(search(q="window", lat=31.23, lng=121.47, radius_km=5)) == [
        "Window cleaning"
    ]
    assert all_pages(q="window", lat=31.23, lng=121.47, radius_km=5) == [near.pk]
