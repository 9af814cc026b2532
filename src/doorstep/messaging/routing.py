from django.urls import path

from doorstep.messaging.consumers import ConversationConsumer

websocket_urlpatterns = [
    path(
        "ws/conversations/<str:conversation_id>/",
        ConversationConsumer.as_asgi(),
        name="conversation_socket",
    ),
]
