from django.utils.translation import gettext_lazy as _

from doorstep.backoffice.access import OpsPermission
from doorstep.backoffice.queues import OpsQueue, register
from doorstep.trust.check_models import BackgroundCheck

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
