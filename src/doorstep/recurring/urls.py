from django.urls import path

from doorstep.recurring import views

app_name = "recurring"

urlpatterns = [
    path("recurring/", views.series_list, name="list"),
    path("recurring/new/", views.new_series, name="new"),
    path("recurring/<str:series_id>/", views.series_detail, name="detail"),
    path("recurring/<str:series_id>/<str:action>/", views.series_action, name="act"),
    path(
        "recurring/visits/<str:visit_id>/<str:action>/",
        views.visit_action,
        name="visit",
    ),
]
