"""The ops actions on the scheduler the audit trail records."""

from django.utils.translation import gettext_lazy as _

from doorstep.audit.actions import define

RUN_JOB = define("periodic.run_now", _("Ran a periodic job now"))
