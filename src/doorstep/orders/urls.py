from django.urls import path

from doorstep.orders import views

app_name = "orders"
urlpatterns = [
    # Booking.
    path("book/<str:listing_id>/", views.book, name="book"),
    path("book/<str:listing_id>/slots/", views.booking_slots, name="booking_slots"),
    path("book/<str:listing_id>/price/", views.booking_price, name="booking_price"),
    # Customers and providers.
    path("orders/", views.my_orders, name="mine"),
    path("provider/orders/", views.provider_inbox, name="inbox"),
    path("orders/<str:order_id>/", views.order_detail, name="detail"),
    path("orders/<str:order_id>/pay/", views.pay, name="pay"),
    path(
        "orders/<str:order_id>/payment-return/",
        views.payment_return,
        name="payment_return",
    ),
    path("orders/<str:order_id>/live/", views.order_live, name="live"),
    path(
        "orders/<str:order_id>/transitions/<str:name>/",
        views.order_transition,
        name="transition",
    ),
    path(
        "orders/<str:order_id>/reschedule/",
        views.reschedule_propose,
        name="reschedule",
    ),
    path(
        "orders/<str:order_id>/reschedule/slots/",
        views.reschedule_slots,
        name="reschedule_slots",
    ),
    path(
        "orders/<str:order_id>/reschedule/<str:request_id>/answer/",
        views.reschedule_answer,
        name="reschedule_answer",
    ),
    # The back office.
    path("ops/orders/", views.ops_order_list, name="ops_list"),
    path("ops/orders/<str:order_id>/", views.ops_order_detail, name="ops_detail"),
    path(
        "ops/orders/<str:order_id>/transitions/<str:name>/",
        views.ops_order_transition,
        name="ops_transition",
    ),
]
