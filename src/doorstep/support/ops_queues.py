from django.utils.translation import gettext_lazy as _

from doorstep.backoffice.access import OpsPermission
from doorstep.backoffice.queues import OpsQueue, register
from doorstep.support.disputes import escalated_disputes

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
