from django.urls import path

from doorstep.payments import method_views as views

app_name = "payment_methods"

urlpatterns = [
    path("account/payment-methods/", views.payment_methods, name="list"),
    path(
        "account/payment-methods/<str:method_id>/default/",
        views.make_default,
        name="make_default",
    ),
    path(
        "account/payment-methods/<str:method_id>/remove/",
        views.remove,
        name="remove",
    ),
    path(
        "orders/<str:order_id>/pay/saved-card/",
        views.pay_with_saved,
        name="pay_with_saved",
    ),
    path(
        "orders/<str:order_id>/pay/new-card/",
        views.pay_with_new_card,
        name="pay_with_new_card",
    ),
    path(
        "orders/<str:order_id>/pay/card-saved/",
        views.saved_return,
        name="saved_return",
    ),
]
