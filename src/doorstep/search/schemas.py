"""The shapes of the search API. Query parameters are declared here for the
OpenAPI document only: all are strings, so that ``parse_search_params`` (shared
with the web page) is the one place that judges them and words the errors."""

from ninja import Field, Schema

from doorstep.api.schemas import MoneyOut


class ServiceSearchIn(Schema):
    q: str | None = Field(None, description="Free text, at most 100 characters.")
    category: str | None = Field(
        None, description="A category slug; its subcategories are included."
    )
    lat: str | None = Field(None, description="Latitude of the customer's place.")
    lng: str | None = Field(None, description="Longitude of the customer's place.")
    radius_km: str | None = Field(
        None,
        description="Listings based within this distance (0.1 to 200; default 25).",
    )
    serves: str | None = Field(
        None,
        description="`true`: only listings whose service area covers lat/lng.",
    )
    price_min: str | None = Field(None, description="Lowest price, in major units.")
    price_max: str | None = Field(None, description="Highest price, in major units.")
    currency: str | None = Field(
        None, description="ISO 4217 code of the prices; the site's by default."
    )
    min_rating: str | None = Field(None, description="Lowest average rating, 0 to 5.")
    verified: str | None = Field(None, description="`true`: verified providers only.")
    badges: str | None = Field(
        None,
        description=(
            "Comma-separated badge kinds the provider must all hold: "
            "`id_verified`, `background_checked`, `licensed`, "
            "`health_certificate`, `top_provider`."
        ),
    )
    instant: str | None = Field(None, description="`true`: instant booking only.")
    language: str | None = Field(None, description="A language the provider speaks.")
    sort: str | None = Field(
        None,
        description=(
            "`relevance` (default with text), `distance` (default with a place), "
            "`rating`, `price_asc` or `price_desc`."
        ),
    )
    limit: str | None = Field(None, description="Results per page, 1 to 50.")
    cursor: str | None = Field(
        None, description="The `next` value of the previous page; omit for the first."
    )


class CategoryRefOut(Schema):
    slug: str
    name: str


class ProviderRefOut(Schema):
    id: str
    name: str
    verified: bool = Field(description="The provider holds the ID-verified badge.")


class SearchRatingOut(Schema):
    mean: float
    count: int
    score: float = Field(
        description="The rating shrunk toward the category mean: what "
        "`sort=rating` orders by."
    )


class LocationOut(Schema):
    lat: float
    lng: float


class ServiceHitOut(Schema):
    id: str
    title: str
    category: CategoryRefOut
    provider: ProviderRefOut
    pricing_model: str = Field(
        description="`fixed`, `hourly` (price per hour) or `quote`."
    )
    price: MoneyOut | None
    distance_km: float | None = Field(description="From lat/lng, when given.")
    rating: SearchRatingOut
    location: LocationOut
    thumbnail_url: str | None
    instant_book: bool
    promoted: bool = Field(description="A paid placement: show it labelled.")
    badges: list[str] = Field(
        description="The provider's live trust badges, in display order."
    )


class FacetOut(Schema):
    key: str
    label: str
    count: int


class FacetsOut(Schema):
    category: list[FacetOut]
    price: list[FacetOut] = Field(
        description="Bands keyed `<min>-<max>` in minor units of `price_currency`, "
        "both ends inclusive (`<min>-` for the last)."
    )
    price_currency: str | None


class ServiceSearchOut(Schema):
    items: list[ServiceHitOut]
    next: str | None = Field(
        description="Pass as `cursor` to get the next page; null on the last page."
    )
    facets: FacetsOut
    total: int
    total_exact: bool = Field(
        description="False when counting stopped early: `total` is then a minimum."
    )


class CategoryNodeOut(Schema):
    id: str
    slug: str
    name: str
    description: str
    icon: str
    children: list["CategoryNodeOut"]


CategoryNodeOut.model_rebuild()
