from django.utils.translation import gettext_lazy as _

from doorstep.backoffice.access import OpsPermission
from doorstep.backoffice.queues import OpsQueue, register
from doorstep.messaging.models import MessageFlag

register(
    OpsQueue(
        key="flagged_messages",
        title=_("Flagged messages"),
        url_name="messaging:ops_flags",
        permission=OpsPermission.MODERATE_MESSAGES,
        waiting=lambda: MessageFlag.objects.filter(resolved_at=None),
        since_field="created_at",
    )
)
