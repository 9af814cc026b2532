"""The ops console's pages: search, a page per user (and the provider address
that leads to it), the audit trail and the queue pages — each opened by the
roles whose permission it needs (200), refused to the other roles (403) and
invisible to everyone else (404)."""

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from doorstep.audit.actions import define
from doorstep.audit.services import record
from doorstep.backoffice import queries
from doorstep.backoffice.access import OpsRole
from doorstep.core.errors import PermissionDenied
from doorstep.events.models import Event
from doorstep.events.services import MAX_DELIVERY_ATTEMPTS
from doorstep.orders.states import OrderState
from doorstep.payments.models import PendingMoneyFlow
from doorstep.reviews.models import Review, ReviewReport
from tests.factories import (
    make_listing,
    make_ops,
    make_order,
    make_provider,
    make_user,
    sign_in_ops,
)

pytestmark = pytest.mark.django_db
POKE = define("tests.console_poke", "Poked (console test)")
SUPPORT, FINANCE, TRUST, ADMIN = (
    OpsRole.SUPPORT,
    OpsRole.FINANCE,
    OpsRole.TRUST_AND_SAFETY,
    OpsRole.ADMIN,
)
EVERY_ROLE = {SUPPORT, FINANCE, TRUST, ADMIN}


@pytest.fixture
def person():
    provider = make_provider()
    return provider.user


def _pages(person) -> dict[str, tuple[str, set[str]]]:
    """Each page, with the roles that open it."""
    return {
        "search": (reverse("backoffice:search") + "?q=usr_", EVERY_ROLE),
        "user": (reverse("backoffice:user", args=[person.public_id]), EVERY_ROLE),
        "audit": (reverse("backoffice:audit"), {TRUST, ADMIN}),
        "reported_reviews": (reverse("backoffice:reported_reviews"), {TRUST, ADMIN}),
        "failed_money_flows": (
            reverse("backoffice:failed_money_flows"),
            {FINANCE, ADMIN},
        ),
        "disputed_orders": (reverse("backoffice:disputed_orders"), {SUPPORT, ADMIN}),
        "undelivered_events": (reverse("backoffice:undelivered_events"), {ADMIN}),
    }


@pytest.mark.parametrize("role", sorted(EVERY_ROLE))
@pytest.mark.parametrize(
    "page",
    [
        "search",
        "user",
        "audit",
        "reported_reviews",
        "failed_money_flows",
        "disputed_orders",
        "undelivered_events",
    ],
)
def test_each_page_opens_for_the_roles_with_its_permission(client, person, role, page):
    url, allowed = _pages(person)[page]
    sign_in_ops(client, make_ops(role))

    response = client.get(url)

    assert response.status_code == (200 if role in allowed else 403)


def test_staff_without_a_role_are_refused_every_page(client, person):
    ops = make_ops(SUPPORT)
    ops.groups.clear()
    sign_in_ops(client, ops)

    for url, _roles in _pages(person).values():
        assert client.get(url).status_code == 403, url


def test_the_console_does_not_exist_for_anyone_else(client, person):
    pages = [url for url, _roles in _pages(person).values()]
    pages.append(
        reverse("backoffice:provider", args=[person.provider_profile.public_id])
    )
    for url in pages:
        assert client.get(url).status_code == 404, url
    client.force_login(person)
    for url in pages:
        assert client.get(url).status_code == 404, url
    # Ops whose session did not pass the second factor
    sign_in_ops(client, make_ops(ADMIN), second_factor=False)
    for url in pages:
        assert client.get(url).status_code == 404, url


def test_a_user_or_provider_nobody_has_is_not_found(client):
    sign_in_ops(client, make_ops(SUPPORT))

    assert (
        client.get(reverse("backoffice:user", args=["usr_nobody"])).status_code == 404
    )
    missing = reverse("backoffice:provider", args=["prv_nobody"])
    assert client.get(missing).status_code == 404


def test_the_provider_address_leads_to_the_persons_page(client, person):
    sign_in_ops(client, make_ops(SUPPORT))

    response = client.get(
        reverse("backoffice:provider", args=[person.provider_profile.public_id])
    )

    assert response.url == reverse("backoffice:user", args=[person.public_id])


def test_the_home_lists_search_and_the_audit_trail_to_the_roles_that_open_them(client):
    sign_in_ops(client, make_ops(SUPPORT))
    support = client.get("/ops/").content.decode()
    sign_in_ops(client, make_ops(TRUST))
    trust = client.get("/ops/").content.decode()

    assert reverse("backoffice:search") in support
    assert reverse("backoffice:audit") not in support
    assert reverse("backoffice:audit") in trust


# --- Search -----------------------------------------------------------------------


def _found(ops, query: str) -> dict[str, list[str]]:
    results = queries.search(user=ops, query=query)
    return {
        "users": [user.public_id for user in results.users],
        "providers": [provider.public_id for provider in results.providers],
        "orders": [order.public_id for order in results.orders],
        "listings": [listing.public_id for listing in results.listings],
    }


def test_search_finds_by_id_email_phone_and_name():
    ops = make_ops(SUPPORT)
    wang = make_user(
        name="Wang Xiaoming", email="wang@example.com", phone="+8613800138000"
    )
    li = make_user(name="李小红", email="li@example.com")
    provider = make_provider(display_name="Sparkle Cleaning Co")
    listing = make_listing(provider=provider, title="Deep kitchen clean")
    order = make_order(listing=listing, customer=wang)

    assert _found(ops, wang.public_id)["users"] == [wang.public_id]
    assert _found(ops, wang.public_id[:7])["users"] == [wang.public_id]
    assert _found(ops, provider.public_id)["providers"] == [provider.public_id]
    assert _found(ops, order.public_id[:10])["orders"] == [order.public_id]
    assert _found(ops, listing.public_id)["listings"] == [listing.public_id]
    assert _found(ops, "WANG@example.com")["users"] == [wang.public_id]
    assert _found(ops, "wang@")["users"] == [wang.public_id]
    assert _found(ops, "86 138 0013 8000")["users"] == [wang.public_id]
    assert _found(ops, "+86138")["users"] == [wang.public_id]
    assert _found(ops, "+86 138-0013-8000")["users"] == [wang.public_id]
    assert _found(ops, "wang xiao")["users"] == [wang.public_id]
    assert _found(ops, "李小")["users"] == [li.public_id]
    assert _found(ops, "sparkle")["providers"] == [provider.public_id]
    assert _found(ops, "DEEP kitchen")["listings"] == [listing.public_id]
    # Too short to mean anything: nothing is looked up
    assert _found(ops, "w") == {
        "users": [],
        "providers": [],
        "orders": [],
        "listings": [],
    }


def test_search_groups_results_by_kind_and_links_each_page(client):
    ops = make_ops(FINANCE)
    customer = make_user(name="Sam Customer")
    provider = make_provider(display_name="Sam's Repairs")
    listing = make_listing(provider=provider, title="Sam fixes taps")
    sign_in_ops(client, ops)

    html = client.get(reverse("backoffice:search"), {"q": "sam"}).content.decode()

    assert 'data-results="users"' in html
    assert 'data-results="providers"' in html
    assert 'data-results="listings"' in html
    assert reverse("backoffice:user", args=[customer.public_id]) in html
    assert reverse("backoffice:user", args=[provider.user.public_id]) in html
    assert listing.public_id in html


def test_search_needs_a_role_that_looks_people_up():
    ops = make_ops(SUPPORT)
    ops.groups.clear()

    with pytest.raises(PermissionDenied):
        queries.search(user=ops, query="anything")
    with pytest.raises(PermissionDenied):
        queries.search(user=make_user(), query="anything")


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's plan")
def test_a_name_search_runs_on_an_index():
    make_user(name="Someone")
    names = queries.User.objects.alias(key=queries.Lower("name")).filter(
        queries._prefixed("key", "some")
    )

    plan = names.explain()

    assert "user_name_search" in plan


# --- One user ---------------------------------------------------------------------


def test_the_user_page_shows_everything_about_them(client):
    provider = make_provider(display_name="Tidy Homes")
    person = provider.user
    listing = make_listing(provider=provider, title="Window cleaning")
    as_provider = make_order(listing=listing)
    as_customer = make_order(customer=person)
    record(actor=None, action=POKE, target=provider, reason="checked by phone")
    sign_in_ops(client, make_ops(SUPPORT))

    html = client.get(
        reverse("backoffice:user", args=[person.public_id])
    ).content.decode()

    assert "Tidy Homes" in html
    assert "Window cleaning" in html
    assert reverse("orders:ops_detail", args=[as_provider.public_id]) in html
    assert reverse("orders:ops_detail", args=[as_customer.public_id]) in html
    assert reverse("backoffice:user", args=[as_provider.customer.public_id]) in html
    assert 'data-currency="' in html  # the balances table
    assert "checked by phone" in html  # the audit entries about them
    assert "data-messages>0<" in html


def test_the_order_page_shows_its_money_events_and_audit_entries(client):
    order = make_order()
    record(actor=None, action=POKE, target=order, reason="looked into it")
    sign_in_ops(client, make_ops(SUPPORT))

    html = client.get(
        reverse("orders:ops_detail", args=[order.public_id])
    ).content.decode()

    assert "order.created" in html  # its domain events
    assert "looked into it" in html
    assert reverse("backoffice:user", args=[order.customer.public_id]) in html
    assert reverse("backoffice:provider", args=[order.provider.public_id]) in html


# --- The audit trail --------------------------------------------------------------


def test_the_audit_trail_filters_and_pages(client):
    ops = make_ops(TRUST)
    other = make_ops(ADMIN)
    provider = make_provider(display_name="Filter Me")
    for number in range(55):
        record(actor=ops, action=POKE, target=provider, reason=f"note {number}")
    record(actor=other, action="reviews.hide", target=provider, reason="special")
    sign_in_ops(client, ops)
    url = reverse("backoffice:audit")

    first = client.get(url).content.decode()
    second = client.get(url, {"page": 2}).content.decode()
    by_action = client.get(url, {"action": "reviews.hide"}).content.decode()
    by_actor = client.get(url, {"actor": other.email}).content.decode()
    by_text = client.get(url, {"q": "note 7"}).content.decode()
    today = timezone.localdate().isoformat()
    in_range = client.get(url, {"since": today, "until": today}).content.decode()
    before = client.get(url, {"until": "2000-01-01"}).content.decode()

    assert first.count("data-audit=") == 50
    assert second.count("data-audit=") == 6
    assert "Page 2 of 2" in second
    assert by_action.count("data-audit=") == 1
    assert "special" in by_action
    assert by_actor.count("data-audit=") == 1
    assert by_text.count("data-audit=") == 1
    assert in_range.count("data-audit=") == 50
    assert before.count("data-audit=") == 0
    # A select of the declared actions; nothing to edit or delete
    assert '<option value="reviews.hide"' in first
    page = first[first.index("<h1>") : first.index("<footer")]
    assert 'method="post"' not in page


# --- Queue pages ------------------------------------------------------------------


def test_the_queue_pages_list_what_waits_oldest_first(client):
    disputed = make_order(state=OrderState.DISPUTED)
    make_order()  # not disputed
    PendingMoneyFlow.objects.create(
        order=disputed,
        flow="release_order",
        status=PendingMoneyFlow.Status.FAILED,
        attempts=3,
        last_error="card_declined",
        next_attempt_at=timezone.now(),
    )
    Event.objects.create(
        topic="order.accepted",
        subject="ord_stuck",
        delivery_attempts=MAX_DELIVERY_ATTEMPTS,
        last_delivery_error="boom",
    )
    sign_in_ops(client, make_ops(ADMIN))

    orders = client.get(reverse("backoffice:disputed_orders")).content.decode()
    flows = client.get(reverse("backoffice:failed_money_flows")).content.decode()
    events = client.get(reverse("backoffice:undelivered_events")).content.decode()
    home = client.get("/ops/").content.decode()

    assert orders.count(reverse("orders:ops_detail", args=[disputed.public_id])) == 1
    assert "card_declined" in flows
    assert "ord_stuck" in events
    assert "boom" in events
    for key in (
        "reported_reviews",
        "failed_money_flows",
        "disputed_orders",
        "undelivered_events",
    ):
        assert f'data-queue="{key}"' in home


@pytest.fixture
def reported(person):
    order = make_order(customer=make_user(), state=OrderState.COMPLETED)
    review = Review.objects.create(
        order=order,
        direction="customer_reviews_provider",
        author=order.customer,
        listing=order.listing,
        provider=order.provider,
        customer=order.customer,
        stars=1,
        text="Awful, avoid",
        created_at=timezone.now(),
        revealed_at=timezone.now(),
    )
    ReviewReport.objects.create(
        review=review,
        reporter=make_user(),
        reason="Insulting",
        created_at=timezone.now(),
    )
    return review


@pytest.mark.parametrize("decision", ["hide", "dismiss"])
def test_ops_decide_a_reported_review_from_its_queue(client, reported, decision):
    sign_in_ops(client, make_ops(TRUST))
    page = client.get(reverse("backoffice:reported_reviews")).content.decode()
    assert "Awful, avoid" in page
    assert "Insulting" in page

    response = client.post(
        reverse("backoffice:decide_review", args=[reported.public_id, decision]),
        {"reason": "Read it twice"},
    )

    assert response.url == reverse("backoffice:reported_reviews")
    assert not ReviewReport.objects.filter(resolved=False).exists()
    reported.refresh_from_db()
    assert (reported.hidden_at is not None) == (decision == "hide")
    assert "Awful, avoid" not in client.get(response.url).content.decode()


def test_a_role_that_does_not_moderate_cannot_decide(client, reported):
    sign_in_ops(client, make_ops(FINANCE))

    response = client.post(
        reverse("backoffice:decide_review", args=[reported.public_id, "hide"]),
        {"reason": "No"},
    )

    assert response.status_code == 403
    reported.refresh_from_db()
    assert reported.hidden_at is None
    assert ReviewReport.objects.filter(resolved=False).count() == 1


def test_a_decision_without_a_reason_is_refused_and_changes_nothing(client, reported):
    sign_in_ops(client, make_ops(TRUST))

    response = client.post(
        reverse("backoffice:decide_review", args=[reported.public_id, "hide"]),
        {"reason": " "},
        follow=True,
    )

    assert "Give a reason." in response.content.decode()
    assert ReviewReport.objects.filter(resolved=False).count() == 1


def test_groups_are_the_roles():
    assert set(Group.objects.values_list("name", flat=True)) >= EVERY_ROLE


def test_a_payout_backlog_is_shown_one_batch_at_a_time(client, monkeypatch):
    from doorstep.payments import views as payment_views
    from doorstep.payments.models import PayoutRequest

    provider = make_provider()
    requests = [
        PayoutRequest.objects.create(provider=provider, amount=1_000, currency="CNY")
        for _ in range(3)
    ]
    monkeypatch.setattr(payment_views, "OPS_PAYOUTS_PER_PAGE", 2)
    sign_in_ops(client, make_ops(FINANCE))

    html = client.get(reverse("payments:ops_payouts")).content.decode()

    assert "The oldest 2 of 3 requests" in html
    assert requests[0].public_id in html
    assert requests[2].public_id not in html
