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

from django.db import connection, transaction
from django.db.models import F, Sum
from django.utils import timezone

from doorstep.accounts.models import ProviderProfile
from doorstep.catalog.models import Category, Listing, ListingPhoto
from doorstep.search import ranking
from doorstep.search.backends import get_backend
from doorstep.search.categories import (
    CategoryInfo,
    lineage,
    load_categories,
    subtree_ids,
)
from doorstep.search.facets import price_band
from doorstep.search.geometry import chord2_for_km, reach_bucket, unit_vector
from doorstep.search.models import QUOTE_PRICE_KEY, SearchDocument, SearchTerm
from doorstep.search.text import document_text, is_vocabulary_term

BULK_BATCH_SIZE = 2000
_TERM_TABLE = SearchTerm._meta.db_table


def index_listing(listing: Listing) -> None:
    """Write (or remove, if it is not visible) the listing's search document."""
    categories = load_categories()
    with transaction.atomic():
        old = (
            SearchDocument.objects.select_for_update()
            .filter(pk=listing.pk)
            .values_list("title_text", "body_text")
            .first()
        )
        if not _is_visible(listing, categories):
            _remove(listing.pk, old)
            return
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


def remove_listing(listing_id: int) -> None:
    """Remove a listing's search document, if any."""
    with transaction.atomic():
        old = (
            SearchDocument.objects.select_for_update()
            .filter(pk=listing_id)
            .values_list("title_text", "body_text")
            .first()
        )
        _remove(listing_id, old)


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
    vocabulary: Counter = Counter()
    written = 0
    with transaction.atomic():
        with connection.cursor() as cursor:
            backend.begin_bulk_load(cursor)
            SearchTerm.objects.all().delete()
        # Indexes are cheaper built once, sorted, than grown row by row.
        _run_index_sql("remove_sql")
        last_id = 0
        while True:
            batch = list(visible.filter(pk__gt=last_id).order_by("pk")[:batch_size])
            if not batch:
                break
            last_id = batch[-1].pk
            thumbnails = _thumbnail_urls([listing.pk for listing in batch])
            documents = [
                build_document(
                    listing,
                    categories=categories,
                    prior=priors.get(listing.category_id, ranking.PLATFORM_PRIOR_MEAN),
                    thumbnail_url=thumbnails.get(listing.pk, ""),
                )
                for listing in batch
            ]
            _insert_documents(documents)
            for document in documents:
                vocabulary.update(
                    _vocabulary_terms(document.title_text, document.body_text)
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
        _run_index_sql("create_sql")
        with connection.cursor() as cursor:
            backend.finish_bulk_load(cursor)
    return written


def _run_index_sql(method: str) -> None:
    # The SQL, not the schema editor: SQLite's refuses to run inside a
    # transaction with foreign keys on, and this must stay one transaction.
    editor = connection.schema_editor()
    editor.deferred_sql = []  # set by __enter__, which we do not run
    with connection.cursor() as cursor:
        for index in SearchDocument._meta.indexes:
            cursor.execute(str(getattr(index, method)(SearchDocument, editor)))


def _insert_documents(documents: list[SearchDocument]) -> None:
    """One ``executemany`` per batch: the ORM's per-field preparation costs more
    than the insert itself at a million rows."""
    fields = SearchDocument._meta.concrete_fields
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    marks = ", ".join(["%s"] * len(fields))
    adapt = connection.ops.adapt_datetimefield_value
    now = adapt(timezone.now())
    timestamps = {"promoted_until"}
    rows = []
    for document in documents:
        row = []
        for field in fields:
            if field.attname == "indexed_at":
                row.append(now)
            elif field.attname in timestamps:
                row.append(adapt(getattr(document, field.attname)))
            else:
                row.append(getattr(document, field.attname))
        rows.append(row)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {SearchDocument._meta.db_table} ({columns}) "  # noqa: S608
            f"VALUES ({marks})",
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
    provider = listing.provider
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
    return SearchDocument(
        listing_id=listing.pk,
        public_id=listing.public_id,
        title=listing.title,
        category_id=listing.category_id,
        provider_id=provider.pk,
        provider_public_id=provider.public_id,
        provider_name=provider.display_name,
        provider_verified=provider.is_verified,
        languages="|" + "|".join(languages) + "|" if languages else "",
        pricing_model=listing.pricing_model,
        price_amount=price,
        currency=listing.currency,
        price_band=price_band(price, listing.currency),
        price_key=QUOTE_PRICE_KEY if price is None else price,
        price_desc_key=QUOTE_PRICE_KEY if price is None else -price,
        latitude=listing.latitude,
        longitude=listing.longitude,
        unit_x=x,
        unit_y=y,
        unit_z=z,
        h3_cell=listing.h3_cell,
        service_radius_km=radius,
        reach_chord2=chord2_for_km(radius),
        reach_bucket=reach_bucket(radius),
        rating_mean=listing.rating_mean,
        rating_count=listing.rating_count,
        rating_score=rating_score,
        completed_jobs=provider.completed_jobs,
        median_response_minutes=provider.median_response_minutes,
        static_score=ranking.static_score(
            rating_score=rating_score,
            median_response_minutes=provider.median_response_minutes,
        ),
        instant_book=listing.instant_book,
        promoted_until=listing.promoted_until,
        thumbnail_url=thumbnail_url,
        title_text=document_text(listing.title),
        body_text=" ".join(
            part
            for part in (
                document_text(listing.description),
                _name_text(provider.display_name),
                *(_name_text(name) for name in category_names),
            )
            if part
        ),
    )


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


def _remove(listing_id: int, old: tuple[str, str] | None) -> None:
    if old is None:
        return
    SearchDocument.objects.filter(pk=listing_id).delete()
    with connection.cursor() as cursor:
        get_backend().replace_text(cursor, listing_id, old, None)
    _adjust_vocabulary(old, None)


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
