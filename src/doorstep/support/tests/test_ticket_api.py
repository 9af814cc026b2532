"""The ticket desk's API: the requester's endpoints (their own tickets only:
404 for anyone else's on every object endpoint) and the ops endpoints (second
factor and the ticket role)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase

from doorstep.api.testing import API, assert_problem, bearer, ops_bearer
from doorstep.notifications.models import Kind, Notification
from doorstep.support.models import Ticket
from doorstep.support.tests.ticket_helpers import agent, pdf, ticket_for
from doorstep.support.tickets import reply_as_agent
from tests.factories import make_ops, make_user

pytestmark = pytest.mark.django_db

TICKETS = f"{API}/support/tickets"
OPS = f"{API}/ops/support/tickets"


def _post(client, path, body, headers):
    return client.post(path, body, content_type="application/json", **headers)


@pytest.fixture
def requester():
    return make_user()


@pytest.fixture
def as_requester(requester):
    return bearer(requester)


def test_open_list_get_reply_and_rate(client, requester, as_requester):
    opened = _post(
        client,
        TICKETS,
        {"subject": "Payout late", "body": "Where is it?", "topic": "payment"},
        as_requester,
    )
    assert opened.status_code == 201, opened.content
    ticket_id = opened.json()["id"]
    assert opened.json()["status"] == "new"
    assert [m["body"] for m in opened.json()["messages"]] == ["Where is it?"]

    listed = client.get(TICKETS, **as_requester).json()
    assert [t["id"] for t in listed["items"]] == [ticket_id]

    reply_as_agent(agent=agent(), ticket_id=ticket_id, body="Note", internal=True)
    reply_as_agent(agent=agent(), ticket_id=ticket_id, body="Sent", status="solved")
    seen = client.get(f"{TICKETS}/{ticket_id}", **as_requester).json()
    assert [m["body"] for m in seen["messages"]] == ["Where is it?", "Sent"]
    assert seen["messages"][1]["from_support"] is True

    rated = _post(
        client, f"{TICKETS}/{ticket_id}/rating", {"rating": "good"}, as_requester
    )
    assert rated.status_code == 200
    assert rated.json()["rating"] == "good"

    posted = _post(
        client, f"{TICKETS}/{ticket_id}/messages", {"body": "Thanks"}, as_requester
    )
    assert posted.status_code == 201
    assert Ticket.objects.get(public_id=ticket_id).status == "open"


def test_upload_an_attachment_and_refuse_a_bad_one(client, requester, as_requester):
    ticket = ticket_for(requester)
    url = f"{TICKETS}/{ticket.public_id}/attachments"

    good = client.post(url, {"file": pdf()}, **as_requester)
    assert good.status_code == 201, good.content
    assert good.json()["content_type"] == "application/pdf"
    # an app fetches the file with the same token; nobody else can
    download = good.json()["url"]
    assert client.get(download, **as_requester).status_code == 200
    assert client.get(download, **bearer(make_user())).status_code == 404
    assert client.get(download, HTTP_AUTHORIZATION="Bearer dst_nope").status_code == 401

    bad = client.post(
        url,
        {"file": SimpleUploadedFile("x.txt", b"hello there", "text/plain")},
        **as_requester,
    )
    body = assert_problem(bad, 422, "invalid_attachment")
    assert "file" in body["errors"]
    assert ticket.attachments.count() == 1


def test_rating_before_solved_is_refused(client, requester, as_requester):
    ticket = ticket_for(requester)

    response = _post(
        client, f"{TICKETS}/{ticket.public_id}/rating", {"rating": "bad"}, as_requester
    )

    assert_problem(response, 422, "ticket_not_solved")


def test_every_object_endpoint_is_404_for_another_user(client, requester):
    ticket = ticket_for(requester)
    reply_as_agent(
        agent=agent(), ticket_id=ticket.public_id, body="Done", status="solved"
    )
    stranger = bearer(make_user(email="eve@example.com"))
    base = f"{TICKETS}/{ticket.public_id}"

    assert_problem(client.get(base, **stranger), 404, "ticket_not_found")
    assert_problem(
        _post(client, f"{base}/messages", {"body": "x"}, stranger),
        404,
        "ticket_not_found",
    )
    assert_problem(
        client.post(f"{base}/attachments", {"file": pdf()}, **stranger),
        404,
        "ticket_not_found",
    )
    assert_problem(
        _post(client, f"{base}/rating", {"rating": "good"}, stranger),
        404,
        "ticket_not_found",
    )
    assert client.get(TICKETS, **stranger).json()["items"] == []


def test_ops_endpoints_hide_from_others_and_refuse_other_roles(client, requester):
    ticket = ticket_for(requester)
    one = f"{OPS}/{ticket.public_id}"

    for path in (OPS, one):
        assert_problem(client.get(path, **bearer(requester)), 404)
    assert_problem(client.get(OPS, **bearer(agent())), 403, "ops_mfa_required")
    finance = ops_bearer(make_ops("Finance"))
    assert_problem(client.get(OPS, **finance), 403, "ops_permission_required")
    for path, body in (
        (f"{one}/messages", {"body": "x"}),
        (f"{one}/assign", {"assignee_id": None}),
        (f"{one}/status", {"status": "solved"}),
        (f"{one}/priority", {"priority": "high"}),
        (f"{one}/queue", {"queue": "general"}),
    ):
        assert_problem(_post(client, path, body, bearer(requester)), 404)
        assert_problem(_post(client, path, body, finance), 403)


def test_ops_move_a_ticket_between_queues_named_in_their_language(client, requester):
    headers = ops_bearer(agent())
    ticket = ticket_for(requester)
    one = f"{OPS}/{ticket.public_id}"

    queues = client.get(
        f"{API}/ops/support/queues", HTTP_ACCEPT_LANGUAGE="zh-hans", **headers
    )
    assert queues.status_code == 200
    assert {q["slug"]: q["name"] for q in queues.json()}["payments"] == "付款"
    assert_problem(
        client.get(f"{API}/ops/support/queues", **ops_bearer(make_ops("Finance"))),
        403,
        "ops_permission_required",
    )

    moved = _post(client, f"{one}/queue", {"queue": "payments"}, headers)
    assert moved.status_code == 200, moved.content
    assert moved.json()["queue"] == "payments"
    assert_problem(
        _post(client, f"{one}/queue", {"queue": "nowhere"}, headers),
        404,
        "support_queue_not_found",
    )
    ticket.refresh_from_db()
    assert ticket.queue.slug == "payments"


def test_ops_work_a_ticket_through_the_api(client, requester):
    support = agent()
    headers = ops_bearer(support)
    ticket = ticket_for(requester, priority="low")
    one = f"{OPS}/{ticket.public_id}"

    listed = client.get(OPS, {"assignee": "none", "breached": "false"}, **headers)
    assert [t["id"] for t in listed.json()["items"]] == [ticket.public_id]

    assigned = _post(
        client, f"{one}/assign", {"assignee_id": support.public_id}, headers
    )
    assert assigned.json()["assignee_id"] == support.public_id
    noted = _post(client, f"{one}/messages", {"body": "hm", "internal": True}, headers)
    assert noted.status_code == 201
    assert noted.json()["messages"][-1]["internal"] is True
    with TestCase.captureOnCommitCallbacks(execute=True):
        _post(client, f"{one}/messages", {"body": "Fixed"}, headers)
    assert Notification.objects.filter(
        recipient=requester, kind=Kind.SUPPORT_REPLY
    ).exists()
    raised = _post(client, f"{one}/priority", {"priority": "urgent"}, headers)
    assert raised.json()["priority"] == "urgent"
    solved = _post(client, f"{one}/status", {"status": "solved"}, headers)
    assert solved.json()["status"] == "solved"
    assert solved.json()["sla_seconds_left"] is None

    refused = _post(
        client,
        f"{one}/assign",
        {"assignee_id": make_ops("Finance").public_id},
        headers,
    )
    assert_problem(refused, 422, "not_a_support_agent")


def test_the_assignee_hears_of_the_requesters_reply(client, requester, as_requester):
    support = agent()
    ticket = ticket_for(requester)
    _post(
        client,
        f"{OPS}/{ticket.public_id}/assign",
        {"assignee_id": support.public_id},
        ops_bearer(support),
    )

    with TestCase.captureOnCommitCallbacks(execute=True):
        _post(
            client,
            f"{TICKETS}/{ticket.public_id}/messages",
            {"body": "Any news?"},
            as_requester,
        )

    told = Notification.objects.get(recipient=support)
    assert told.kind == Kind.NEW_MESSAGE  # in the app; no e-mail by default
    assert "Any news?" in told.body
