from django.urls import path

from doorstep.taxes import views

app_name = "taxes"
urlpatterns = [
    path("ops/settings/taxes/", views.regions, name="regions"),
    path("ops/settings/taxes/<str:region_id>/", views.region, name="region"),
    path(
        "ops/settings/taxes/<str:region_id>/rules/<str:rule_id>/end/",
        views.end_rule,
        name="end_rule",
    ),
    path("ops/finance/taxes/", views.report, name="report"),
]
