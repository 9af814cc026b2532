from django.urls import path

from doorstep.trust import standards_views as views

app_name = "standards"
urlpatterns = [
    path("provider/standards/", views.provider_standards, name="provider"),
    path(
        "provider/standards/strikes/<str:strike_id>/appeal/",
        views.provider_appeal,
        name="appeal",
    ),
    path("ops/standards/", views.ops_home, name="ops_home"),
    path("ops/standards/rules/<str:trigger>/", views.ops_rule, name="ops_rule"),
    path(
        "ops/standards/providers/<str:provider_id>/",
        views.ops_provider,
        name="ops_provider",
    ),
    path(
        "ops/standards/providers/<str:provider_id>/<str:action>/",
        views.ops_provider_action,
        name="ops_provider_action",
    ),
    path("ops/standards/appeals/<str:appeal_id>/", views.ops_appeal, name="ops_appeal"),
]
