from django.utils.translation import gettext_lazy as _

from doorstep.backoffice.access import OpsPermission
from doorstep.backoffice.queues import OpsQueue, register
from doorstep.events.models import Event
from doorstep.events.services import MAX_DELIVERY_ATTEMPTS

register(
    OpsQueue(
        key="undelivered_events",
        title=_("Undelivered events"),
        url_name="backoffice:undelivered_events",
        # Consumers that keep failing are a technical matter for the admins.
        permission=OpsPermission.MANAGE_SETTINGS,
        waiting=lambda: Event.objects.filter(
            delivered_at__isnull=True, delivery_attempts__gte=MAX_DELIVERY_ATTEMPTS
        ),
        since_field="occurred_at",
    )
)
