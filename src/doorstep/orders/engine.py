"""The one engine that moves orders: ``apply_transition``.

Step by step, in one transaction: lock the order row, find the transition in the
order's process, check the state, the actor and the guards, move the state, run the
effects (time claims, fees, later the ledger), write the ``OrderEvent`` and the
outbox event, cancel the timers of the state left and arm those of the state
entered. Notifications and other side effects happen after commit, from the event.
"""

import logging
from collections.abc import Collection, Iterable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.accounts.models import StaffMember, User
from doorstep.audit import services as audit
from doorstep.backoffice.access import OpsPermission, require_ops_permission
from doorstep.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from doorstep.events.services import record_event
from doorstep.orders.locks import lock_order, lock_timer
from doorstep.orders.models import Order, OrderEvent, OrderTimer
from doorstep.orders.process import Actor, Transition, TransitionContext

logger = logging.getLogger(__name__)


def roles_of(
    user: User | None,
    order: Order,
    *,
    managed_agencies: Collection[int] | None = None,
) -> set[Actor]:
    """Every role ``user`` plays on ``order`` (none: it is not theirs to see).

    ``managed_agencies``: the agencies ``user`` manages (``managed_agency_ids``),
    when the caller already has them: a list of orders asks once, not per order.
    """
    if user is None:
        return set()
    roles: set[Actor] = set()
    if order.customer_id == user.pk:
        roles.add(Actor.CUSTOMER)
    if order.provider is not None and order.provider.user_id == user.pk:
        roles.add(Actor.PROVIDER)
    elif order.staff_id is not None and _works_the_job(
        user, order, managed_agencies=managed_agencies
    ):
        # The agency's staff member sent, or a manager of their agency, acts
        # for the provider (on the way, start, done).
        roles.add(Actor.PROVIDER)
    if user.is_staff:
        roles.add(Actor.OPS)
    return roles


def managed_agency_ids(user: User) -> frozenset[int]:
    """The agencies ``user`` is an active manager of (they act for its staff)."""
    return frozenset(
        StaffMember.objects.filter(
            user=user, is_active=True, role__in=StaffMember.MANAGING_ROLES
        ).values_list("agency_id", flat=True)
    )


def _works_the_job(
    user: User, order: Order, *, managed_agencies: Collection[int] | None
) -> bool:
    staff = order.staff
    if staff.user_id == user.pk:
        return True
    if managed_agencies is not None:
        return staff.agency_id in managed_agencies
    return StaffMember.objects.filter(
        agency_id=staff.agency_id,
        user=user,
        is_active=True,
        role__in=StaffMember.MANAGING_ROLES,
    ).exists()


def can_see(user: User | None, order: Order) -> bool:
    return bool(roles_of(user, order))


def allowed_transitions(order: Order, user: User | None) -> list[Transition]:
    """The transitions ``user`` may fire on ``order`` now, guards aside."""
    roles = roles_of(user, order)
    return [
        transition
        for transition in order.process.transitions_from(order.state)
        if transition.actors & roles
    ]


def _choose_actor(transition: Transition, roles: Iterable[Actor]) -> Actor | None:
    # A person who is both customer and ops acts as the party first: ops powers
    # are for other people's orders.
    for actor in (Actor.CUSTOMER, Actor.PROVIDER, Actor.OPS):
        if actor in roles and actor in transition.actors:
            return actor
    return None


def apply_transition(
    *,
    order_id: int,
    name: str,
    user: User | None,
    system: bool = False,
    data: dict | None = None,
    expected_state: str | None = None,
) -> Order:
    """Fire transition ``name`` on the order as ``user`` (or as the system).

    Raises ``NotFound`` if the user may not see the order, ``Conflict`` (409) if the
    transition does not exist or is not allowed from the current state (also when
    ``expected_state`` no longer holds — a double click), ``PermissionDenied`` if
    the user's role may not fire it (ops: if their ops role may not act on
    orders), and whatever a guard raises. Changes nothing
    when it raises.
    """
    with transaction.atomic():
        order = lock_order(order_id)
        roles = {Actor.SYSTEM} if system else roles_of(user, order)
        if not roles:
            raise NotFound("order_not_found", _("No such order."))
        transition = order.process.transition(name)
        if transition is None:
            raise Conflict("unknown_transition", _("This action does not exist."))
        if expected_state is not None and order.state != expected_state:
            raise Conflict(
                "state_changed",
                _("This order has changed in the meantime. Reload and try again."),
            )
        if order.state not in transition.sources:
            raise Conflict(
                "illegal_transition",
                _("This order cannot do that now (it is %(state)s).")
                % {"state": order.process.state(order.state).label},
            )
        actor = Actor.SYSTEM if system else _choose_actor(transition, roles)
        if actor is None or actor not in transition.actors:
            raise PermissionDenied(
                "actor_not_allowed", _("You are not allowed to do this.")
            )
        if actor == Actor.OPS:
            require_ops_permission(user, OpsPermission.ACT_ON_ORDERS)
        context = TransitionContext(
            actor=actor,
            user=user,
            now=timezone.now(),
            from_state=order.state,
            data=dict(data or {}),
        )
        for guard in transition.guards:
            guard(order, context)

        from_state = order.state
        order.state = transition.target
        order.state_changed_at = context.now
        order.save(update_fields=["state", "state_changed_at"])
        for effect in transition.effects:
            effect(order, context)
        OrderEvent.objects.create(
            order=order,
            transition=transition.name,
            from_state=from_state,
            to_state=order.state,
            actor=actor,
            actor_user=user,
            data=context.data,
            created_at=context.now,
        )
        if actor == Actor.OPS:
            # Declared in ``orders.audit_actions``, one per ops transition.
            audit.record(
                actor=user,
                action=f"orders.{transition.name}",
                target=order,
                reason=str(context.data.get("reason", "")),
                before={"state": from_state},
                after={"state": order.state},
            )
        record_event(
            topic=f"order.{transition.name}",
            subject=order.public_id,
            payload={"from": from_state, "to": order.state, "actor": actor.value},
        )
        _rearm_timers(order, left=from_state, now=context.now)
    return order


def start_order(order: Order, *, user: User, actor: Actor, data: dict | None = None):
    """Record an order's first event and arm its first timers. Called by the
    service that creates the order, inside its transaction."""
    OrderEvent.objects.create(
        order=order,
        transition="create",
        from_state="",
        to_state=order.state,
        actor=actor,
        actor_user=user,
        data=data or {},
        created_at=order.state_changed_at,
    )
    record_event(
        topic="order.created",
        subject=order.public_id,
        payload={"to": order.state, "mode": order.mode},
    )
    _rearm_timers(order, left=None, now=order.state_changed_at)


def rearm_timers(order: Order, *, now) -> None:
    """Cancel the pending timers of the order's current state and arm them again
    from its current times — after a reschedule moved the job (same state, new
    due times). Call inside the transaction that moved it."""
    OrderTimer.objects.filter(
        order=order,
        armed_in_state=order.state,
        fired_at__isnull=True,
        cancelled_at__isnull=True,
    ).update(cancelled_at=now)
    _rearm_timers(order, left=None, now=now)


def _rearm_timers(order: Order, *, left: str | None, now) -> None:
    if left is not None and left != order.state:
        OrderTimer.objects.filter(
            order=order,
            armed_in_state=left,
            fired_at__isnull=True,
            cancelled_at__isnull=True,
        ).update(cancelled_at=now)
    for timer in order.process.timers_for(order.state):
        due_at = timer.due(order)
        if due_at is None:
            continue
        armed = OrderTimer.objects.create(
            order=order, name=timer.name, armed_in_state=order.state, due_at=due_at
        )
        transaction.on_commit(lambda armed=armed: _enqueue_timer(armed))


def _enqueue_timer(timer: OrderTimer) -> None:
    """Queue the timer's own task for its due time. A backend that cannot delay
    tasks (the immediate one in tests) is left to the sweep, which fires every due
    timer anyway."""
    from doorstep.orders.tasks import fire_timer

    if fire_timer.get_backend().supports_defer:
        fire_timer.using(run_after=timer.due_at).enqueue(timer.pk)


def fire_timer_now(timer_id: int) -> bool:
    """Fire one due timer exactly once. Returns whether it moved the order.

    The timer row is locked and marked fired in the same transaction as the
    transition, so a duplicate task, a late sweep or a restarted worker finds it
    fired (or cancelled) and does nothing.
    """
    with transaction.atomic():
        timer = lock_timer(timer_id)
        now = timezone.now()
        if timer is None or timer.fired_at or timer.cancelled_at or timer.due_at > now:
            return False
        order = Order.objects.get(pk=timer.order_id)
        definition = next(
            (t for t in order.process.timers if t.name == timer.name), None
        )
        timer.fired_at = now
        timer.save(update_fields=["fired_at"])
        if definition is None or order.state != timer.armed_in_state:
            return False
        if definition.transition is None:
            record_event(topic=f"order.{timer.name}", subject=order.public_id)
            return True
        try:
            apply_transition(
                order_id=order.pk,
                name=definition.transition,
                user=None,
                system=True,
                data={"timer": timer.name},
            )
        except DomainError:
            # A guard refused (the world changed): the timer is spent, not retried.
            logger.warning("timer %s on order %s refused", timer.name, order.public_id)
            return False
    return True


def fire_due_timers(*, limit: int = 500) -> int:
    """The sweep: fire every pending timer that is due. Catches timers whose task
    was lost (a worker killed mid-run, a queue flushed). Returns how many fired."""
    due = OrderTimer.objects.filter(
        fired_at__isnull=True, cancelled_at__isnull=True, due_at__lte=timezone.now()
    ).values_list("pk", flat=True)[:limit]
    return sum(fire_timer_now(timer_id) for timer_id in list(due))
