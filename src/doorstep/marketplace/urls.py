from django.urls import path

from doorstep.marketplace import views

app_name = "marketplace"
urlpatterns = [
    path("ops/settings/", views.index, name="index"),
    path("ops/settings/branding/", views.branding, name="branding"),
    path("ops/settings/fees/", views.fees, name="fees"),
    path("ops/settings/exchange-rates/", views.exchange_rates, name="exchange_rates"),
    path("ops/settings/cities/", views.cities, name="cities"),
    path("ops/settings/cities/<slug:slug>/", views.city, name="city"),
    path("ops/settings/categories/", views.categories, name="categories"),
    path(
        "ops/settings/categories/<str:category_id>/",
        views.category,
        name="category",
    ),
    path(
        "ops/settings/categories/<str:category_id>/move/",
        views.move_category,
        name="move_category",
    ),
    path("theme.css", views.theme, name="theme"),
]
