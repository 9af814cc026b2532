from django.urls import path

from doorstep.reviews import views

app_name = "reviews"
urlpatterns = [
    path("ops/reviews/flags/", views.ops_flags, name="ops_flags"),
    path("ops/reviews/flags/<int:flag_id>/", views.ops_flag, name="ops_flag"),
    path("ops/reviews/reports/", views.ops_reports, name="ops_reports"),
    path(
        "ops/reviews/reports/<int:report_id>/",
        views.ops_report_decide,
        name="ops_report_decide",
    ),
    path(
        "ops/reviews/testimonials/",
        views.ops_testimonials,
        name="ops_testimonials",
    ),
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
    path("reviews/<str:review_id>/", views.review_detail, name="detail"),
    path("reviews/<str:review_id>/reply/", views.reply, name="reply"),
    path("reviews/<str:review_id>/report/", views.report, name="report"),
]
