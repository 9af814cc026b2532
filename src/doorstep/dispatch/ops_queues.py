"""Dispatch's ops queues: jobs nobody could be offered, and open jobs whose
promise was broken — nobody took the job in time, or nobody is at the door in
time. Ops hear of new ones in the queue digest (``backoffice.alerts``) and work
them on the dispatch board."""

from django.utils.translation import gettext_lazy as _

from doorstep.backoffice.access import OpsPermission
from doorstep.backoffice.queues import OpsQueue, register
from doorstep.dispatch.models import DispatchJob
from doorstep.orders.states import OrderState

# Nobody could be offered the job (``cascade.escalate``) and it still needs a
# worker: ops find one by hand (``assign`` on the order) or let it expire.
register(
    OpsQueue(
        key="unplaced_dispatch_orders",
        title=_("Dispatch orders with nobody found"),
        url_name="backoffice:unplaced_dispatch_orders",
        permission=OpsPermission.DISPATCH_ORDERS,
        waiting=lambda: DispatchJob.objects.filter(
            escalated_at__isnull=False, order__state=OrderState.DISPATCHING
        ),
        # New once per job: ops were alerted of it then (``cascade.escalate``).
        since_field="ops_alerted_at",
    )
)


def _late(kind: str):
    def waiting():
        from doorstep.dispatch.sla import late_jobs

        return late_jobs(kind)

    return waiting


register(
    OpsQueue(
        key="late_dispatch_responses",
        title=_("Dispatched orders nobody took in time"),
        url_name="dispatch_board:board",
        permission=OpsPermission.DISPATCH_ORDERS,
        waiting=_late("response"),
        since_field="response_breached_at",
    )
)
register(
    OpsQueue(
        key="late_dispatch_arrivals",
        title=_("Dispatched orders nobody reached in time"),
        url_name="dispatch_board:board",
        permission=OpsPermission.DISPATCH_ORDERS,
        waiting=_late("arrival"),
        since_field="arrival_breached_at",
    )
)
