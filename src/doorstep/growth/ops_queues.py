"""Growth's ops queue: referral rewards the fraud checks held for a person to
release or reject (``growth.referrals.review``), on the ops home with their
number and the age of the oldest."""

from django.utils.translation import gettext_lazy as _

from doorstep.backoffice.access import OpsPermission
from doorstep.backoffice.queues import OpsQueue, register
from doorstep.growth.models import Referral

register(
    OpsQueue(
        key="held_referrals",
        title=_("Referral rewards held for review"),
        url_name="growth_ops:referrals",
        permission=OpsPermission.RUN_GROWTH,
        waiting=lambda: Referral.objects.filter(status=Referral.Status.QUARANTINED),
        since_field="created_at",
    )
)
