from django.utils.translation import gettext_lazy as _

from doorstep.backoffice.access import OpsPermission
from doorstep.backoffice.queues import OpsQueue, register
from doorstep.support.models import GuaranteeClaim, WarrantyClaim

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
