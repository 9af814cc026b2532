from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from doorstep.backoffice.access import OpsPermission
from doorstep.backoffice.queues import OpsQueue, register
from doorstep.payments.models import PayoutRequest, PendingMoneyFlow
from doorstep.payments.pending_flows import ATTENTION_AFTER

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


def _failed_money_flows():
    # Failed for good, or still retried after enough attempts that a person
    # should look (``pending_flows.ATTENTION_AFTER``).
    return PendingMoneyFlow.objects.filter(
        Q(status=PendingMoneyFlow.Status.FAILED)
        | Q(status=PendingMoneyFlow.Status.PENDING, attempts__gte=ATTENTION_AFTER)
    )


register(
    OpsQueue(
        key="failed_money_flows",
        title=_("Failed money flows"),
        url_name="backoffice:failed_money_flows",
        permission=OpsPermission.VIEW_FINANCE,
        waiting=_failed_money_flows,
        since_field="created_at",
    )
)


def _unpaid_after_service():
    from doorstep.payments.after_service import in_collections

    return in_collections()


register(
    OpsQueue(
        # Paid after the service, the saved card refused and the customer's
        # time to pay over: for ops to collect (``payments.after_service``).
        key="unpaid_after_service",
        title=_("Unpaid after the service"),
        url_name="orders:ops_list",
        permission=OpsPermission.VIEW_FINANCE,
        waiting=_unpaid_after_service,
        since_field="payment_due_by",
    )
)
