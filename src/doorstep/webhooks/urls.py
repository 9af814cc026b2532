from django.urls import path

from doorstep.webhooks import views

app_name = "webhooks"
urlpatterns = [
    path("developers/webhooks/", views.endpoints, name="endpoints"),
    path("developers/webhooks/new/", views.create, name="create"),
    path("developers/webhooks/<str:endpoint_id>/", views.endpoint, name="endpoint"),
    path("developers/webhooks/<str:endpoint_id>/edit/", views.edit, name="edit"),
    path("developers/webhooks/<str:endpoint_id>/toggle/", views.toggle, name="toggle"),
    path("developers/webhooks/<str:endpoint_id>/rotate/", views.rotate, name="rotate"),
    path("developers/webhooks/<str:endpoint_id>/test/", views.send_test, name="test"),
    path("developers/webhooks/<str:endpoint_id>/delete/", views.delete, name="delete"),
    path(
        "developers/webhooks/<str:endpoint_id>/deliveries/<str:delivery_id>/replay/",
        views.replay,
        name="replay",
    ),
    path("ops/webhooks/", views.ops_endpoints, name="ops_endpoints"),
    path(
        "ops/webhooks/<str:endpoint_id>/disable/",
        views.ops_disable,
        name="ops_disable",
    ),
]
