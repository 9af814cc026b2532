from django.urls import path

from doorstep.catalog import dashboard, views

app_name = "catalog"
urlpatterns = [
    # The provider dashboard.
    path("dashboard/services/", dashboard.listing_list, name="dashboard"),
    path("dashboard/services/new/", dashboard.create, name="dashboard_create"),
    path(
        "dashboard/services/<str:listing_id>/",
        dashboard.edit,
        name="dashboard_edit",
    ),
    path(
        "dashboard/services/<str:listing_id>/publish/",
        dashboard.publish,
        name="dashboard_publish",
    ),
    path(
        "dashboard/services/<str:listing_id>/pause/",
        dashboard.pause,
        name="dashboard_pause",
    ),
    path(
        "dashboard/services/<str:listing_id>/unpublish/",
        dashboard.unpublish,
        name="dashboard_unpublish",
    ),
    path(
        "dashboard/services/<str:listing_id>/delete/",
        dashboard.delete,
        name="dashboard_delete",
    ),
    path(
        "dashboard/services/<str:listing_id>/add-ons/",
        dashboard.save_add_ons,
        name="dashboard_add_ons",
    ),
    path(
        "dashboard/services/<str:listing_id>/photos/",
        dashboard.add_photo,
        name="dashboard_add_photo",
    ),
    path(
        "dashboard/services/<str:listing_id>/photos/<str:photo_id>/remove/",
        dashboard.remove_photo,
        name="dashboard_remove_photo",
    ),
    # Public pages.
    path("services/<str:public_id>/", views.listing_detail, name="listing"),
]
