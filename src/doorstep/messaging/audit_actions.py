from django.utils.translation import gettext_lazy as _

from doorstep.audit.actions import define

DISMISS_FLAG = define("messages.dismiss_flag", _("Dismissed a message flag"))
CONFIRM_FLAG = define("messages.confirm_flag", _("Confirmed a message flag"))
