"""The ops actions on orders the audit trail records: every transition of an
order's process that ops may fire (cancel, start without the code, settle a
dispute, report a no-show), one action per transition, named after it."""

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from doorstep.audit.actions import AuditAction, define
from doorstep.orders.process import Actor
from doorstep.orders.processes.book_provider import BOOK_PROVIDER
from doorstep.orders.processes.dispatch import DISPATCH

PROCESSES = (BOOK_PROVIDER, DISPATCH)


def action_code(transition_name: str) -> str:
    return f"orders.{transition_name}"


# A transition two processes share (cancel, start…) is one action.
_LABELS = {
    transition.name: transition.label
    for process in reversed(PROCESSES)
    for transition in process.transitions
    if Actor.OPS in transition.actors
}
OPS_TRANSITIONS: dict[str, AuditAction] = {
    name: define(action_code(name), format_lazy(_("Order: {action}"), action=label))
    for name, label in _LABELS.items()
}
