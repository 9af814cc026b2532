"""One sitemap per language and kind of page (``/sitemap-listings-zh-hans.xml``),
listed by the index at ``/sitemap.xml``. Each URL carries ``?lang=`` (see the
package docstring); only pages search engines may index are listed: the home
and search pages, landings that have providers, the listings customers can
open and their providers' pages."""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from doorstep.seo import queries
from doorstep.seo.languages import language_codes, with_language


class _LanguageSitemap(Sitemap):
    """A sitemap whose every URL is in ``language``."""

    def __init__(self, language: str) -> None:
        self.language = language

    def path(self, item) -> str:
        raise NotImplementedError

    def location(self, item) -> str:
        return with_language(self.path(item), self.language)


class PagesSitemap(_LanguageSitemap):
    changefreq = "daily"

    def items(self) -> list[str]:
        return ["web:home", "search:search"]

    def path(self, item: str) -> str:
        return reverse(item)


class CitiesSitemap(_LanguageSitemap):
    """City landing pages, for the cities with at least one provider."""

    changefreq = "daily"

    def items(self) -> list:
        return [
            city for city in queries.served_cities() if queries.categories_in_city(city)
        ]

    def path(self, city) -> str:
        return reverse("seo:city", args=[city.slug])


class LandingsSitemap(_LanguageSitemap):
    """City and category landing pages with at least one listing."""

    changefreq = "daily"

    def items(self) -> list[tuple[str, str]]:
        return [
            (city.slug, category.slug)
            for city in queries.served_cities()
            for category in queries.categories_in_city(city)
        ]

    def path(self, item: tuple[str, str]) -> str:
        return reverse("seo:landing", args=list(item))


class ListingsSitemap(_LanguageSitemap):
    changefreq = "weekly"

    def items(self):
        return queries.sitemap_listings().only("public_id", "updated_at")

    def path(self, listing) -> str:
        return reverse("catalog:listing", args=[listing.public_id])

    def lastmod(self, listing):
        return listing.updated_at


class ProvidersSitemap(_LanguageSitemap):
    changefreq = "weekly"

    def items(self):
        return queries.sitemap_providers().only("public_id", "updated_at")

    def path(self, provider) -> str:
        return reverse("reviews:provider", args=[provider.public_id])

    def lastmod(self, provider):
        return provider.updated_at


KINDS = {
    "pages": PagesSitemap,
    "cities": CitiesSitemap,
    "landings": LandingsSitemap,
    "listings": ListingsSitemap,
    "providers": ProvidersSitemap,
}


def sitemaps() -> dict[str, Sitemap]:
    """Every section of the index, named ``<kind>-<language>``."""
    return {
        f"{kind}-{language}": sitemap(language)
        for language in language_codes()
        for kind, sitemap in KINDS.items()
    }
