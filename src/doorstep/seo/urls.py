"""robots.txt, the sitemaps and the landing pages. Included last in
``doorstep.urls``: ``/<city>/`` and ``/<city>/<category>/`` must never shadow
another page."""

from django.contrib.sitemaps import views as sitemap_views
from django.urls import path

from doorstep.seo import views
from doorstep.seo.sitemaps import sitemaps

app_name = "seo"
SITEMAPS = sitemaps()

urlpatterns = [
    path("robots.txt", views.robots_txt, name="robots"),
    path(
        "sitemap.xml",
        sitemap_views.index,
        {"sitemaps": SITEMAPS, "sitemap_url_name": "seo:sitemap_section"},
        name="sitemap_index",
    ),
    path(
        "sitemap-<str:section>.xml",
        sitemap_views.sitemap,
        {"sitemaps": SITEMAPS},
        name="sitemap_section",
    ),
    path("<slug:city_slug>/", views.city_landing, name="city"),
    path("<slug:city_slug>/<slug:category_slug>/", views.landing, name="landing"),
]
