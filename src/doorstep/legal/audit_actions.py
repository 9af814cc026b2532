from django.utils.translation import gettext_lazy as _

from doorstep.audit.actions import define

PUBLISH_VERSION = define("legal.publish_version", _("Published a policy version"))
