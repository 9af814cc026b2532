from django.utils.translation import gettext_lazy as _

from doorstep.backoffice.access import OpsPermission
from doorstep.backoffice.queues import OpsQueue, register
from doorstep.trust.standards_models import Appeal

# --- standards enforcement: appeals waiting for a decision
register(
    OpsQueue(
        key="standards_appeals",
        title=_("Appeals against strikes"),
        url_name="standards:ops_home",
        permission=OpsPermission.ENFORCE_STANDARDS,
        waiting=lambda: Appeal.objects.filter(status=Appeal.Status.OPEN),
        since_field="filed_at",
    )
)
