"""What search reads: one denormalised row per visible listing, and the vocabulary.

A search must never join listings, providers, categories and photos at query
time: :class:`SearchDocument` holds, per published listing of an active provider,
everything a filter, a sort, the ranking or a result card needs, with an index for
each way a search starts (H3 cell for "near", category, and the sort keys for
"browse everything"). ``doorstep.search.indexing`` is the only writer.

The full-text index lives beside it and is not a Django field because it differs
by database (see ``search.backends``): an FTS5 virtual table over
``title_text``/``body_text`` on SQLite, a generated ``tsvector`` column with a GIN
index on PostgreSQL. Both are created in this app's migrations, for their
database only.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from doorstep.catalog.models import Listing

# Sort keys must never be NULL (databases disagree on where NULL sorts) and must
# put quote-only listings last in both price orders.
QUOTE_PRICE_KEY = 2**62
GEO_INDEX_FIELDS = [
    "h3_cell",
    "unit_x",
    "unit_y",
    "unit_z",
    "category_id",
    "currency",
    "price_band",
    "price_key",
    "price_desc_key",
    "rating_score",
    "rating_mean",
    "static_score",
    "promoted_until",
    "provider_verified",
    "instant_book",
    "reach_chord2",
    "languages",
    "listing",
]


class SearchDocument(models.Model):
    """A listing as search sees it. Rebuilt by ``index_listing`` on every change."""

    listing = models.OneToOneField(
        Listing,
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="search_document",
    )
    public_id = models.CharField(max_length=32)
    title = models.CharField(max_length=120)
    category_id = models.BigIntegerField(db_index=True)
    provider_id = models.BigIntegerField(db_index=True)
    provider_public_id = models.CharField(max_length=32)
    provider_name = models.CharField(max_length=150)
    provider_verified = models.BooleanField()
    # "|en|zh-hans|": a LIKE '%|en|%' test needs no JSON support and no join.
    languages = models.CharField(max_length=200)

    pricing_model = models.CharField(max_length=8)
    price_amount = models.BigIntegerField(null=True)  # minor units; per hour if hourly
    currency = models.CharField(max_length=3)
    price_band = models.SmallIntegerField()  # facets.price_band(); -1: on quote
    price_key = models.BigIntegerField()  # amount, or QUOTE_PRICE_KEY
    price_desc_key = models.BigIntegerField()  # -amount, or QUOTE_PRICE_KEY

    latitude = models.FloatField()
    longitude = models.FloatField()
    # The base point on the unit sphere: squared chord length to a query point is
    # plain arithmetic in SQL, orders exactly like great-circle distance, and
    # needs no trigonometry in the database (see search.geometry).
    unit_x = models.FloatField()
    unit_y = models.FloatField()
    unit_z = models.FloatField()
    h3_cell = models.BigIntegerField()
    service_radius_km = models.FloatField()
    reach_chord2 = models.FloatField()  # the service radius as a squared chord
    # geometry.reach_bucket(): "serves this point" scans, per bucket of service
    # radius, only the cells that bucket's largest radius can reach.
    reach_bucket = models.SmallIntegerField()

    rating_mean = models.FloatField()
    rating_count = models.PositiveIntegerField()
    rating_score = models.FloatField()  # ranking.reputation(): shrunk, 1..5
    completed_jobs = models.PositiveIntegerField()
    median_response_minutes = models.PositiveIntegerField(null=True)
    static_score = models.FloatField()  # ranking.static_score()
    instant_book = models.BooleanField()
    promoted_until = models.DateTimeField(null=True, db_index=True)
    thumbnail_url = models.CharField(max_length=500, blank=True)

    # Normalised terms (search.text), space-separated: what the full-text index
    # holds, kept here so FTS5 can delete the old entry and the vocabulary can
    # subtract the old terms.
    title_text = models.TextField()
    body_text = models.TextField()
    indexed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("search document")
        verbose_name_plural = _("search documents")
        indexes = [
            # "Near a point" reads a few H3 ranges of this index and nothing else:
            # it holds every column a filter, a sort or a count needs, so the
            # rows of a neighbourhood are read in cell order, without visiting
            # the table (which is in listing order) once per candidate.
            models.Index(fields=GEO_INDEX_FIELDS, name="search_doc_geo"),
            models.Index(fields=["-rating_score", "listing"], name="search_doc_rating"),
            models.Index(fields=["price_key", "listing"], name="search_doc_price"),
            models.Index(
                fields=["price_desc_key", "listing"], name="search_doc_price_desc"
            ),
            models.Index(fields=["-static_score", "listing"], name="search_doc_static"),
            # A price range is always in one currency, and so are most searches
            # near a point: (currency, price) reads exactly the range, in order.
            models.Index(
                fields=["currency", "price_key", "listing"],
                name="search_doc_cur_price",
            ),
            models.Index(
                fields=["currency", "price_desc_key", "listing"],
                name="search_doc_cur_price_desc",
            ),
            # "Best match" browsing reads promoted listings best first.
            models.Index(
                fields=["-static_score", "listing"],
                name="search_doc_promoted_static",
                condition=models.Q(promoted_until__isnull=False),
            ),
            # "Serves this point": the same, per bucket of service radius.
            models.Index(
                fields=["reach_bucket", *GEO_INDEX_FIELDS], name="search_doc_reach"
            ),
            # A text search sorted by price or rating reads, per category the
            # words occur in (SearchTermCategory), that category's listings in
            # the order of the sort key (queries._category_windows_page).
            models.Index(
                fields=["category_id", "price_key", "listing"],
                name="search_doc_cat_price",
            ),
            models.Index(
                fields=["category_id", "price_desc_key", "listing"],
                name="search_doc_cat_price_desc",
            ),
            models.Index(
                fields=["category_id", "-rating_score", "listing"],
                name="search_doc_cat_rating",
            ),
            # A minimum rating no listing reaches is seen at the end of this
            # index, before any search reads a row (queries._nothing_passes).
            models.Index(fields=["rating_mean"], name="search_doc_rating_mean"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def language_codes(self) -> list[str]:
        return [code for code in self.languages.split("|") if code]


class SearchTerm(models.Model):
    """An indexed word and the number of documents holding it: the dictionary that
    typo correction picks from (``search.text.correct``)."""

    term = models.CharField(max_length=40, primary_key=True)
    doc_count = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("search term")
        verbose_name_plural = _("search terms")

    def __str__(self) -> str:
        return self.term


class SearchTermCategory(models.Model):
    """How many documents of a category hold a term, for every term the text
    index holds (not only the vocabulary's words): the categories a text
    search's matches can be in. A text search sorted by price or rating reads
    only those categories, each in the order of the sort key, instead of
    sorting every match (``queries._category_windows_page``), so the table must
    never miss a pair; ``search.indexing`` keeps it in step with the documents,
    in the same transaction."""

    pk = models.CompositePrimaryKey("term", "category_id")
    term = models.CharField(max_length=40)
    category_id = models.BigIntegerField()
    doc_count = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("search term per category")
        verbose_name_plural = _("search terms per category")

    def __str__(self) -> str:
        return f"{self.term} in category {self.category_id}"


class ListingVector(models.Model):
    """A listing's semantic embedding (``search.semantic``): float32 bytes, the
    same on both databases. Keyed by listing id without a foreign key, so a bulk
    rebuild of the documents leaves the vectors (and their embedding work)
    alone; searches only consider ids that still have a document."""

    listing_id = models.BigIntegerField(primary_key=True)
    model = models.CharField(max_length=40)
    text_hash = models.CharField(max_length=32)
    vector = models.BinaryField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("listing vector")
        verbose_name_plural = _("listing vectors")
        indexes = [
            # What a process checks to keep its loaded vectors current (the
            # newest change, the rows changed since), read from this index
            # instead of the 2 KB rows.
            models.Index(
                fields=["model", "updated_at", "listing_id"],
                name="search_vector_changes",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.model} vector of listing {self.listing_id}"
