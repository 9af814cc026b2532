from django.urls import path

from doorstep.growth import views

app_name = "growth"

urlpatterns = [
    path(
        "orders/<str:order_id>/discounts/",
        views.order_discounts,
        name="order_discounts",
    ),
    path("rewards/", views.rewards_page, name="rewards"),
    path("invite/", views.invite, name="invite"),
    # The link people share: short, so it fits a message and a QR code.
    path("r/<str:code>/", views.referral_landing, name="landing"),
    path("r/<str:code>/picture.png", views.landing_picture, name="landing_picture"),
]
