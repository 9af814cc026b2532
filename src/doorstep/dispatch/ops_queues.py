"""Dispatch's ops queues: open jobs whose promise was broken — nobody took the
job in time, or nobody is at the door in time. Ops hear of new ones in the
queue digest (``backoffice.alerts``) and work them on the dispatch board."""

from django.utils.translation import gettext_lazy as _

from doorstep.backoffice.access import OpsPermission
from doorstep.backoffice.queues import OpsQueue, register


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
