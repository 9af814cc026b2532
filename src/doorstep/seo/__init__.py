"""Found by search engines: readable landing pages by city and category, a
sitemap per language, robots.txt, hreflang alternates, meta descriptions and
schema.org structured data. No models: everything is read from the catalogue,
the search index, the reviews and the served cities.

**One URL per language without moving any page.** The site chooses its language
by cookie (``set_language``) and ``Accept-Language``, so every page has one URL
for three languages, and search engines (which send neither) would only ever
see English. Prefixing URLs (``i18n_patterns``: ``/zh-hans/search/``) would
change every existing URL, link, test and bookmark. Instead a page's language
versions are the same path with ``?lang=<code>``: :class:`middleware.
QueryLanguageMiddleware`, right after Django's ``LocaleMiddleware``, activates
a supported ``lang`` for that one response (stateless: no cookie is set, so a
shared link does not change the reader's own choice). The base template links
every version with ``<link rel="alternate" hreflang>`` (BCP 47 codes: ``en``,
``zh-Hans``, ``zh-Hant``), plus ``x-default`` (the path without ``lang``: the
reader's own choice) and a self-referencing ``rel=canonical``
(:mod:`templatetags.seo`). The sitemaps list the ``?lang=`` URLs, one sitemap
per language and kind of page.

**Landing pages reuse search.** ``/<city>/<category>/`` lists what
``search.queries.search_listings`` answers for that category within the city's
radius, sorted "Top rated": the same visibility rule (published listings of
active providers, active categories) and the same ranking as the search page.
The sitemap and the city page learn which categories have providers in a city
from the same query's category facets. The routes are the last in
``doorstep.urls``, so they never shadow a page; a city whose slug is also an
existing first path segment (``search``) simply has no landing page.

**Structured data from real data only.** ``AggregateRating`` comes from the
reviews' reputation aggregate (revealed, not hidden reviews of providers) and
is left out when there are none; prices are the listing's minor units as a
major-unit decimal string; a provider's area is their served city or the
rounded centre customers already see, never their base address.
"""
