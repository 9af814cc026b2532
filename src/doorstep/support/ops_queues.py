from django.utils.translation import gettext_lazy as _

from doorstep.backoffice.access import OpsPermission
from doorstep.backoffice.queues import OpsQueue, register
from doorstep.support.disputes import escalated_disputes
from doorstep.support.models import GuaranteeClaim, Ticket, WarrantyClaim

register(
    OpsQueue(
        key="unassigned_tickets",
        title=_("Support tickets nobody has taken"),
        url_name="support:ops_unassigned",
        permission=OpsPermission.HANDLE_TICKETS,
        waiting=lambda: Ticket.objects.filter(
            assignee__isnull=True,
            status__in=(Ticket.Status.NEW, Ticket.Status.OPEN),
        ),
        since_field="created_at",
    )
)
register(
    OpsQueue(
        key="escalated_disputes",
        title=_("Disputes to decide"),
        url_name="disputes:ops_list",
        permission=OpsPermission.DECIDE_DISPUTES,
        waiting=escalated_disputes,
        since_field="escalated_at",
    )
)
register(
    OpsQueue(
        key="warranty_claims",
        title=_("Warranty claims to decide"),
        url_name="claims_ops:queue",
        permission=OpsPermission.DECIDE_DISPUTES,
        waiting=lambda: WarrantyClaim.objects.filter(
            status=WarrantyClaim.Status.ESCALATED
        ),
        since_field="escalated_at",
    )
)
register(
    OpsQueue(
        key="guarantee_claims",
        title=_("Damage claims (platform guarantee)"),
        url_name="claims_ops:queue",
        permission=OpsPermission.DECIDE_DISPUTES,
        waiting=lambda: GuaranteeClaim.objects.filter(
            status=GuaranteeClaim.Status.FILED
        ),
        since_field="created_at",
    )
)
