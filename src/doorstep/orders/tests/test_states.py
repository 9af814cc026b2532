"""Order states are said once (``orders.states``): no module outside the process
file spells a state out, every named set names only states the process defines,
and the two screens that show the start code ask the same set."""

import ast
import re
from pathlib import Path

import pytest

from doorstep.api.testing import API, bearer
from doorstep.orders import states
from doorstep.orders.processes import processes
from doorstep.orders.processes.book_provider import BOOK_PROVIDER
from doorstep.orders.services import place_order, transition_order
from doorstep.orders.states import OrderState
from doorstep.orders.tests.conftest import book_and_pay, booking
from doorstep.payments.gateways.sandbox import pay_with_sandbox_card

SOURCE = Path(states.__file__).resolve().parents[1]  # src/doorstep
STATE_NAMES = {
    state.name for process in processes().values() for state in process.states
}

# Where the same word means something else (a payment's, a payout's or a
# reschedule request's status, a report column, a gateway's word): path under
# src/doorstep, the word, and why it is not an order state.
NOT_ORDER_STATES = {
    ("recurring/notices.py", "accepted"): "the answer to a price proposal",
    ("recurring/notices.py", "declined"): "the answer to a price proposal",
    ("recurring/services.py", "cancelled"): "why a visit was skipped",
    ("recurring/services.py", "declined"): "why a visit was skipped",
    ("events/services.py", "delivered"): "events delivered by a sweep",
    ("legal/export.py", "refunded"): "a money field of the data export",
    ("legal/export.py", "requested"): "payouts asked for, in the export",
    ("messaging/masking.py", "accepted"): "a word of the masking vocabulary",
    ("payments/api.py", "refunded"): "a money field of the refund answer",
    ("payments/gateways/sandbox.py", "declined"): "the card's answer",
    ("payments/gateways/stripe_connect.py", "requested"): "a Stripe capability",
    ("payments/queries.py", "refunded"): "a finance report column",
    ("payments/views.py", "requested"): "payouts asked for",
    ("quotes/notices.py", "expired"): "a quote's event (quote.expired)",
    ("quotes/schemas.py", "refunded"): "a lead fee's status",
    ("reviews/views.py", "completed"): "a template flag",
    ("demo/promotions.py", "cancelled"): "a demo visitor tag",
    ("subscriptions/billing.py", "expired"): "a plan's event (subscription.expired)",
    ("subscriptions/notices.py", "cancelled"): "a plan's event",
    ("subscriptions/notices.py", "expired"): "a plan's event",
    ("subscriptions/services.py", "cancelled"): "a plan's event",
    ("trust/background_checks/sandbox.py", "completed"): "Checkr's invitation",
    ("trust/standards.py", "cancelled"): "how many orders a suspension cancelled",
    ("trust/top_provider.py", "cancelled"): "a count of cancellations",
    ("trust/top_provider.py", "expired"): "why a badge was revoked",
    ("analytics/views.py", "completed"): "a table column: completed jobs",
    ("webhooks/catalogue.py", "declined"): "a quote's event (quote.declined)",
    ("webhooks/catalogue.py", "expired"): "a quote's event (quote.expired)",
    ("webhooks/services.py", "delivered"): "how many webhook deliveries arrived",
}
# The definition itself: the process and the module that names the states.
DEFINITIONS = {
    "orders/processes/book_provider.py",
    "orders/processes/dispatch.py",
    "orders/states.py",
}


def _choices_lines(tree: ast.Module) -> set[int]:
    """Lines inside a ``TextChoices`` class: another field's choices (a
    reschedule request's "accepted"), not an order's state."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and any(
            getattr(base, "attr", getattr(base, "id", "")) == "TextChoices"
            for base in node.bases
        ):
            lines.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
    return lines


def _production_modules():
    for path in sorted(SOURCE.rglob("*.py")):
        relative = path.relative_to(SOURCE)
        if {"tests", "migrations"} & set(relative.parts):
            continue
        if relative.as_posix() in DEFINITIONS:
            continue
        yield relative.as_posix(), path


def bare_state_literals() -> list[str]:
    found = []
    for relative, path in _production_modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        choices = _choices_lines(tree)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and node.value in STATE_NAMES
                and (relative, node.value) not in NOT_ORDER_STATES
                and node.lineno not in choices
            ):
                found.append(f"{relative}:{node.lineno}: {node.value!r}")
    return found


def test_no_module_outside_the_process_spells_a_state_out():
    # Given every production module but the process and orders.states,
    # when their string literals are read, then none is an order state.
    assert bare_state_literals() == [], (
        "Use doorstep.orders.states (OrderState.X or a named set) instead"
    )


def test_the_scan_finds_a_bare_state(tmp_path, monkeypatch):
    # Given a module that compares with a bare state, the scan reports it: the
    # guard above cannot pass by finding nothing.
    package = tmp_path / "doorstep" / "somewhere"
    package.mkdir(parents=True)
    (package / "views.py").write_text('ok = order.state == "on_the_way"\n')
    monkeypatch.setattr(f"{__name__}.SOURCE", tmp_path / "doorstep")

    assert bare_state_literals() == ["somewhere/views.py:1: 'on_the_way'"]


def test_the_process_states_are_the_order_states():
    # Every order state belongs to some process, each process has the states
    # all modes share plus its own, and terminal means the same everywhere.
    assert set(OrderState.values) == STATE_NAMES
    only = {
        "book_provider": states.DISPATCH_ONLY_STATES,
        "dispatch": states.BOOK_PROVIDER_ONLY_STATES,
        "quote": states.NOT_IN_QUOTE_STATES,
    }
    for name, process in processes().items():
        names = [state.name for state in process.states]
        assert names == [s for s in OrderState.values if s not in only[name]]
        assert {
            state.name for state in process.states if state.terminal
        } == states.TERMINAL_STATES - only[name]


@pytest.mark.parametrize("name", sorted(states.NAMED_SETS))
def test_every_named_set_names_only_process_states(name):
    named = states.NAMED_SETS[name]
    assert named, f"{name} is empty"
    assert set(named) <= STATE_NAMES


def test_the_start_code_shows_while_the_job_may_be_started():
    start = next(t for t in BOOK_PROVIDER.transitions if t.name == "start")
    assert start.sources == states.START_CODE_STATES


# --- The start code: web page and API agree ---------------------------------------


def _api_code(client, order):
    response = client.get(f"{API}/orders/{order.public_id}", **bearer(order.customer))
    assert response.status_code == 200
    return response.json()["start_code"]


def _web_shows_code(client, order):
    client.force_login(order.customer)
    response = client.get(order.get_absolute_url())
    assert response.status_code == 200
    return "data-start-code" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.usefixtures("early_start_allowed")
def test_the_api_and_the_web_page_show_the_start_code_in_the_same_states(
    client, listing, customer
):
    # Given a paid request, followed through its states as the provider works,
    order = book_and_pay(**booking(listing, customer))
    provider = order.provider.user
    seen = {}
    steps = [
        ("accept", {}),
        ("depart", {}),
        ("start", {"start_code": order.start_code}),
        ("deliver", {}),
    ]
    for name, data in [(None, {}), *steps]:
        if name is not None:
            order = transition_order(order=order, name=name, user=provider, data=data)
        # when the customer looks at the order on the web and through the API,
        api_code = _api_code(client, order)
        web = _web_shows_code(client, order)
        # then both show the code, or neither does, and only while it can start.
        assert (api_code is not None) == web, order.state
        if api_code is not None:
            assert api_code == order.start_code
        seen[order.state] = web

    assert seen == {
        OrderState.REQUESTED: False,
        OrderState.ACCEPTED: True,
        OrderState.ON_THE_WAY: True,
        OrderState.IN_SERVICE: False,
        OrderState.DELIVERED: False,
    }


def test_no_template_spells_a_state_out():
    # Given every template, when its quoted words are read, then none is an
    # order state: templates compare with ``OrderState`` or a flag from the view.
    quoted = re.compile(r"""["'](\w+)["']""")
    found = [
        f"{path.relative_to(SOURCE)}: {word!r}"
        for path in sorted(SOURCE.rglob("templates/**/*.html"))
        for word in quoted.findall(path.read_text(encoding="utf-8"))
        if word in STATE_NAMES
    ]
    assert found == []


@pytest.mark.django_db
@pytest.mark.usefixtures("early_start_allowed")
def test_the_order_page_shows_each_states_notice_to_the_customer(
    client, listing, customer
):
    # Given an order the customer has not paid yet,
    order = place_order(**booking(listing, customer))
    client.force_login(customer)

    def page():
        return client.get(order.get_absolute_url()).content.decode()

    pay, ask, done = (
        "Complete payment",
        "Waiting for the provider to answer",
        "The provider says the job is done",
    )
    # then the page asks for the payment and nothing else;
    html = page()
    assert pay in html
    assert ask not in html
    # once paid, it says the provider is being asked;
    order = pay_with_sandbox_card(order, "4242 4242 4242 4242")
    html = page()
    assert ask in html
    assert pay not in html
    # and once the job is delivered, it asks the customer to confirm.
    provider = order.provider.user
    for name, data in [
        ("accept", {}),
        ("start", {"start_code": order.start_code}),
        ("deliver", {}),
    ]:
        order = transition_order(order=order, name=name, user=provider, data=data)
    html = page()
    assert done in html
    assert ask not in html
