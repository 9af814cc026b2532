from django.urls import path

from doorstep.trust import badge_views as views

app_name = "badges"
urlpatterns = [
    path(
        "provider/background-check/",
        views.provider_check,
        name="provider_check",
    ),
    path(
        "trust/checks/webhooks/<str:vendor>/",
        views.check_webhook,
        name="check_webhook",
    ),
    path("ops/trust/background-checks/", views.ops_checks, name="ops_checks"),
    path(
        "ops/trust/background-checks/start/",
        views.ops_start_check,
        name="ops_start_check",
    ),
    path(
        "ops/trust/background-checks/<str:check_id>/",
        views.ops_check,
        name="ops_check",
    ),
    path("ops/trust/top-provider/", views.ops_top_provider, name="ops_top_provider"),
]
