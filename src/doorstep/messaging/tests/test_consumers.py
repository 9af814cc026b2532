"""The conversation WebSocket, driven by Channels' communicator: parties join and
receive what the other party sends (after commit); others are closed."""

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.routing import URLRouter

from doorstep.messaging import services
from doorstep.messaging.consumers import CLOSE_NOT_FOUND, CLOSE_NOT_SIGNED_IN
from doorstep.messaging.routing import websocket_urlpatterns
from doorstep.messaging.tests.websocket import WebsocketCommunicator

# The consumer runs its handlers in a worker thread that opens its own database
# connection: the data must be committed, not held in a test transaction.
pytestmark = pytest.mark.django_db(transaction=True)


def _socket(conversation_id: str, user=None) -> WebsocketCommunicator:
    # The user goes straight into the scope, as AuthMiddlewareStack would put it.
    from django.contrib.auth.models import AnonymousUser

    communicator = WebsocketCommunicator(
        URLRouter(websocket_urlpatterns), f"/ws/conversations/{conversation_id}/"
    )
    communicator.scope["user"] = user or AnonymousUser()
    communicator.scope["session"] = {}
    return communicator


def test_a_party_receives_the_other_partys_message_and_read_receipt(
    inquiry, customer, provider_user
):
    async def scenario():
        socket = _socket(inquiry.public_id, provider_user)
        connected, _ = await socket.connect()
        assert connected

        # when the customer sends through the service (and it commits)
        sent = await database_sync_to_async(services.send_message)(
            sender=customer, conversation=inquiry, body="Are you free on Saturday?"
        )
        event = await socket.receive_json_from(timeout=5)

        # then the provider's socket gets it, rendered for the provider
        assert event["type"] == "message"
        assert event["id"] == sent.message.public_id
        assert event["sender"] == customer.public_id
        assert "Are you free on Saturday?" in event["html"]
        assert "bubble--mine" not in event["html"]

        # and when the provider says they read it, a receipt goes out
        await socket.send_json_to({"type": "read"})
        receipt = await socket.receive_json_from(timeout=5)
        assert receipt["type"] == "read"
        assert receipt["reader"] == provider_user.public_id
        assert receipt["message_id"] == sent.message.public_id
        await socket.disconnect()

    async_to_sync(scenario)()


def test_a_stranger_is_closed_with_4404(inquiry, stranger):
    async def scenario():
        socket = _socket(inquiry.public_id, stranger)
        await socket.connect()
        closed = await socket.receive_output(timeout=5)
        assert closed == {"type": "websocket.close", "code": CLOSE_NOT_FOUND}

    async_to_sync(scenario)()


def test_nobody_signed_in_is_closed_with_4403(inquiry):
    async def scenario():
        socket = _socket(inquiry.public_id)
        await socket.connect()
        closed = await socket.receive_output(timeout=5)
        assert closed == {"type": "websocket.close", "code": CLOSE_NOT_SIGNED_IN}

    async_to_sync(scenario)()


def test_an_unknown_conversation_is_closed_with_4404(customer):
    async def scenario():
        socket = _socket("cnv_doesnotexist00000", customer)
        await socket.connect()
        closed = await socket.receive_output(timeout=5)
        assert closed["code"] == CLOSE_NOT_FOUND

    async_to_sync(scenario)()


def test_the_asgi_application_routes_websockets_with_session_auth(
    client, inquiry, customer
):
    """Through the real stack: origin check, session cookie, URL routing."""
    from channels.security.websocket import OriginValidator

    from doorstep.asgi import application

    # Another site's page must not open sockets with a visitor's cookie (the
    # test settings allow every host, so the check itself is Channels' own).
    assert isinstance(application.application_mapping["websocket"], OriginValidator)

    client.force_login(customer)
    cookie = client.cookies["sessionid"].value

    async def scenario():
        socket = WebsocketCommunicator(
            application,
            f"/ws/conversations/{inquiry.public_id}/",
            headers=[
                (b"origin", b"http://testserver"),
                (b"host", b"testserver"),
                (b"cookie", f"sessionid={cookie}".encode()),
            ],
        )
        connected, _ = await socket.connect()
        assert connected
        assert await socket.receive_nothing(timeout=0.2)
        await socket.disconnect()

    async_to_sync(scenario)()
