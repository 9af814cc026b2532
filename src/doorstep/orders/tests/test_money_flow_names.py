"""A process names the money flows it runs; a wrong name fails when it is defined."""

import pytest

from doorstep.orders.processes.book_provider import schedule_money_flow
from doorstep.payments import flows


def test_an_unknown_flow_name_fails_when_the_process_is_defined():
    with pytest.raises(ValueError, match="release_ordr"):
        schedule_money_flow("release_ordr")


def test_an_argument_the_flow_does_not_take_fails_when_defined():
    with pytest.raises(ValueError, match="refund_in_full"):
        schedule_money_flow("refund_in_full", referense="dispute")


def test_a_helper_in_the_flows_module_is_not_a_money_flow():
    # order_payment is a function of payments.flows, but not one an order runs.
    assert callable(flows.order_payment)
    with pytest.raises(ValueError, match="order_payment"):
        schedule_money_flow("order_payment")


def test_the_process_file_names_only_known_flows():
    effect = schedule_money_flow("settle_cancellation", fee=lambda order, c: 0)
    assert effect.__name__ == "schedule_settle_cancellation"
