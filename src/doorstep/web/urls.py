from django.urls import path

from doorstep.search import views as search_views
from doorstep.web import previews, views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    # The search page lives in the search app (search:search, the same path);
    # this name keeps {% url "web:search" %} links working.
    path("search/", search_views.search, name="search"),
    # The pictures shared links show (og:image), for public pages only.
    path(
        "share/listing/<str:public_id>.png",
        previews.listing_picture,
        name="share_listing",
    ),
    path(
        "share/provider/<str:public_id>.png",
        previews.provider_picture,
        name="share_provider",
    ),
    path(
        "share/review/<str:public_id>.png",
        previews.review_picture,
        name="share_review",
    ),
]
