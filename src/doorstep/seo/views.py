"""Landing pages (``/<city>/`` and ``/<city>/<category>/``), robots.txt and the
sitemaps. Views read through ``seo.queries`` and render; a slug that names no
served city or no active category is a 404."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from doorstep.seo import queries, structured_data

# Paths only signed-in people (or machines) use; the rest is public.
PRIVATE_PREFIXES = (
    "/ops/",
    "/api/",
    "/accounts/",
    "/i18n/",
    "/dashboard/",
    "/orders/",
    "/book/",
    "/provider/",
    "/agency/",
    "/staff/",
    "/work/",
    "/quotes/",
    "/leads/",
    "/messages/",
    "/notifications/",
    "/support/",
    "/disputes/",
    "/claims/",
    "/reviews/",
    "/payments/",
    "/sandbox/",
    "/documents/",
    "/calendar/",
    "/trust/",
    "/legal/accept/",
    "/services/*/book/",
)


def _search_url(city, category_slug: str | None = None) -> str:
    query = {
        "lat": city.latitude,
        "lng": city.longitude,
        "radius_km": city.radius_km,
    }
    if category_slug:
        query = {"category": category_slug, **query}
    return f"{reverse('search:search')}?{urlencode(query)}"


def _city_or_404(city_slug: str):
    city = queries.city_by_slug(city_slug)
    if city is None:
        raise Http404
    return city


@require_GET
def city_landing(request: HttpRequest, city_slug: str) -> HttpResponse:
    """The categories with providers in a city, each linking to its landing."""
    city = _city_or_404(city_slug)
    categories = queries.categories_in_city(city)
    home = reverse("web:home")
    crumbs = [(_("Home"), home), (city.name, request.path)]
    context = {
        "city": city,
        "categories": categories,
        "other_cities": [c for c in queries.served_cities() if c != city],
        "search_url": _search_url(city),
        "crumbs": crumbs,
        "breadcrumbs_ld": structured_data.breadcrumb_list(request, crumbs),
        "meta_description": _(
            "Local services in %(city)s: compare providers by price, rating "
            "and real customer reviews, and book a time that suits you."
        )
        % {"city": city.name},
    }
    return render(request, "seo/city.html", context)


@require_GET
def landing(request: HttpRequest, city_slug: str, category_slug: str) -> HttpResponse:
    """The best rated listings of a category in a city."""
    city = _city_or_404(city_slug)
    category = queries.active_category(category_slug)
    if category is None:
        raise Http404
    results = queries.landing_results(city, category)
    language = get_language()
    path = queries.category_path(category)
    name = category.name(language)
    in_city = queries.categories_in_city(city)
    crumbs = [
        (_("Home"), reverse("web:home")),
        (city.name, reverse("seo:city", args=[city.slug])),
        *[
            (node.name(language), reverse("seo:landing", args=[city.slug, node.slug]))
            for node in path
        ],
    ]
    context = {
        "city": city,
        "category": category,
        "category_name": name,
        "description": queries.category_description(category),
        "results": results,
        "hits": results.hits,
        "siblings": [c for c in in_city if c.slug != category.slug],
        "other_cities": [c for c in queries.cities_with(category) if c != city],
        "search_url": _search_url(city, category.slug),
        "crumbs": crumbs,
        "breadcrumbs_ld": structured_data.breadcrumb_list(request, crumbs),
        "item_list_ld": structured_data.item_list(
            request,
            [
                (hit.title, reverse("catalog:listing", args=[hit.public_id]))
                for hit in results.hits
            ],
        )
        if results.hits
        else None,
        "meta_description": _(
            "%(category)s in %(city)s: compare %(count)s local providers by price, "
            "rating and real customer reviews, and book online."
        )
        % {"category": name, "city": city.name, "count": results.total}
        if results.hits
        else _(
            "%(category)s in %(city)s: no providers are listed here yet. "
            "See nearby cities and related services."
        )
        % {"category": name, "city": city.name},
    }
    return render(request, "seo/landing.html", context)


@require_GET
def robots_txt(request: HttpRequest) -> HttpResponse:
    # Disallows before the Allow: Google takes the longest match, but simpler
    # parsers (Python's robotparser, some crawlers) the first.
    lines = ["User-agent: *"]
    lines += [f"Disallow: {prefix}" for prefix in PRIVATE_PREFIXES]
    lines.append("Allow: /")
    lines.append(f"Sitemap: {request.build_absolute_uri(reverse('seo:sitemap_index'))}")
    return HttpResponse(
        "\n".join(lines) + "\n", content_type="text/plain; charset=utf-8"
    )
