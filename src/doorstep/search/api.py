"""The search API: anyone may search services and read the category tree."""

import hashlib

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language
from ninja import Query, Router
from pydantic import TypeAdapter

from doorstep.analytics.services import record_search_results
from doorstep.api.ratelimit import limit_per_ip
from doorstep.catalog.cache import CATEGORY_CACHE_SECONDS, api_key
from doorstep.catalog.queries import CategoryNode, category_tree
from doorstep.promotions.services import count_impressions
from doorstep.search.params import SearchHit, SearchResults, parse_search_params
from doorstep.search.queries import search_listings
from doorstep.search.schemas import (
    CategoryNodeOut,
    ServiceSearchIn,
    ServiceSearchOut,
)

router = Router(tags=["search"])
CATEGORY_TREE_OUT = TypeAdapter(list[CategoryNodeOut])


@router.get(
    "/services",
    auth=None,
    response=ServiceSearchOut,
    summary="Search services",
    description=(
        "Published services of active providers, filtered, sorted and paged by "
        "cursor, with the total and facet counts for the same filters. Bad "
        "filters get a 400 problem naming each field; more than "
        "DOORSTEP_RATE_LIMITS['search_per_ip'] requests from one address, a 429."
    ),
)
def search_services(request: HttpRequest, filters: Query[ServiceSearchIn]) -> dict:
    limit_per_ip(request, name="search_per_ip")
    params = parse_search_params(request.GET)
    results = search_listings(params)
    count_impressions(
        listing_ids=[hit.listing_id for hit in results.hits if hit.is_promoted]
    )
    record_search_results(params, results)
    return _results_out(request, results)


@router.get(
    "/categories",
    auth=None,
    response=list[CategoryNodeOut],
    summary="The category tree",
    description="Active categories, roots first, named in the request's language.",
)
def list_categories(request: HttpRequest) -> HttpResponse:
    # The body is built once per language and kept with the rows
    # (doorstep.catalog.cache); its hash is the validator, so a client that has
    # it gets a 304.
    key = api_key(get_language())
    cached = cache.get(key)
    if cached is None:
        tree = [_node_out(node) for node in category_tree()]
        body = CATEGORY_TREE_OUT.dump_json(CATEGORY_TREE_OUT.validate_python(tree))
        cached = (body, f'"{hashlib.sha256(body).hexdigest()[:32]}"')
        cache.set(key, cached, CATEGORY_CACHE_SECONDS)
    body, etag = cached
    if etag in request.headers.get("If-None-Match", ""):
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["ETag"] = etag
    patch_vary_headers(response, ["Accept-Language", "Cookie"])
    return response


def _node_out(node: CategoryNode) -> dict:
    category = node.category
    return {
        "id": category.public_id,
        "slug": category.slug,
        "name": category.name,
        "description": category.description,
        "icon": category.icon,
        "children": [_node_out(child) for child in node.children],
    }


def _hit_out(request: HttpRequest, hit: SearchHit) -> dict:
    return {
        "id": hit.public_id,
        "title": hit.title,
        "category": {"slug": hit.category_slug, "name": hit.category_name},
        "provider": {
            "id": hit.provider_public_id,
            "name": hit.provider_name,
            "verified": hit.provider_verified,
        },
        "badges": list(hit.badges),
        "pricing_model": hit.pricing_model,
        "price": hit.price.as_json() if hit.price else None,
        "distance_km": round(hit.distance_km, 3)
        if hit.distance_km is not None
        else None,
        "rating": {
            "mean": round(hit.rating_mean, 2),
            "count": hit.rating_count,
            "score": round(hit.rating_score, 3),
        },
        "location": {"lat": hit.latitude, "lng": hit.longitude},
        "thumbnail_url": (
            request.build_absolute_uri(hit.thumbnail_url) if hit.thumbnail_url else None
        ),
        "instant_book": hit.instant_book,
        "promoted": hit.is_promoted,
    }


def _results_out(request: HttpRequest, results: SearchResults) -> dict:
    facets = results.facets
    return {
        "items": [_hit_out(request, hit) for hit in results.hits],
        "next": results.next_cursor,
        "facets": {
            "category": [vars(facet) for facet in facets.get("category", [])],
            "price": [vars(facet) for facet in facets.get("price", [])],
            "price_currency": results.price_currency,
        },
        "total": results.total,
        "total_exact": results.total_exact,
    }
