from django.urls import path

from doorstep.messaging import views

app_name = "messaging"

urlpatterns = [
    path("ops/messages/flags/", views.ops_flags, name="ops_flags"),
    path("ops/messages/flags/<int:flag_id>/", views.ops_flag, name="ops_flag"),
    path("messages/", views.inbox, name="inbox"),
    path(
        "messages/listing/<str:listing_id>/",
        views.start_inquiry,
        name="start_inquiry",
    ),
    path(
        "messages/order/<str:order_id>/",
        views.order_conversation,
        name="order_conversation",
    ),
    path("messages/<str:conversation_id>/", views.conversation, name="conversation"),
    path("messages/<str:conversation_id>/send/", views.send, name="send"),
    path(
        "messages/<str:conversation_id>/thread/",
        views.thread,
        name="thread",
    ),
]
