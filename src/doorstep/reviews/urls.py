from django.urls import path

from doorstep.reviews import views

app_name = "reviews"
urlpatterns = [
    path("orders/<str:order_id>/review/", views.order_review, name="order"),
    path(
        "services/<str:listing_id>/reviews/",
        views.listing_review_list,
        name="listing_list",
    ),
    path("providers/<str:provider_id>/", views.provider_detail, name="provider"),
    path(
        "providers/<str:provider_id>/reviews/",
        views.provider_review_list,
        name="provider_list",
    ),
    path("reviews/<str:review_id>/reply/", views.reply, name="reply"),
    path("reviews/<str:review_id>/report/", views.report, name="report"),
]
