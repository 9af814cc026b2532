"""Notices about disputes, from the ``dispute.*`` events (as
``notifications.consumers`` does for orders): at each step both sides hear
what happened and what is asked of whom (kind ``dispute_update``, in-app and
by e-mail). Delivered at least once; ``notify_about_event`` makes each
notification once."""

from zoneinfo import ZoneInfo

from django.urls import reverse

from doorstep.accounts.models import User
from doorstep.core.money import Money
from doorstep.events.models import Event
from doorstep.notifications.consumers import Planned
from doorstep.notifications.models import Kind
from doorstep.support.models import Dispute

KIND = Kind.DISPUTE_UPDATE


def on_dispute_event(event: Event) -> None:
    from doorstep.notifications.services import notify_about_event

    planned = plan_for(event)
    if planned:
        notify_about_event(event=event, planned=planned)


def _side_user(dispute: Dispute, side: str) -> User | None:
    order = dispute.order
    if side == Dispute.Side.CUSTOMER:
        return order.customer
    return order.provider.user if order.provider is not None else None


def plan_for(event: Event) -> list[Planned]:
    dispute = (
        Dispute.objects.select_related(
            "order__customer", "order__provider__user", "redo_order"
        )
        .filter(public_id=event.subject)
        .first()
    )
    if dispute is None:
        return []
    step = event.topic.split(".", 1)[1]
    order = dispute.order
    zone = ZoneInfo(order.time_zone or "UTC")
    respond_by = dispute.respond_by.astimezone(zone) if dispute.respond_by else ""
    params: dict[str, object] = {
        "title": order.title,
        "category": dispute.get_category_display(),
        "respond_by": respond_by,
        "opener": Dispute.Side(dispute.opener_side).label,
    }
    url = reverse("disputes:detail", args=[dispute.public_id])
    opener = _side_user(dispute, dispute.opener_side)
    responder = _side_user(dispute, dispute.responder_side)
    both = [user for user in (opener, responder) if user is not None]

    def to(users: list[User | None], wording: str, **extra) -> list[Planned]:
        return [
            Planned(user, KIND, wording, url, {**params, **extra})
            for user in users
            if user is not None
        ]

    if step == "opened":
        return to([responder], "dispute_opened") + to([opener], "dispute_opened_by_you")
    if step == "offer_made":
        amount = Money(dispute.offer_amount or 0, dispute.currency)
        if dispute.offer_redo_at is not None:
            return to(
                [opener],
                "dispute_redo_offered",
                amount=amount,
                redo_at=dispute.offer_redo_at.astimezone(zone),
            )
        return to([opener], "dispute_offer_made", amount=amount)
    if step == "escalated":
        why = Dispute.Escalation(dispute.escalation).label if dispute.escalation else ""
        return to(both, "dispute_escalated", why=why)
    if step in {"settled", "decided"}:
        outcome = Dispute.Outcome(dispute.outcome).label if dispute.outcome else ""
        amount = Money(dispute.refund_amount or 0, dispute.currency)
        redo = dispute.redo_order
        return to(
            both,
            f"dispute_{step}_with_redo" if redo is not None else f"dispute_{step}",
            outcome=outcome,
            amount=amount,
            reason=dispute.decision_reason,
            **({"redo_at": redo.starts_at.astimezone(zone)} if redo else {}),
        )
    if step == "evidence_added":
        added_by = event.payload.get("side")
        other = responder if added_by == dispute.opener_side else opener
        return to([other], "dispute_evidence_added")
    return []
