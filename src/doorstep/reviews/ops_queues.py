from django.utils.translation import gettext_lazy as _

from doorstep.backoffice.access import OpsPermission
from doorstep.backoffice.queues import OpsQueue, register
from doorstep.reviews.models import ReviewFlag, ReviewReport

register(
    OpsQueue(
        key="flagged_reviews",
        title=_("Flagged review patterns"),
        url_name="reviews:ops_flags",
        permission=OpsPermission.MODERATE_REVIEWS,
        waiting=lambda: ReviewFlag.objects.filter(status=ReviewFlag.Status.OPEN),
        since_field="created_at",
    )
)
register(
    OpsQueue(
        key="reported_reviews",
        title=_("Reported reviews"),
        url_name="backoffice:reported_reviews",
        permission=OpsPermission.MODERATE_REVIEWS,
        waiting=lambda: ReviewReport.objects.filter(resolved=False),
        since_field="created_at",
    )
)
