"""The search relevance set: a hand-written corpus of listings, labelled queries
in English, Simplified and Traditional Chinese, and the harness that scores the
real search (``search.queries.search_listings``) on them (``evaluate``)."""
