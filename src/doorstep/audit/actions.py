"""The names of audited actions, said once.

Each app declares the ops actions it audits in its own ``audit_actions`` module
(found when Django starts), for example::

    from django.utils.translation import gettext_lazy as _
    from doorstep.audit.actions import define

    APPROVE = define("payouts.approve", _("Approved a payout request"))

``record`` refuses a name nobody declared, so a typo fails the first test that
takes the path instead of writing a trail nobody can search by.
"""

from dataclasses import dataclass

from django.utils.functional import Promise


@dataclass(frozen=True)
class AuditAction:
    code: str  # "<area>.<verb>", what the trail stores and is searched by
    label: Promise | str  # what a person reads, in their language (lazy)

    def __str__(self) -> str:
        return self.code


_ACTIONS: dict[str, AuditAction] = {}


def define(code: str, label: Promise | str) -> AuditAction:
    existing = _ACTIONS.get(code)
    if existing is not None and existing.label != label:
        raise ValueError(f"audit action {code!r} is declared twice")
    action = AuditAction(code, label)
    _ACTIONS[code] = action
    return action


def action_for(code: str) -> AuditAction | None:
    return _ACTIONS.get(code)


def all_actions() -> list[AuditAction]:
    return sorted(_ACTIONS.values(), key=lambda action: action.code)
