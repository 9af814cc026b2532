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
        since_field="escalated_at",
    )
)
