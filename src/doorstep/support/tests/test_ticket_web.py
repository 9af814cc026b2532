"""The ticket desk on the web: the requester's pages (opening one about an
order with a file, replying, rating, the file served to them only) and the
ops console (filters, canned replies, changes, workload, the ops home's
queue)."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse

from doorstep.audit.models import AuditEntry
from doorstep.notifications.models import Kind, Notification
from doorstep.scheduling.tests.helpers import bookable_listing
from doorstep.support.models import CannedReply, Ticket
from doorstep.support.tests.ticket_helpers import agent, pdf, photo, ticket_for
from doorstep.support.tickets import reply_as_agent, save_canned_reply
from doorstep.trust.tests.standards.helpers import paid_order
from tests.factories import make_ops, make_user, sign_in_ops

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(client):
    user = make_user()
    client.force_login(user)
    return user


def test_get_help_with_an_order_opens_a_ticket_about_it(client, customer):
    order = paid_order(bookable_listing(), customer)
    page = client.get(reverse("orders:detail", args=[order.public_id]))
    link = f"{reverse('support:new_ticket')}?order={order.public_id}"
    assert link in page.content.decode()

    form = client.get(link)
    assert form.status_code == 200
    assert f'value="{order.public_id}" selected' in form.content.decode()
    response = client.post(
        link,
        {
            "topic": "order",
            "order": order.public_id,
            "subject": "Broken vase",
            "body": "The cleaner broke a vase.",
            "attachments": [photo(), pdf()],
        },
    )

    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response["Location"] == ticket.get_absolute_url()
    assert ticket.order == order
    assert ticket.attachments.count() == 2
    mine = client.get(reverse("support:my_tickets")).content.decode()
    assert "Broken vase" in mine
    assert 'data-ticket-status="new"' in mine


def test_a_bad_file_is_shown_beside_the_field(client, customer):
    response = client.post(
        reverse("support:new_ticket"),
        {
            "topic": "other",
            "subject": "Hello",
            "body": "See attached",
            "attachments": [SimpleUploadedFile("a.txt", b"plain text", "text/plain")],
        },
    )

    assert response.status_code == 400
    assert response.context["form"].errors["attachments"] == [
        "Attach a photo (JPEG, PNG or WebP) or a PDF."
    ]
    assert not Ticket.objects.exists()


def test_a_strangers_order_in_the_link_is_ignored(client, customer):
    order = paid_order(bookable_listing(), make_user())

    response = client.get(reverse("support:new_ticket") + f"?order={order.public_id}")

    assert response.status_code == 200
    choices = dict(response.context["form"].fields["order"].choices)
    assert order.public_id not in choices


def test_the_requester_reads_replies_not_notes_then_reopens_and_rates(client, customer):
    ticket = ticket_for(customer)
    support = agent()
    reply_as_agent(
        agent=support, ticket_id=ticket.public_id, body="Secret note", internal=True
    )
    reply_as_agent(
        agent=support, ticket_id=ticket.public_id, body="All fixed", status="solved"
    )

    page = client.get(ticket.get_absolute_url()).content.decode()
    assert "All fixed" in page
    assert "Secret note" not in page
    assert "Rate the help you got" in page

    client.post(
        reverse("support:rate", args=[ticket.public_id]),
        {"rating": "good", "comment": "Quick"},
    )
    ticket.refresh_from_db()
    assert ticket.rating == "good"

    client.post(reverse("support:reply", args=[ticket.public_id]), {"body": "Again"})
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN


def test_every_ticket_page_is_404_for_someone_else(client):
    ticket = ticket_for(make_user(), attachments=[photo()])
    attachment = ticket.attachments.get()
    client.force_login(make_user())

    assert client.get(ticket.get_absolute_url()).status_code == 404
    for name in ("support:reply", "support:rate"):
        url = reverse(name, args=[ticket.public_id])
        assert client.post(url, {"body": "x", "rating": "good"}).status_code == 404
    url = reverse("support:attachment", args=[attachment.public_id])
    assert client.get(url).status_code == 404


def test_the_requester_and_ops_download_the_attachment(client, customer):
    ticket = ticket_for(customer, attachments=[pdf()])
    url = reverse("support:attachment", args=[ticket.attachments.get().public_id])

    mine = client.get(url)
    assert mine.status_code == 200
    assert b"".join(mine.streaming_content).startswith(b"%PDF-")
    assert mine["Cache-Control"] == "private, no-store"

    sign_in_ops(client, agent())
    assert client.get(url).status_code == 200


# --- Ops -----------------------------------------------------------------------------


@pytest.fixture
def support(client):
    user = agent()
    sign_in_ops(client, user)
    return user


def test_the_console_is_hidden_from_others_and_refused_to_other_roles(client):
    client.force_login(make_user())
    assert client.get(reverse("support:ops_tickets")).status_code == 404
    sign_in_ops(client, make_ops("Finance"))
    assert client.get(reverse("support:ops_tickets")).status_code == 403


def test_the_console_filters_and_shows_the_clock(client, support):
    customer = make_user()
    urgent = ticket_for(customer, subject="Flooded", priority="urgent")
    ticket_for(customer, subject="Invoice copy", priority="low")

    page = client.get(reverse("support:ops_tickets"), {"priority": "urgent"})

    text = page.content.decode()
    assert urgent.public_id in text
    assert "Invoice copy" not in text
    assert 'data-sla="overdue"' in text  # opened long ago (OPENED)
    assert client.get(reverse("support:ops_unassigned")).status_code == 200


def test_ops_insert_a_canned_reply_in_the_requesters_language_and_send_it(
    client, support
):
    requester = make_user(language="zh-hans")
    ticket = ticket_for(requester)
    reply = save_canned_reply(
        agent=support, title="Thanks", body_en="Thanks!", body_zh_hans="谢谢！"
    )
    url = reverse("support:ops_ticket", args=[ticket.public_id])

    page = client.get(url, {"canned": reply.pk})
    assert page.context["form"].initial["body"] == "谢谢！"

    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(
            reverse("support:ops_reply", args=[ticket.public_id]),
            {"body": "谢谢！", "status": "solved"},
        )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.SOLVED
    told = Notification.objects.get(recipient=requester, kind=Kind.SUPPORT_REPLY)
    assert told.url == ticket.get_absolute_url()


def test_each_change_on_the_ops_page_is_audited(client, support):
    ticket = ticket_for(make_user())
    url = reverse("support:ops_update", args=[ticket.public_id])

    client.post(url, {"change": "assignee", "value": "me"})
    client.post(url, {"change": "status", "value": "waiting"})
    client.post(url, {"change": "priority", "value": "high"})
    client.post(url, {"change": "queue", "value": "payments"})

    ticket.refresh_from_db()
    assert (ticket.assignee, ticket.status, ticket.priority, ticket.queue.slug) == (
        support,
        "waiting",
        "high",
        "payments",
    )
    assert sorted(AuditEntry.objects.values_list("action", flat=True)) == [
        "support.assign",
        "support.move_queue",
        "support.set_priority",
        "support.set_status",
    ]


def test_canned_replies_are_added_changed_and_deleted(client, support):
    client.post(
        reverse("support:ops_canned"),
        {"title": "Hello", "body_en": "Hello!", "body_zh_hans": "", "body_zh_hant": ""},
    )
    reply = CannedReply.objects.get()
    client.post(
        reverse("support:ops_canned_edit", args=[reply.pk]),
        {"title": "Hi", "body_en": "Hi!", "body_zh_hans": "你好", "body_zh_hant": ""},
    )
    reply.refresh_from_db()
    assert (reply.title, reply.body_zh_hans) == ("Hi", "你好")

    client.post(reverse("support:ops_canned_delete", args=[reply.pk]))
    assert not CannedReply.objects.exists()


def test_the_workload_counts_each_agents_tickets(client, support):
    ticket = ticket_for(make_user())
    from doorstep.support.tickets import assign_ticket

    assign_ticket(
        agent=support, ticket_id=ticket.public_id, assignee_id=support.public_id
    )
    reply_as_agent(
        agent=support,
        ticket_id=ticket.public_id,
        body="Hi",
        now=ticket.created_at + timedelta(minutes=90),
    )

    rows = client.get(reverse("support:ops_workload")).context["rows"]

    mine = next(row for row in rows if row.agent == support)
    assert mine.open == 1
    assert mine.median_first_response is None  # opened more than 30 days ago


def test_the_ops_home_lists_tickets_nobody_took(client, support):
    ticket_for(make_user())

    page = client.get(reverse("backoffice:home")).content.decode()

    assert 'data-queue="unassigned_tickets"' in page


def test_sla_policies_are_edited_by_admins_only(client):
    admin = make_ops("Ops admin")
    sign_in_ops(client, admin)
    response = client.post(
        reverse("support:ops_sla"),
        {
            "priority": "low",
            "low-priority": "low",
            "low-first_response_minutes": "600",
            "low-resolution_minutes": "6000",
        },
    )
    assert response.status_code == 302

    sign_in_ops(client, agent())
    refused = client.post(
        reverse("support:ops_sla"),
        {
            "priority": "low",
            "low-priority": "low",
            "low-first_response_minutes": "1",
            "low-resolution_minutes": "2",
        },
    )
    assert refused.status_code == 403
