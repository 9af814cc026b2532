from django.utils.translation import gettext_lazy as _

from doorstep.backoffice.access import OpsPermission
from doorstep.backoffice.queues import OpsQueue, register
from doorstep.trust import queries
from doorstep.trust.check_models import BackgroundCheck
from doorstep.trust.standards_models import Appeal

register(
    OpsQueue(
        key="provider_applications",
        title=_("Provider applications"),
        url_name="trust:ops_queue",
        permission=OpsPermission.VERIFY_PROVIDERS,
        waiting=queries.review_queue,
        since_field="submitted_at",
    )
)
register(
    OpsQueue(
        key="expiring_documents",
        title=_("Documents expiring within 30 days"),
        url_name="trust:ops_expiring",
        permission=OpsPermission.VERIFY_PROVIDERS,
        waiting=lambda: queries.expiring_documents(within_days=30),
        since_field="expires_on",
    )
)

# --- Background checks ----------------------------------------------------------
register(
    OpsQueue(
        key="background_checks_to_review",
        title=_("Background checks to review"),
        url_name="badges:ops_checks",
        permission=OpsPermission.VERIFY_PROVIDERS,
        waiting=lambda: BackgroundCheck.objects.filter(
            status=BackgroundCheck.Status.CONSIDER
        ),
        since_field="completed_at",
    )
)

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

# --- agencies: staff members' documents (the same review as providers')
register(
    OpsQueue(
        key="staff_documents",
        title=_("Staff members' documents"),
        url_name="trust:ops_staff_documents",
        permission=OpsPermission.VERIFY_PROVIDERS,
        waiting=queries.staff_documents_waiting,
        since_field="uploaded_at",
    )
)
