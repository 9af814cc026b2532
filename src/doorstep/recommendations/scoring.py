"""How recommendations score: the one place that says it.

**Signals.** A customer *touches* a listing by booking it (weight 3, any order
that was not refused or expired), saving it or its provider as a favourite
(weight 2) or opening its page while signed in (weight 1, ``ListingVisit``).
A customer's weight for a listing is the largest of these.

**Item to item, precomputed** (``services.update_neighbours``, run hourly by
the periodic job ``rebuild_listing_neighbours`` for the listings that changed
and those they are candidates of, in full once a day and by ``doorstep
recommendations``).
For two visible listings *i* and *j* (those with a search document: published,
active provider, active category):

* *together* (collaborative) — cosine similarity of the listings' customer
  vectors: ``Σ_u min(w_ui, w_uj) / sqrt(W_i · W_j)``, W being the sum of a
  listing's weights; shrunk by the number of shared customers *n*:
  ``together · n / (n + SHRINK)``, so one customer who happened to book two
  things does not make them twins;
* *alike* (content) — ``0.4 · category`` (1 same category, 0.5 a sibling under
  the same parent, 0 otherwise; listings of unrelated root categories are not
  compared) ``+ 0.25 · text`` (Jaccard overlap of the normalised title terms
  search indexes) ``+ 0.15 · price`` (1 same price band, 0.5 the next one, same
  currency) ``+ 0.2 · near`` (``exp(-km / NEAR_KM)`` between the bases);
* *score* — ``α · together + (1 - α) · alike`` with ``α = n / (n + BLEND)``:
  the more customers vouch for a pair, the more the collaborative part
  counts; with none the score is content alone.

Each listing keeps its :data:`NEIGHBOURS` best (``ListingNeighbour``), whatever
their bookability today: that is decided when they are read.

**Reads** (``queries``), one query each, no scoring in Python beyond a sort:

* *Similar services* of a listing: its neighbours by score.
* *For you*: ``Σ weight(seed) · score(seed → candidate)`` over the customer's
  touched listings (the seeds, as subqueries of the same statement), seeds
  already booked left out. Cold start (no seeds, or too few results): popular,
  well-rated listings that serve the customer's default saved address (else
  their last order's), by search's ``static_score`` then completed jobs — a
  second query, so a page costs at most two.

**Never what the customer cannot book.** Every read keeps only listings with
a search document (search's own visibility: published, provider active,
category active; kept current by ``search.indexing`` in the same transaction
as the change), whose provider is verified, whose service area covers the
customer's point (search's "serves this point": squared chord to the point
``<= reach_chord2``; the listing page's own base stands in for a visitor
without an address), and that had a free start in the coming
:data:`OPENING_DAYS` days when the job last looked (``ListingOpening``, from
``scheduling.slots.bookable_slots``, the booking page's own computation).
"""

import math
from collections.abc import Iterable, Mapping

BOOKED = 3.0
FAVOURITE = 2.0
VIEWED = 1.0
SHRINK = 2.0
BLEND = 3.0
NEAR_KM = 10.0
NEIGHBOURS = 12
# Content is compared only within this distance: farther listings serve other
# customers.
COMPARE_KM = 60.0
OPENING_DAYS = 21
CATEGORY_WEIGHT, TEXT_WEIGHT, PRICE_WEIGHT, NEAR_WEIGHT = 0.4, 0.25, 0.15, 0.2


def together(
    weights_i: Mapping[int, float], weights_j: Mapping[int, float]
) -> tuple[float, int]:
    """The shrunk cosine of two listings' customer weights, and how many
    customers they share."""
    shared = weights_i.keys() & weights_j.keys()
    if not shared:
        return 0.0, 0
    overlap = sum(min(weights_i[u], weights_j[u]) for u in shared)
    norm = math.sqrt(sum(weights_i.values()) * sum(weights_j.values()))
    n = len(shared)
    return (overlap / norm) * n / (n + SHRINK), n


def category_match(
    category_i: int, category_j: int, parents: Mapping[int, int | None]
) -> float:
    if category_i == category_j:
        return 1.0
    parent = parents.get(category_i)
    if parent is not None and parent == parents.get(category_j):
        return 0.5
    return 0.0


def text_overlap(terms_i: Iterable[str], terms_j: Iterable[str]) -> float:
    a, b = set(terms_i), set(terms_j)
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def price_match(band_i: int, band_j: int, currency_i: str, currency_j: str) -> float:
    if currency_i != currency_j or band_i < 0 or band_j < 0:
        return 0.0
    gap = abs(band_i - band_j)
    return 1.0 if gap == 0 else 0.5 if gap == 1 else 0.0


def alike(*, category: float, text: float, price: float, km: float) -> float:
    return (
        CATEGORY_WEIGHT * category
        + TEXT_WEIGHT * text
        + PRICE_WEIGHT * price
        + NEAR_WEIGHT * math.exp(-km / NEAR_KM)
    )


def blend(*, together_score: float, shared: int, alike_score: float) -> float:
    alpha = shared / (shared + BLEND)
    return alpha * together_score + (1 - alpha) * alike_score
