from django.urls import path

from doorstep.promotions import views

app_name = "promotions"

urlpatterns = [
    path(
        "dashboard/services/<str:listing_id>/promote/",
        views.promote,
        name="promote",
    ),
]
