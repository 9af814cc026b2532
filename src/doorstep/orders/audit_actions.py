"""The ops actions on orders the audit trail records: every transition of an
order's process that ops may fire (cancel, start without the code, settle a
dispute, report a no-show), one action per transition, named after it."""

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from doorstep.audit.actions import AuditAction, define
from doorstep.orders.process import Actor
from doorstep.orders.processes.book_provider import BOOK_PROVIDER

PROCESSES = (BOOK_PROVIDER,)


def action_code(transition_name: str) -> str:
    return f"orders.{transition_name}"


OPS_TRANSITIONS: dict[str, AuditAction] = {
    transition.name: define(
        action_code(transition.name),
        format_lazy(_("Order: {action}"), action=transition.label),
    )
    for process in PROCESSES
    for transition in process.transitions
    if Actor.OPS in transition.actors
}
