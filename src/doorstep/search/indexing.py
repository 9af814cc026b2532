"""Keeping the search index in step with listings.

Catalogue services call these explicitly, inside their own transaction, after
every change to a listing or to what is denormalised from it (provider, category,
reputation): the index is never stale past a commit, and no signal hides the call.

A listing has a search document exactly when it is published, its provider is
active and its category (with every ancestor) is active. The document carries
everything search filters, sorts, ranks and shows (``search.models``), the
full-text index entry (``search.backends``) and its share of the vocabulary that
typo correction uses (``SearchTerm``).

One thing is deliberately allowed to lag: a listing's reputation is shrunk toward
its category's mean (``ranking``), computed when the listing is indexed. The
mean moves slowly; ``doorstep reindex`` (nightly, say) brings every document to
the same prior.
"""

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from itertools import islice
from types import SimpleNamespace

from django.db import connection, transaction
from django.db.models import F, Sum
from django.utils import timezone

from doorstep.accounts.models import ProviderProfile
from doorstep.catalog.models import Category, Listing, ListingPhoto
from doorstep.search import ranking, semantic
from doorstep.search.backends import get_backend
from doorstep.search.categories import (
    CategoryInfo,
    lineage,
    load_categories,
    subtree_ids,
)
from doorstep.search.facets import price_band
from doorstep.search.geometry import chord2_for_km, reach_bucket, unit_vector
from doorstep.search.models import (
    QUOTE_PRICE_KEY,
    SearchDocument,
    SearchTerm,
    SearchTermCategory,
)
from doorstep.search.text import document_text, is_vocabulary_term

BULK_BATCH_SIZE = 2000
_TERM_TABLE = SearchTerm._meta.db_table
_TERM_CATEGORY_TABLE = SearchTermCategory._meta.db_table


def index_listing(listing: Listing) -> None:
    """Write (or remove, if it is not visible) the listing's search document."""
    categories = load_categories()
    with transaction.atomic():
        before = (
            SearchDocument.objects.select_for_update()
            .filter(pk=listing.pk)
            .values_list("title_text", "body_text", "category_id")
            .first()
        )
        if not _is_visible(listing, categories):
            _remove(listing.pk, before)
            return
        old = before[:2] if before else None
        rating_sum, rating_count = _category_totals(listing.category_id, listing.pk)
        prior = ranking.category_prior(
            rating_sum=rating_sum + listing.rating_mean * listing.rating_count,
            rating_count=rating_count + listing.rating_count,
        )
        document = build_document(
            listing,
            categories=categories,
            prior=prior,
            thumbnail_url=_thumbnail_urls([listing.pk]).get(listing.pk, ""),
        )
        document.save(force_insert=old is None, force_update=old is not None)
        new = (document.title_text, document.body_text)
        with connection.cursor() as cursor:
            get_backend().replace_text(cursor, listing.pk, old, new)
        _adjust_vocabulary(old, new)
        _adjust_term_categories(before, (*new, document.category_id))
        if semantic.available():
            semantic.store_vectors(
                [
                    (
                        listing.pk,
                        semantic.document_text(listing.title, listing.description),
                    )
                ]
            )


def remove_listing(listing_id: int) -> None:
    """Remove a listing's search document, if any."""
    with transaction.atomic():
        before = (
            SearchDocument.objects.select_for_update()
            .filter(pk=listing_id)
            .values_list("title_text", "body_text", "category_id")
            .first()
        )
        _remove(listing_id, before)


def index_provider(provider: ProviderProfile) -> None:
    """Rewrite the documents of every listing of a provider whose public face
    changed (name, verification, languages, response time, suspension)."""
    for listing in _listings().filter(provider=provider):
        index_listing(listing)


def index_category(category: Category) -> None:
    """Rewrite the documents of every listing in a category's subtree (renamed,
    moved, switched on or off)."""
    ids = subtree_ids(
        {c.pk: _bare_category(c) for c in Category.objects.all()}, category.pk
    )
    for listing in _listings().filter(category_id__in=ids):
        index_listing(listing)


def rebuild_index(
    *,
    batch_size: int = BULK_BATCH_SIZE,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Rebuild every document, the text index and the vocabulary from scratch,
    in one transaction (searches see the old index until it commits). Returns how
    many documents were written."""
    backend = get_backend()
    categories = load_categories()
    visible = _listings().filter(
        status=Listing.Status.PUBLISHED,
        provider__status=ProviderProfile.Status.ACTIVE,
        category_id__in=list(categories),
    )
    priors = _category_priors(visible)
    # Vectors are re-embedded only where the text changed (``semantic``).
    embed = semantic.available()
    vocabulary: Counter = Counter()
    # Per category, every term's documents (SearchTermCategory).
    by_category: dict[int, Counter] = {}
    written = 0
    with transaction.atomic():
        with connection.cursor() as cursor:
            backend.begin_bulk_load(cursor)
            SearchTerm.objects.all().delete()
            SearchTermCategory.objects.all().delete()
        # Indexes are cheaper built once, sorted, than grown row by row.
        _run_index_sql("remove_sql")
        texts: dict[str, str] = {}
        vocabulary_words: dict[str, bool] = {}
        # One query, streamed (a server-side cursor on PostgreSQL): re-running a
        # filtered, joined query per batch cost more than reading its rows.
        stream = (
            visible.order_by("pk")
            .values(*_LISTING_VALUES, *_PROVIDER_VALUES)
            .iterator(chunk_size=batch_size)
        )
        while True:
            rows = list(islice(stream, batch_size))
            if not rows:
                break
            thumbnails = _thumbnail_urls([row["id"] for row in rows])
            documents = []
            for row in rows:
                listing, provider = _plain_listing(row)
                fields = document_fields(
                    listing,
                    provider,
                    categories=categories,
                    prior=priors.get(listing.category_id, ranking.PLATFORM_PRIOR_MEAN),
                    thumbnail_url=thumbnails.get(listing.pk, ""),
                    text=lambda value: _cached(texts, value, document_text),
                )
                documents.append(fields)
                words = set(fields["title_text"].split())
                words.update(fields["body_text"].split())
                category_terms = by_category.get(listing.category_id)
                if category_terms is None:
                    category_terms = by_category[listing.category_id] = Counter()
                category_terms.update(words)
                vocabulary.update(
                    word
                    for word in words
                    if _cached(vocabulary_words, word, is_vocabulary_term)
                )
            # Bounded: the caches only pay off within a run of similar rows.
            if len(texts) > _TEXT_CACHE_SIZE:
                texts.clear()
            if len(vocabulary_words) > _WORD_CACHE_SIZE:
                vocabulary_words.clear()
            _insert_documents(documents)
            if embed:
                semantic.store_vectors(
                    (
                        row["id"],
                        semantic.document_text(row["title"], row["description"]),
                    )
                    for row in rows
                )
            written += len(documents)
            if progress is not None:
                progress(written)
        SearchTerm.objects.bulk_create(
            (
                SearchTerm(term=term, doc_count=count)
                for term, count in vocabulary.items()
            ),
            batch_size=5000,
        )
        SearchTermCategory.objects.bulk_create(
            (
                SearchTermCategory(term=term, category_id=category_id, doc_count=count)
                for category_id, terms in by_category.items()
                for term, count in terms.items()
            ),
            batch_size=5000,
        )
        _run_index_sql("create_sql")
        with connection.cursor() as cursor:
            backend.finish_bulk_load(cursor)
    return written


# What a bulk rebuild reads: plain values from one streamed, joined query (model
# instances cost more to build than the documents themselves).
_LISTING_VALUES = (
    "id",
    "public_id",
    "title",
    "description",
    "category_id",
    "pricing_model",
    "price_amount",
    "currency",
    "languages",
    "latitude",
    "longitude",
    "h3_cell",
    "service_radius_km",
    "instant_book",
    "promoted_until",
    "rating_mean",
    "rating_count",
)
_PROVIDER_VALUES = (
    "provider_id",
    "provider__public_id",
    "provider__display_name",
    "provider__languages",
    "provider__verified_at",
    "provider__completed_jobs",
    "provider__median_response_minutes",
)
_TEXT_CACHE_SIZE = 10_000
_WORD_CACHE_SIZE = 200_000


def _plain_listing(row: dict) -> tuple[SimpleNamespace, SimpleNamespace]:
    """A values() row as the listing and provider ``document_fields`` reads."""
    provider = SimpleNamespace(
        pk=row["provider_id"],
        public_id=row["provider__public_id"],
        display_name=row["provider__display_name"],
        languages=row["provider__languages"],
        is_verified=row["provider__verified_at"] is not None,
        completed_jobs=row["provider__completed_jobs"],
        median_response_minutes=row["provider__median_response_minutes"],
    )
    listing = SimpleNamespace(pk=row["id"], **{k: row[k] for k in _LISTING_VALUES})
    return listing, provider


def _cached(cache: dict, key, compute):
    try:
        return cache[key]
    except KeyError:
        value = cache[key] = compute(key)
        return value


def _run_index_sql(method: str) -> None:
    # The SQL, not the schema editor: SQLite's refuses to run inside a
    # transaction with foreign keys on, and this must stay one transaction.
    editor = connection.schema_editor()
    editor.deferred_sql = []  # set by __enter__, which we do not run
    with connection.cursor() as cursor:
        for index in SearchDocument._meta.indexes:
            cursor.execute(str(getattr(index, method)(SearchDocument, editor)))


def _insert_documents(documents: list[dict]) -> None:
    """One ``COPY`` (PostgreSQL) or ``executemany`` (SQLite) per batch of plain
    rows: the ORM's per-field preparation costs more than the insert itself at a
    million rows."""
    fields = SearchDocument._meta.concrete_fields
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    table = SearchDocument._meta.db_table
    adapt = connection.ops.adapt_datetimefield_value
    now = adapt(timezone.now())
    names = [field.attname for field in fields]
    rows = []
    for document in documents:
        document = {
            **document,
            "indexed_at": now,
            "promoted_until": adapt(document["promoted_until"]),
        }
        rows.append([document[name] for name in names])
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(fields))
            cursor.executemany(
                f"INSERT INTO {table} ({columns}) VALUES ({marks})",  # noqa: S608
                rows,
            )


# --- Building a document ------------------------------------------------------------


def build_document(
    listing: Listing,
    *,
    categories: Mapping[int, CategoryInfo],
    prior: float,
    thumbnail_url: str,
) -> SearchDocument:
    """The search document of a visible listing (its provider loaded)."""
    return SearchDocument(
        **document_fields(
            listing,
            listing.provider,
            categories=categories,
            prior=prior,
            thumbnail_url=thumbnail_url,
        )
    )


def document_fields(
    listing,
    provider,
    *,
    categories: Mapping[int, CategoryInfo],
    prior: float,
    thumbnail_url: str,
    text: Callable[[str], str] = document_text,
) -> dict:
    """A document's field values by attribute name (all but ``indexed_at``).

    ``listing`` and ``provider`` are model instances or anything with the same
    attributes (``rebuild_index`` passes plain rows); ``text`` is
    ``document_text``, possibly cached."""
    price = listing.price_amount
    radius = float(listing.service_radius_km)
    x, y, z = unit_vector(listing.latitude, listing.longitude)
    rating_score = ranking.reputation(
        mean=listing.rating_mean, count=listing.rating_count, prior=prior
    )
    languages = sorted(
        {str(code).lower() for code in [*provider.languages, *listing.languages]}
    )
    category_names = [
        name
        for node in lineage(categories, listing.category_id)
        for name in node.all_names
    ]
    return {
        "listing_id": listing.pk,
        "public_id": listing.public_id,
        "title": listing.title,
        "category_id": listing.category_id,
        "provider_id": provider.pk,
        "provider_public_id": provider.public_id,
        "provider_name": provider.display_name,
        "provider_verified": provider.is_verified,
        "languages": "|" + "|".join(languages) + "|" if languages else "",
        "pricing_model": listing.pricing_model,
        "price_amount": price,
        "currency": listing.currency,
        "price_band": price_band(price, listing.currency),
        "price_key": QUOTE_PRICE_KEY if price is None else price,
        "price_desc_key": QUOTE_PRICE_KEY if price is None else -price,
        "latitude": listing.latitude,
        "longitude": listing.longitude,
        "unit_x": x,
        "unit_y": y,
        "unit_z": z,
        "h3_cell": listing.h3_cell,
        "service_radius_km": radius,
        "reach_chord2": chord2_for_km(radius),
        "reach_bucket": reach_bucket(radius),
        "rating_mean": listing.rating_mean,
        "rating_count": listing.rating_count,
        "rating_score": rating_score,
        "completed_jobs": provider.completed_jobs,
        "median_response_minutes": provider.median_response_minutes,
        "static_score": ranking.static_score(
            rating_score=rating_score,
            median_response_minutes=provider.median_response_minutes,
        ),
        "instant_book": listing.instant_book,
        "promoted_until": listing.promoted_until,
        "thumbnail_url": thumbnail_url,
        "title_text": text(listing.title),
        "body_text": " ".join(
            part
            for part in (
                text(listing.description),
                _name_text(provider.display_name),
                *(_name_text(name) for name in category_names),
            )
            if part
        ),
    }


@lru_cache(maxsize=20_000)
def _name_text(name: str) -> str:
    # Category and provider names repeat across thousands of listings.
    return document_text(name)


def _listings():
    return Listing.objects.select_related("provider")


def _is_visible(listing: Listing, categories: Mapping[int, CategoryInfo]) -> bool:
    return (
        listing.status == Listing.Status.PUBLISHED
        and listing.provider.status == ProviderProfile.Status.ACTIVE
        and listing.category_id in categories
    )


def _bare_category(category: Category) -> CategoryInfo:
    return CategoryInfo(
        id=category.pk,
        parent_id=category.parent_id,
        slug=category.slug,
        names={"en": category.name_en},
        position=category.position,
    )


def _remove(listing_id: int, before: tuple[str, str, int] | None) -> None:
    """``before``: the document's title text, body text and category."""
    if before is None:
        return
    old = before[:2]
    SearchDocument.objects.filter(pk=listing_id).delete()
    semantic.remove_vector(listing_id)
    with connection.cursor() as cursor:
        get_backend().replace_text(cursor, listing_id, old, None)
    _adjust_vocabulary(old, None)
    _adjust_term_categories(before, None)


def _category_totals(category_id: int, excluding: int) -> tuple[float, int]:
    totals = (
        SearchDocument.objects.filter(category_id=category_id)
        .exclude(pk=excluding)
        .aggregate(
            rating_sum=Sum(F("rating_mean") * F("rating_count")),
            rating_count=Sum("rating_count"),
        )
    )
    return totals["rating_sum"] or 0.0, totals["rating_count"] or 0


def _category_priors(listings) -> dict[int, float]:
    rows = (
        listings.order_by()
        .values("category_id")
        .annotate(
            rating_sum=Sum(F("rating_mean") * F("rating_count")),
            rating_count=Sum("rating_count"),
        )
    )
    return {
        row["category_id"]: ranking.category_prior(
            rating_sum=row["rating_sum"] or 0.0, rating_count=row["rating_count"] or 0
        )
        for row in rows
    }


def _thumbnail_urls(listing_ids: Iterable[int]) -> dict[int, str]:
    """The first photo's thumbnail URL per listing."""
    storage = ListingPhoto._meta.get_field("thumbnail").storage
    urls: dict[int, str] = {}
    photos = (
        ListingPhoto.objects.filter(listing_id__in=list(listing_ids))
        .exclude(thumbnail="")
        .order_by("listing_id", "position", "pk")
        .values_list("listing_id", "thumbnail")
    )
    for listing_id, name in photos:
        if listing_id not in urls:
            urls[listing_id] = storage.url(name)
    return urls


# --- Vocabulary -----------------------------------------------------------------------


def _vocabulary_terms(title_text: str, body_text: str) -> set[str]:
    return {
        term
        for term in (*title_text.split(), *body_text.split())
        if is_vocabulary_term(term)
    }


def _adjust_vocabulary(
    old: tuple[str, str] | None, new: tuple[str, str] | None
) -> None:
    before = _vocabulary_terms(*old) if old else set()
    after = _vocabulary_terms(*new) if new else set()
    # Sorted, so that concurrent writers lock term rows in the same order.
    added, removed = sorted(after - before), sorted(before - after)
    with connection.cursor() as cursor:
        if added:
            values = ", ".join(["(%s, 1)"] * len(added))
            cursor.execute(
                f"INSERT INTO {_TERM_TABLE} (term, doc_count) VALUES {values} "  # noqa: S608
                "ON CONFLICT (term) DO UPDATE "
                f"SET doc_count = {_TERM_TABLE}.doc_count + 1",
                added,
            )
        if removed:
            marks = ", ".join(["%s"] * len(removed))
            cursor.execute(
                f"UPDATE {_TERM_TABLE} SET doc_count = doc_count - 1 "  # noqa: S608
                f"WHERE term IN ({marks}) AND doc_count > 0",
                removed,
            )
            cursor.execute(
                f"DELETE FROM {_TERM_TABLE} WHERE term IN ({marks}) "  # noqa: S608
                "AND doc_count <= 0",
                removed,
            )


def _adjust_term_categories(
    before: tuple[str, str, int] | None, after: tuple[str, str, int] | None
) -> None:
    """Keep ``SearchTermCategory`` in step: ``before`` and ``after`` are a
    document's (title text, body text, category), ``None`` where there is none.
    Every term counts, not only the vocabulary's."""

    def pairs(document):
        if document is None:
            return set()
        title_text, body_text, category_id = document
        return {
            (term, category_id) for term in (*title_text.split(), *body_text.split())
        }

    old, new = pairs(before), pairs(after)
    # Sorted, so that concurrent writers lock the rows in the same order.
    added, removed = sorted(new - old), sorted(old - new)
    with connection.cursor() as cursor:
        if added:
            values = ", ".join(["(%s, %s, 1)"] * len(added))
            cursor.execute(
                f"INSERT INTO {_TERM_CATEGORY_TABLE} (term, category_id, doc_count) "  # noqa: S608
                f"VALUES {values} ON CONFLICT (term, category_id) DO UPDATE "
                f"SET doc_count = {_TERM_CATEGORY_TABLE}.doc_count + 1",
                [value for pair in added for value in pair],
            )
        if removed:
            tests = " OR ".join(["(term = %s AND category_id = %s)"] * len(removed))
            flat = [value for pair in removed for value in pair]
            cursor.execute(
                f"UPDATE {_TERM_CATEGORY_TABLE} SET doc_count = doc_count - 1 "  # noqa: S608
                f"WHERE ({tests}) AND doc_count > 0",
                flat,
            )
            cursor.execute(
                f"DELETE FROM {_TERM_CATEGORY_TABLE} WHERE ({tests}) "  # noqa: S608
                "AND doc_count <= 0",
                flat,
            )
