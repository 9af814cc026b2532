"""The index follows the listings: documents, text index, vocabulary, reindex."""

from io import StringIO

import pytest
from django.core.management import call_command

from doorstep.accounts.models import ProviderProfile
from doorstep.catalog.models import Listing
from doorstep.search.indexing import (
    index_category,
    index_listing,
    index_provider,
    rebuild_index,
    remove_listing,
)
from doorstep.search.models import SearchDocument, SearchTerm
from doorstep.search.tests.helpers import all_pages, found
from tests.factories import make_category, make_listing, make_provider

pytestmark = pytest.mark.django_db


def vocabulary() -> dict[str, int]:
    return dict(SearchTerm.objects.values_list("term", "doc_count"))


def test_the_vocabulary_counts_documents_per_term():
    first = make_listing(title="Window cleaning", description="")
    make_listing(title="Deep cleaning", description="")

    assert vocabulary()["clean"] == 2
    assert vocabulary()["window"] == 1

    remove_listing(first.pk)

    assert vocabulary()["clean"] == 1
    assert "window" not in vocabulary()


def test_index_listing_twice_changes_nothing():
    listing = make_listing(title="Window cleaning")
    before = vocabulary()

    index_listing(listing)

    assert vocabulary() == before
    assert all_pages(q="window") == [listing.pk]


def test_provider_changes_reach_every_listing_of_the_provider():
    provider = make_provider(display_name="Old Name")
    listings = [make_listing(provider=provider) for _ in range(2)]
    provider.display_name = "Sparkle Team"
    provider.save()

    index_provider(provider)

    assert set(all_pages(q="sparkle")) == {listing.pk for listing in listings}
    provider.status = ProviderProfile.Status.SUSPENDED
    provider.save()
    index_provider(provider)
    assert SearchDocument.objects.count() == 0


def test_a_renamed_category_is_searchable_by_its_new_name():
    category = make_category("cleaning", name_en="Cleaning")
    child = make_category("windows", parent=category, name_en="Windows")
    listing = make_listing(category=child, title="Service")
    category.name_en = "Housekeeping"
    category.save()

    index_category(category)

    assert found(listing, q="housekeeping")


def test_reindex_rebuilds_documents_text_and_vocabulary():
    kept = make_listing(title="Window cleaning")
    draft = make_listing(title="Draft", status=Listing.Status.DRAFT)
    # Simulate drift: a document deleted behind the indexer's back.
    SearchDocument.objects.filter(pk=kept.pk).delete()
    SearchTerm.objects.all().delete()

    out = StringIO()
    call_command("reindex", stdout=out)

    assert "Indexed 1 listings" in out.getvalue()
    assert all_pages(q="window") == [kept.pk]
    assert all_pages(q="cleening") == [kept.pk]
    assert not SearchDocument.objects.filter(pk=draft.pk).exists()
    assert vocabulary()["window"] == 1


def test_rebuild_returns_the_count_and_is_idempotent():
    for _ in range(3):
        make_listing()

    assert rebuild_index(batch_size=2) == 3
    assert rebuild_index(batch_size=2) == 3
    assert len(all_pages()) == 3


def test_a_deleted_listing_takes_its_document_with_it():
    listing = make_listing(title="Gone soon")
    pk = listing.pk

    remove_listing(pk)
    listing.delete()

    assert not SearchDocument.objects.filter(pk=pk).exists()
    assert all_pages(q="gone") == []
