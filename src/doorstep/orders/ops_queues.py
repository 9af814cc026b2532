from django.utils.translation import gettext_lazy as _

from doorstep.backoffice.access import OpsPermission
from doorstep.backoffice.queues import OpsQueue, register
from doorstep.orders.models import Order
from doorstep.orders.states import OrderState

register(
    OpsQueue(
        key="disputed_orders",
        title=_("Disputed orders"),
        url_name="backoffice:disputed_orders",
        permission=OpsPermission.ACT_ON_ORDERS,
        waiting=lambda: Order.objects.filter(state=OrderState.DISPUTED),
        since_field="state_changed_at",
    )
)
