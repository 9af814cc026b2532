"""Analytics: the numbers an operator runs the marketplace by.

How the pieces fit (read in this order):

``metrics.py``
    The registry. Every metric once: name, label and definition (translated,
    shown beside its chart), unit, the fact columns it sums and how its value
    follows from them. Pages, CSV and API list ``metrics.METRICS``; nothing
    else defines a figure.

``models.py``
    Fact tables at day grain keyed by (day, category, city, H3 cell at
    resolution 7, and currency for money): orders by the day placed, money by
    the day it moved in the ledger, satisfaction (reviews, CSAT, NPS) by the day
    given, searches, provider sign-ups and activation, response/acceptance time
    histograms; ``CohortActivity`` (one row per party and active month) for
    retention; ``SearchRecord`` and ``ListingViewDay``, the raw counts the
    product had not kept before.

``rollups.py``
    Deriving them: a day range of a family is always recomputed *whole* from
    the sources, so the rebuild (``doorstep analytics rebuild [--since]``), the
    incremental path (``consumers.on_event`` + ``follow_ledger``) and the
    safety net (periodic ``refresh_analytics``) agree by construction.

``queries.py``
    The one read API: ``metric_series(name, period=, grain=, slice=)`` gives
    points per day/week/month (per currency for money), the previous period of
    the same length and totals with their change; ``retention_cohorts``;
    ``provider_insights`` (a provider's own figures). Plain dataclasses.

``api.py``
    ``/api/v1/analytics/...`` for ops (finance role, second factor) and
    ``/api/v1/me/insights`` for providers.

Design for the 1M-order benchmark (``bench/``, to be written): two years are
~730 days; a chart reads one index range of one or two fact tables and groups
by day (and currency) in the database, so it returns at most days × currencies
rows whatever the order count; a week or month is summed from days in Python.
Slices use the ``(category|city|cell, day)`` indexes. A rebuild is one pass
over each source table a month at a time (orders, postings, reviews, surveys,
searches), bulk-inserting facts; the per-order correlated subqueries (first
booking, captured payment, disputed) use the customer / order foreign-key
indexes. The incremental path recomputes single days: it needs an index on
``orders.Order.created_at`` (and on ``reviews.Review.created_at``) to stay
cheap at a million orders — see the report of issue 17.
"""
