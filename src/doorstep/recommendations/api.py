"""Favourites and recommendations in the API. Someone else's favourite is a
404 (``favourite_not_found``); recommendations never hold a service the caller
cannot book (``recommendations.scoring``)."""

from datetime import datetime

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from doorstep.api.pagination import CursorPagination
from doorstep.api.schemas import InputSchema, _published_input
from doorstep.catalog.queries import published_listing
from doorstep.recommendations import queries, services
from doorstep.recommendations.models import Favourite
from doorstep.search.api import _hit_out
from doorstep.search.schemas import ServiceHitOut

router = Router(tags=["favourites and recommendations"])


def _exactly_one_target(schema: dict) -> None:
    """Say the service's rule in the document: exactly one of the two, not
    empty (anything else is ``favourite_target_missing``)."""
    for name in ("listing", "provider"):
        schema["properties"][name]["minLength"] = 1
        schema["properties"][name].pop("default", None)
    schema["oneOf"] = [{"required": ["listing"]}, {"required": ["provider"]}]
    _published_input(schema)


class FavouriteIn(InputSchema):
    model_config = {"json_schema_extra": _exactly_one_target}

    listing: str = Field("", description="A service's id; or give `provider`.")
    provider: str = Field("", description="A provider's id; or give `listing`.")


class FavouriteOut(Schema):
    id: str
    listing: str | None = Field(description="The saved service's id.")
    provider: str | None = Field(description="The saved provider's id.")
    created_at: datetime

    @staticmethod
    def resolve_id(favourite: Favourite) -> str:
        return favourite.public_id

    @staticmethod
    def resolve_listing(favourite: Favourite) -> str | None:
        return favourite.listing.public_id if favourite.listing_id else None

    @staticmethod
    def resolve_provider(favourite: Favourite) -> str | None:
        return favourite.provider.public_id if favourite.provider_id else None


class RecommendationsIn(Schema):
    limit: int = Field(queries.DEFAULT_LIMIT, ge=1, le=24)


class RecommendationsOut(Schema):
    items: list[ServiceHitOut]


@router.get(
    "/me/favourites", response=list[FavouriteOut], summary="Your saved services"
)
@paginate(CursorPagination)
def list_favourites(request: HttpRequest) -> QuerySet[Favourite]:
    return Favourite.objects.filter(customer=request.auth).select_related(
        "listing", "provider"
    )


@router.post(
    "/me/favourites",
    response={200: FavouriteOut, 201: FavouriteOut},
    summary="Save a service or a provider",
    description="Saving one already saved answers 200 with the same favourite.",
)
def add_favourite(request: HttpRequest, payload: FavouriteIn) -> Status:
    favourite, created = services.save_favourite(
        customer=request.auth, listing_id=payload.listing, provider_id=payload.provider
    )
    return Status(201 if created else 200, favourite)


@router.delete(
    "/me/favourites/{favourite_id}",
    response={204: None},
    summary="Remove a saved service or provider",
)
def delete_favourite(request: HttpRequest, favourite_id: str) -> Status:
    services.remove_favourite(customer=request.auth, favourite_id=favourite_id)
    return Status(204, None)


@router.get(
    "/me/recommendations",
    response=RecommendationsOut,
    summary="Services for you",
    description=(
        "From what you booked, saved and looked at, blended with services like "
        "them; popular, well-rated ones near your saved address when there is "
        "little to go on. Only services you can book at your address."
    ),
)
def my_recommendations(request: HttpRequest, params: Query[RecommendationsIn]) -> dict:
    hits = queries.recommended_for(
        customer=request.auth,
        point=queries.customer_point(request.auth),
        limit=params.limit,
    )
    return {"items": [_hit_out(request, hit) for hit in hits]}


@router.get(
    "/services/{listing_id}/similar",
    auth=None,
    response=RecommendationsOut,
    summary="Similar services",
    description=(
        "Services like this one that can be booked where you are (your saved "
        "address when signed in, else this service's area)."
    ),
)
def similar_services(
    request: HttpRequest, listing_id: str, params: Query[RecommendationsIn]
) -> dict:
    listing = published_listing(listing_id)
    point = None
    if request.user.is_authenticated:
        point = queries.customer_point(request.user)
    point = point or (listing.latitude, listing.longitude)
    hits = queries.similar_listings(
        listing_id=listing.pk, point=point, limit=params.limit
    )
    return {"items": [_hit_out(request, hit) for hit in hits]}
