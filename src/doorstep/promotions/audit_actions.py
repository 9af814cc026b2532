"""The paid-promotion actions ops take, each audited."""

from django.utils.translation import gettext_lazy as _

from doorstep.audit.actions import define

END_PROMOTION = define("promotions.end", _("Ended a provider's promotion"))
