from django.utils.translation import gettext_lazy as _

from doorstep.backoffice.access import OpsPermission
from doorstep.backoffice.queues import OpsQueue, register
from doorstep.payments.models import PayoutRequest

register(
    OpsQueue(
        key="payout_requests",
        title=_("Payout requests"),
        url_name="payments:ops_payouts",
        permission=OpsPermission.APPROVE_PAYOUTS,
        waiting=lambda: PayoutRequest.objects.filter(
            status=PayoutRequest.Status.REQUESTED
        ),
        since_field="created_at",
    )
)
