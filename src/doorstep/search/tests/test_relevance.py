"""The relevance set (``search.relevance``): the corpus is loaded once through
the catalogue's services and every labelled query is run through the real
search. Lexical search must find what a query repeats word for word; the
semantic blend must rank better than lexical alone. Semantic search is on for
this module (the test settings turn it off elsewhere), so the corpus is embedded
as it is indexed."""

import pytest
from django.db import transaction
from django.test import override_settings

from doorstep.search.relevance.evaluate import (
    evaluate,
    load_corpus,
    mode_support,
    ndcg,
    queries,
    recall,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    """The corpus, loaded once for the module in a transaction rolled back after
    it; the corpus key of each listing id."""
    with (
        override_settings(DOORSTEP_SEMANTIC_SEARCH=True),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        yield load_corpus()
        transaction.set_rollback(True)


@pytest.fixture(scope="module")
def lexical(loaded, django_db_blocker):
    with django_db_blocker.unblock():
        return evaluate(loaded, modes=["lexical"])


def test_the_metrics():
    judged = {"a": 2, "b": 1, "c": 1}

    assert ndcg(["a", "b", "c"], judged) == pytest.approx(1.0)
    assert ndcg(["x", "y"], judged) == 0.0
    assert 0 < ndcg(["c", "b", "a"], judged) < 1
    assert recall(["a", "x", "c"], judged) == pytest.approx(2 / 3)
    assert recall(["a"] + ["x"] * 9 + ["b"], judged) == pytest.approx(1 / 3)


def test_the_set_is_what_it_claims():
    labelled = queries()
    by_language = {}
    for query in labelled:
        by_language[query.language] = by_language.get(query.language, 0) + 1

    assert len(labelled) >= 200
    assert min(by_language.values()) >= 50
    assert len(by_language) == 3
    assert all(2 in query.judgements.values() for query in labelled)


def test_every_listing_is_published_and_found_in_search(loaded):
    from doorstep.catalog.models import Listing
    from doorstep.search.models import SearchDocument

    assert len(loaded) >= 300
    assert Listing.objects.filter(
        pk__in=loaded, status=Listing.Status.PUBLISHED
    ).count() == len(loaded)
    assert SearchDocument.objects.filter(listing_id__in=loaded).count() == len(loaded)


def test_lexical_finds_the_listing_whose_title_a_query_repeats(lexical):
    exact = [q for q in lexical.queries if q.title_of]
    missed = [
        (q.text, q.title_of)
        for q in exact
        if q.title_of not in lexical.scores["lexical"][q.key].found
    ]

    assert len(exact) >= 25
    assert missed == []


def test_lexical_figures_are_sane(lexical):
    overall = lexical.summary("lexical")
    exact = lexical.summary("lexical", kind="exact")

    assert exact.ndcg > 0.5
    assert 0.2 < overall.ndcg < exact.ndcg
    assert overall.recall > 0.1


def test_the_blend_beats_lexical(loaded, lexical, django_db_blocker):
    with override_settings(DOORSTEP_SEMANTIC_SEARCH=True):
        available, unavailable = mode_support()
        assert "blended" in available, unavailable
        with django_db_blocker.unblock():
            report = evaluate(loaded, modes=["semantic", "blended"])
    blended = report.summary("blended")
    semantic = report.summary("semantic")

    assert semantic.ndcg > 0
    assert blended.ndcg > lexical.summary("lexical").ndcg
