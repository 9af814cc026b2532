from django.urls import path

from doorstep.promotions import views

app_name = "promotions"

urlpatterns = [
    path(
        "dashboard/services/<str:listing_id>/promote/",
        views.promote,
        name="promote",
    ),
    path(
        "dashboard/services/<str:listing_id>/promotions.csv",
        views.report_csv,
        name="report_csv",
    ),
    path(
        "dashboard/promotions/<str:promotion_id>/<str:action>/",
        views.change_promotion,
        name="change",
    ),
]
