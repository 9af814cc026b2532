from django.urls import path

from doorstep.commissions import views

app_name = "commissions"
urlpatterns = [
    path("ops/settings/commission-limits/", views.limits, name="limits"),
    path(
        "ops/settings/commission-limits/<str:limit_id>/remove/",
        views.remove_limit,
        name="remove_limit",
    ),
]
