"""Semantic search from the bundled model: listings get vectors when indexed
(one by one and in a rebuild, only re-embedded when their text changes), a
paraphrase and another language find what the words alone do not, and with the
setting off nothing is embedded and search answers exactly as before."""

import numpy as np
import pytest
from django.utils import timezone

from doorstep.search import semantic
from doorstep.search.indexing import index_listing, rebuild_index
from doorstep.search.models import ListingVector
from doorstep.search.params import parse_search_params
from doorstep.search.queries import TEXT_MODES, search_listings
from doorstep.search.tests.helpers import ids
from doorstep.search.tests.helpers import search as lexical_search
from tests.factories import make_category, make_listing

pytestmark = pytest.mark.django_db

LISTINGS = {
    "cleaning_zh": ("家庭保洁 每周上门打扫", "专业阿姨，厨房卫生间全屋清洁"),
    "cleaning_tw": ("居家清潔服務", "每週到府打掃，廚房浴室都乾淨"),
    "plumbing": (
        "Emergency plumber",
        "Leaking taps, blocked drains and burst pipes fixed",
    ),
    "dogs": ("Dog walking", "Daily walks and pet sitting for your dog"),
    "garden": ("Garden care", "Lawn mowing, hedge trimming and weeding"),
}


@pytest.fixture
def semantic_on(settings):
    settings.DOORSTEP_SEMANTIC_SEARCH = True
    semantic._index = None


@pytest.fixture
def listings():
    category = make_category()
    made = {}
    for key, (title, description) in LISTINGS.items():
        made[key] = make_listing(
            category=category, title=title, description=description
        )
    return made


def test_indexing_stores_a_vector_per_listing(semantic_on, listings):
    for listing in listings.values():
        index_listing(listing)
    vectors = dict(ListingVector.objects.values_list("listing_id", "vector"))
    assert set(vectors) == {listing.pk for listing in listings.values()}
    assert all(len(bytes(v)) == semantic.DIMENSIONS * 4 for v in vectors.values())


def test_rebuild_fills_vectors_and_skips_unchanged_text(semantic_on, listings):
    ListingVector.objects.all().delete()
    rebuild_index()
    assert ListingVector.objects.count() == len(listings)
    before = dict(ListingVector.objects.values_list("listing_id", "text_hash"))
    assert (
        semantic.store_vectors(
            (listing.pk, semantic.document_text(listing.title, listing.description))
            for listing in listings.values()
        )
        == 0
    )
    dogs = listings["dogs"]
    dogs.description = "Cat sitting too"
    dogs.save()
    index_listing(dogs)
    after = dict(ListingVector.objects.values_list("listing_id", "text_hash"))
    assert after[dogs.pk] != before[dogs.pk]
    assert {k: v for k, v in after.items() if k != dogs.pk} == {
        k: v for k, v in before.items() if k != dogs.pk
    }


def test_a_hidden_listing_loses_its_vector(semantic_on, listings):
    for listing in listings.values():
        index_listing(listing)
    garden = listings["garden"]
    garden.status = garden.Status.DRAFT
    garden.save()
    index_listing(garden)
    assert ListingVector.objects.get(listing_id=garden.pk).text_hash == semantic.REMOVED
    assert garden.pk not in dict(semantic.nearest("lawn", k=10, min_similarity=-1.0))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("house cleaning", {"cleaning_zh", "cleaning_tw"}),
        ("保洁", {"cleaning_zh", "cleaning_tw"}),
        ("清潔", {"cleaning_zh", "cleaning_tw"}),
        ("my kitchen sink is leaking", {"plumbing"}),
        ("遛狗", {"dogs"}),
        ("someone to mow the grass", {"garden"}),
    ],
)
def test_semantic_finds_what_the_words_do_not(semantic_on, listings, query, expected):
    for listing in listings.values():
        index_listing(listing)
    top = semantic.nearest(query, k=len(expected))
    by_id = {listing.pk: key for key, listing in listings.items()}
    assert {by_id[listing_id] for listing_id, _ in top} == expected


def test_paraphrase_and_other_language_are_missed_by_lexical_search(listings):
    for listing in listings.values():
        index_listing(listing)
    assert ids(lexical_search(q="house cleaning")) == []
    assert listings["cleaning_tw"].pk not in ids(lexical_search(q="保洁"))
    assert ids(lexical_search(q="someone to mow the grass")) == []


def test_nearest_keeps_to_the_allowed_listings(semantic_on, listings):
    for listing in listings.values():
        index_listing(listing)
    allowed = [listings["dogs"].pk, listings["garden"].pk]
    top = semantic.nearest("house cleaning", k=5, allowed=allowed)
    assert {listing_id for listing_id, _ in top} == set(allowed)
    assert semantic.nearest("house cleaning", k=5, allowed=[]) == []


def test_vectors_reload_when_the_table_changes(semantic_on, listings):
    for listing in listings.values():
        index_listing(listing)

    def every(query):
        return semantic.nearest(query, k=10, min_similarity=-1.0)

    assert len(every("dog")) == len(listings)
    semantic.remove_vector(listings["dogs"].pk)
    assert len(every("dog")) == len(listings) - 1
    index_listing(listings["dogs"])
    assert every("dog")[0][0] == listings["dogs"].pk


def test_another_process_s_changes_apply_to_the_loaded_vectors_in_place(
    semantic_on, listings, monkeypatch
):
    # Given the vectors loaded in this process
    for listing in listings.values():
        index_listing(listing)
    assert len(semantic.nearest("dog", k=10, min_similarity=-1.0)) == len(listings)
    monkeypatch.setattr(semantic, "_loaded", _no_reload)

    # When another process changes one vector and removes another
    dogs, garden = listings["dogs"], listings["garden"]
    ListingVector.objects.filter(listing_id=dogs.pk).update(
        vector=semantic.embed_texts(["Garden care, lawn mowing"])[0].tobytes(),
        updated_at=timezone.now(),
    )
    ListingVector.objects.filter(listing_id=garden.pk).update(
        text_hash=semantic.REMOVED, vector=b"", updated_at=timezone.now()
    )
    monkeypatch.setattr(semantic, "_version_checked_at", 0.0)

    # Then the next search sees both, without reading every vector again
    found = dict(semantic.nearest("mowing the lawn", k=10, min_similarity=-1.0))
    assert garden.pk not in found
    assert max(found, key=found.get) == dogs.pk
    assert semantic._index.size == len(listings) - 1


def _no_reload(*args):
    raise AssertionError("every vector was read again")


def test_an_index_takes_changes_in_place():
    vectors = clustered_unit_vectors(300, topics=6, seed=3)
    ids = np.arange(1, 301, dtype=np.int64) * 10
    index = semantic.VectorIndex(ids[:200], vectors[:200].copy())

    # When a row is written over, new ids are appended and two removed
    newer = index.changed(
        np.concatenate([ids[200:], ids[:1]]),
        np.concatenate([vectors[200:], vectors[250:251]]),
        removed=ids[1:3],
    )
    again = newer.changed(ids[3:4], vectors[251:252], removed=ids[200:201])

    # Then each index finds what it holds (a row written over is written for
    # the older indexes too): the exact top agrees with a scan of the vectors,
    # and the older index kept its rows
    assert newer.size == 200 - 2 + 100
    assert again.size == newer.size - 1
    assert index.size == len(index.ids) == 200
    expected = {int(i): v for i, v in zip(ids, vectors, strict=True)}
    expected[int(ids[0])] = vectors[250]
    expected[int(ids[3])] = vectors[251]
    del expected[int(ids[1])], expected[int(ids[2])]
    for query in vectors[::37]:
        positions, similarity = newer.top(query, 20)
        exact = sorted(expected, key=lambda i: -float(expected[i] @ query))[:20]
        assert set(newer.ids[positions]) == set(exact)
        assert np.allclose(
            similarity, [expected[i] @ query for i in newer.ids[positions]]
        )
    found, rows = again.rows_of(np.array([ids[0], ids[1], ids[3], ids[200], 7]))
    assert list(found) == [ids[0], ids[3]]
    assert np.allclose(again.matrix[rows], [vectors[250], vectors[251]])
    everything = again.top(vectors[0], 1000)[0]
    assert len(everything) == again.size
    assert -1 not in set(again.ids[everything])


def test_many_changes_load_in_the_background_while_the_old_index_answers(
    semantic_on, listings, monkeypatch
):
    for listing in listings.values():
        index_listing(listing)
    before = semantic._vectors()
    started = []
    monkeypatch.setattr(semantic, "INLINE_CHANGES", 2)
    monkeypatch.setattr(semantic, "_in_background", started.append)
    ListingVector.objects.update(updated_at=timezone.now())
    monkeypatch.setattr(semantic, "_version_checked_at", 0.0)

    assert semantic._vectors(wait=False) is before
    assert started == [semantic._loaded]


def test_a_new_query_is_embedded_once_for_every_process(monkeypatch):
    """A query's vector is kept in the process and in the shared cache; a
    search that does not wait gets ``None`` for a text never embedded, which
    is embedded in the background for the next one."""
    from django.core.cache import cache

    embedded = []
    real = semantic.embed_texts
    monkeypatch.setattr(
        semantic, "embed_texts", lambda texts: embedded.append(texts) or real(texts)
    )
    monkeypatch.setattr(semantic, "_queries", semantic.OrderedDict())
    cache.delete(semantic._query_key("window cleaning"))

    assert semantic.embed_query("Window  cleaning", wait=False) is None
    semantic._pending.join()
    assert embedded == [["window cleaning"]]
    first = semantic.embed_query("window cleaning", wait=False)
    assert first is not None

    # Another process (an empty cache of its own) takes it from the shared one
    monkeypatch.setattr(semantic, "_queries", semantic.OrderedDict())
    assert np.array_equal(semantic.embed_query("window cleaning"), first)
    assert len(embedded) == 1


def clustered_unit_vectors(count: int, topics: int, seed: int) -> np.ndarray:
    """Unit vectors around a few topics, as listings' embeddings are (random
    vectors have no neighbours worth finding). The recall on real embeddings
    at 100,000 is measured by bench/semantic.py."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((topics, semantic.DIMENSIONS))
    vectors = centres[rng.integers(0, topics, count)]
    vectors += 0.3 * rng.standard_normal((count, semantic.DIMENSIONS))
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def test_the_two_pass_scan_finds_what_the_exact_one_does(monkeypatch):
    # Given more vectors than the two-pass threshold
    monkeypatch.setattr(semantic, "TWO_PASS_FROM", 2_000)
    monkeypatch.setattr(semantic, "RESCORED_MIN", 300)
    vectors = clustered_unit_vectors(6_000, topics=60, seed=7)
    ids = np.arange(10, 10 + len(vectors), dtype=np.int64)
    index = semantic.VectorIndex(ids, vectors)
    queries = clustered_unit_vectors(20, topics=60, seed=8)
    assert index.coarse is not None
    assert index.coarse.shape == (len(ids), semantic.COARSE_DIMENSIONS)

    for query in queries:
        # When the top 50 is asked for
        positions, similarity = index.top(query, 50)
        exact = vectors @ query
        best = np.argsort(-exact, kind="stable")[:50]

        # Then nearly all of the exact top 50 are found, with exact cosines,
        # highest first
        assert len(set(positions) & set(best)) >= 48
        assert np.allclose(similarity, exact[positions], atol=1e-6)
        assert list(similarity) == sorted(similarity, reverse=True)


def test_below_the_threshold_the_scan_is_exact(monkeypatch):
    vectors = clustered_unit_vectors(500, topics=5, seed=9)
    index = semantic.VectorIndex(np.arange(len(vectors), dtype=np.int64), vectors)
    query = vectors[3]

    positions, similarity = index.top(query, 500)

    assert index.coarse is None
    assert list(positions[:1]) == [3]
    assert sorted(positions) == list(range(500))
    assert np.allclose(similarity, (vectors @ query)[positions])


def test_switched_off_nothing_is_embedded_and_search_is_lexical(settings, listings):
    settings.DOORSTEP_SEMANTIC_SEARCH = False
    assert not semantic.available()
    for listing in listings.values():
        index_listing(listing)
    rebuild_index()
    assert not ListingVector.objects.exists()
    assert ids(lexical_search(q="dog")) == [listings["dogs"].pk]


def modes(listings, **query) -> dict[str, list[str]]:
    by_id = {listing.pk: key for key, listing in listings.items()}
    params = parse_search_params({key: str(value) for key, value in query.items()})
    return {
        mode: [
            by_id[hit.listing_id]
            for hit in search_listings(params, language="en", text_mode=mode).hits
        ]
        for mode in TEXT_MODES
    }


def test_blended_search_finds_another_language_and_keeps_the_word_matches(
    semantic_on, listings
):
    for listing in listings.values():
        index_listing(listing)
    found = modes(listings, q="house cleaning")
    assert found["lexical"] == []
    assert set(found["semantic"][:2]) == {"cleaning_zh", "cleaning_tw"}
    assert set(found["blended"][:2]) == {"cleaning_zh", "cleaning_tw"}
    found = modes(listings, q="dog walking")
    assert found["lexical"] == ["dogs"]
    assert found["blended"][0] == "dogs"


def test_semantic_matches_obey_the_filters_and_count_in_the_facets(
    semantic_on, listings
):
    other = make_category()
    garden = listings["garden"]
    garden.category = other
    garden.save()
    for listing in listings.values():
        index_listing(listing)
    params = parse_search_params({"q": "someone to mow the grass"})
    results = search_listings(params, language="en", text_mode="blended")
    assert results.hits[0].listing_id == garden.pk
    assert results.total == len(results.hits)
    params = parse_search_params(
        {"q": "someone to mow the grass", "category": listings["dogs"].category.slug}
    )
    results = search_listings(params, language="en", text_mode="blended")
    assert garden.pk not in [hit.listing_id for hit in results.hits]


def test_blended_pages_follow_the_cursor_without_repeats(semantic_on, listings):
    for listing in listings.values():
        index_listing(listing)
    seen, cursor = [], None
    for _ in range(10):
        query = {"q": "cleaning service", "limit": "2"}
        if cursor:
            query["cursor"] = cursor
        results = search_listings(
            parse_search_params(query), language="en", text_mode="blended"
        )
        seen.extend(hit.listing_id for hit in results.hits)
        cursor = results.next_cursor
        if cursor is None:
            break
    whole = search_listings(
        parse_search_params({"q": "cleaning service", "limit": "50"}),
        language="en",
        text_mode="blended",
    )
    assert seen == [hit.listing_id for hit in whole.hits]
    assert len(seen) == len(set(seen))


def test_without_the_model_every_mode_is_lexical(settings, listings):
    settings.DOORSTEP_SEMANTIC_SEARCH = False
    for listing in listings.values():
        index_listing(listing)
    found = modes(listings, q="dog walking")
    assert found == {mode: ["dogs"] for mode in TEXT_MODES}
    assert modes(listings, q="house cleaning")["blended"] == []


def test_a_search_does_not_wait_for_the_model_to_load(semantic_on, monkeypatch):
    """Until the model and the vectors are loaded in the process, a search that
    does not insist on a mode is lexical and they load in the background, one
    after the other; once both are, the default is the blend."""
    loaded = semantic._encoder()
    started = []
    monkeypatch.setattr(semantic, "_model", None)
    monkeypatch.setattr(semantic, "_loading", None)
    monkeypatch.setattr(semantic, "_background", None)
    monkeypatch.setattr(
        semantic.threading,
        "Thread",
        lambda **kwargs: type(
            "T",
            (),
            {
                "start": lambda self: started.append(kwargs["name"]),
                "is_alive": lambda self: True,
            },
        )(),
    )
    params = parse_search_params({"q": "house cleaning"})

    assert search_mode(params) == "lexical"
    assert search_mode(params) == "lexical"
    assert started == ["semantic-model-load"]

    monkeypatch.setattr(semantic, "_model", loaded)
    assert search_mode(params) == "lexical"
    assert search_mode(params) == "lexical"
    assert started == ["semantic-model-load", "semantic-vectors"]

    semantic._vectors()
    assert search_mode(params) == "blended"


def search_mode(params) -> str:
    from doorstep.search.queries import _text_mode

    return _text_mode(params, None)
