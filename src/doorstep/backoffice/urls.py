from django.urls import path

from doorstep.backoffice import views

app_name = "backoffice"
urlpatterns = [
    path("ops/", views.home, name="home"),
    path("ops/search/", views.search, name="search"),
    # Named once: other ops pages link a person as ``backoffice:user``.
    path("ops/users/<str:public_id>/", views.user_page, name="user"),
    path("ops/providers/<str:public_id>/", views.provider_page, name="provider"),
    path("ops/audit/", views.audit_trail, name="audit"),
    # One page per queue, each with its own name (``OpsQueue.url_name``).
    path(
        "ops/queues/reported-reviews/",
        views.queue_page,
        {"key": "reported_reviews"},
        name="reported_reviews",
    ),
    path(
        "ops/queues/failed-money-flows/",
        views.queue_page,
        {"key": "failed_money_flows"},
        name="failed_money_flows",
    ),
    path(
        "ops/queues/disputed-orders/",
        views.queue_page,
        {"key": "disputed_orders"},
        name="disputed_orders",
    ),
    path(
        "ops/queues/undelivered-events/",
        views.queue_page,
        {"key": "undelivered_events"},
        name="undelivered_events",
    ),
    path(
        "ops/queues/unplaced-dispatch-orders/",
        views.queue_page,
        {"key": "unplaced_dispatch_orders"},
        name="unplaced_dispatch_orders",
    ),
    path(
        "ops/queues/reported-reviews/<str:review_id>/<str:decision>/",
        views.decide_review,
        name="decide_review",
    ),
]
