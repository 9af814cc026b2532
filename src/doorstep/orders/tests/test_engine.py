from datetime import timedelta

import pytest
from django.utils import timezone

from doorstep.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from doorstep.events.models import Event
from doorstep.orders.engine import allowed_transitions, apply_transition
from doorstep.orders.models import Order, OrderEvent
from doorstep.orders.processes.book_provider import BOOK_PROVIDER
from doorstep.scheduling.models import TimeClaim
from tests.factories import make_ops, make_order, make_user

pytestmark = pytest.mark.django_db


def _fire(order, name, user, **data):
    return apply_transition(order_id=order.pk, name=name, user=user, data=data)


@pytest.mark.usefixtures("early_start_allowed")
def test_the_happy_path_with_history_and_events():
    order = make_order()
    customer, provider = order.customer, order.provider.user

    _fire(order, "accept", provider)
    _fire(order, "depart", provider)
    _fire(order, "start", provider, start_code=order.start_code)
    _fire(order, "deliver", provider, photos=["before.jpg", "after.jpg"])
    done = _fire(order, "confirm", customer)

    assert done.state == "completed"
    history = list(order.events.values_list("transition", "from_state", "to_state"))
    assert history == [
        ("create", "", "requested"),
        ("accept", "requested", "accepted"),
        ("depart", "accepted", "on_the_way"),
        ("start", "on_the_way", "in_service"),
        ("deliver", "in_service", "delivered"),
        ("confirm", "delivered", "completed"),
    ]
    assert order.events.get(transition="start").data == {}  # the code is not kept
    topics = list(Event.objects.values_list("topic", flat=True))
    assert topics[-1] == "order.confirm"


def test_an_illegal_transition_is_a_conflict_and_changes_nothing():
    order = make_order()

    with pytest.raises(Conflict) as error:
        _fire(order, "deliver", order.provider.user)

    assert error.value.code == "illegal_transition"
    order.refresh_from_db()
    assert order.state == "requested"
    assert order.events.count() == 1


def test_a_double_click_fires_once():
    order = make_order()
    provider = order.provider.user

    apply_transition(
        order_id=order.pk, name="accept", user=provider, expected_state="requested"
    )
    with pytest.raises(Conflict):
        apply_transition(
            order_id=order.pk, name="accept", user=provider, expected_state="requested"
        )

    assert order.events.filter(transition="accept").count() == 1


def test_the_wrong_party_is_refused():
    order = make_order()

    with pytest.raises(PermissionDenied):
        _fire(order, "accept", order.customer)  # only the provider accepts
    with pytest.raises(NotFound):
        _fire(order, "cancel", make_user())  # a stranger cannot even see it

    order.refresh_from_db()
    assert order.state == "requested"


def test_only_the_system_expires_a_request():
    order = make_order()

    with pytest.raises(PermissionDenied):
        _fire(order, "expire", order.provider.user)

    expired = apply_transition(order_id=order.pk, name="expire", user=None, system=True)
    assert expired.state == "expired"


@pytest.mark.usefixtures("early_start_allowed")
def test_a_wrong_start_code_refuses_and_ops_can_override():
    order = make_order()
    _fire(order, "accept", order.provider.user)
    wrong = "0000" if order.start_code != "0000" else "1111"

    with pytest.raises(DomainError) as error:
        _fire(order, "start", order.provider.user, start_code=wrong)
    assert "start_code" in error.value.fields

    ops = make_ops("Support")
    started = _fire(order, "start", ops)
    assert started.state == "in_service"
    assert order.events.get(transition="start").data == {"override": True}


@pytest.mark.parametrize(
    ("starts_in", "expected_fee"), [(timedelta(days=3), 0), (timedelta(hours=5), 2000)]
)
def test_late_customer_cancellation_pays_the_policy_fee(starts_in, expected_fee):
    order = make_order(starts_in=starts_in)  # total 10000 minor units
    _fire(order, "accept", order.provider.user)

    cancelled = _fire(order, "cancel", order.customer)

    assert cancelled.state == "cancelled"
    assert cancelled.cancelled_by == "customer"
    assert cancelled.cancellation_fee_amount == expected_fee


def test_provider_cancellation_never_charges_the_customer_and_frees_the_time():
    order = make_order(starts_in=timedelta(hours=2))
    _fire(order, "accept", order.provider.user)

    cancelled = _fire(order, "cancel", order.provider.user)

    assert cancelled.cancellation_fee_amount == 0
    assert cancelled.cancelled_by == "provider"
    assert not TimeClaim.objects.filter(order=order, released_at__isnull=True).exists()


def test_no_show_only_after_the_grace_period():
    order = make_order(starts_in=timedelta(minutes=5))
    _fire(order, "accept", order.provider.user)

    with pytest.raises(DomainError) as error:
        _fire(order, "report_customer_no_show", order.provider.user)
    assert error.value.code == "too_early_for_no_show"

    Order.objects.filter(pk=order.pk).update(
        starts_at=timezone.now() - timedelta(minutes=30),
        ends_at=timezone.now() + timedelta(minutes=90),
    )
    reported = _fire(order, "report_customer_no_show", order.provider.user)
    assert reported.state == "no_show_customer"


def test_allowed_transitions_depend_on_who_asks():
    order = make_order()

    assert {t.name for t in allowed_transitions(order, order.provider.user)} == {
        "accept",
        "decline",
        "cancel",
    }
    assert {t.name for t in allowed_transitions(order, order.customer)} == {"cancel"}
    assert allowed_transitions(order, make_user()) == []


def test_every_state_is_reachable_and_terminal_states_are_dead_ends():
    reachable, frontier = {"awaiting_payment"}, ["awaiting_payment"]
    while frontier:
        state = frontier.pop()
        for transition in BOOK_PROVIDER.transitions_from(state):
            if transition.target not in reachable:
                reachable.add(transition.target)
                frontier.append(transition.target)

    assert reachable == {state.name for state in BOOK_PROVIDER.states}
    for state in BOOK_PROVIDER.states:
        if state.terminal:
            assert BOOK_PROVIDER.transitions_from(state.name) == []


def test_the_diagram_names_every_transition():
    diagram = BOOK_PROVIDER.mermaid()

    assert diagram.startswith("stateDiagram-v2")
    for transition in BOOK_PROVIDER.transitions:
        assert transition.name in diagram


def test_events_are_written_in_the_same_transaction():
    order = make_order()
    before = OrderEvent.objects.count(), Event.objects.count()

    with pytest.raises(Conflict):
        _fire(order, "confirm", order.customer)

    assert (OrderEvent.objects.count(), Event.objects.count()) == before
