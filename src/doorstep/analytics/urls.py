from django.urls import path

from doorstep.analytics import views

app_name = "analytics"
urlpatterns = [
    path("dashboard/insights/", views.provider_insights, name="provider_insights"),
    path("ops/analytics/", views.dashboard, name="dashboard"),
    path(
        "ops/analytics/supply-demand/",
        views.supply_demand_map,
        name="supply_demand",
    ),
    path(
        "ops/analytics/<slug:name>.csv",
        views.series_download,
        name="series_csv",
    ),
]
