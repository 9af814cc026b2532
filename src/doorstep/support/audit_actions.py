"""The ops actions on support (tickets, the help centre, disputes, claims) the audit
trail records."""

from django.utils.translation import gettext_lazy as _

from doorstep.audit.actions import define

TICKET_REPLY = define("support.reply", _("Replied to a ticket"))
TICKET_NOTE = define("support.note", _("Wrote an internal note on a ticket"))
TICKET_ASSIGN = define("support.assign", _("Assigned a ticket"))
TICKET_STATUS = define("support.set_status", _("Changed a ticket's status"))
TICKET_PRIORITY = define("support.set_priority", _("Changed a ticket's priority"))
TICKET_QUEUE = define("support.move_queue", _("Moved a ticket to another queue"))
TICKET_ESCALATE = define("support.escalate", _("Escalated a ticket past its SLA"))
TICKET_CLOSE = define("support.close", _("Closed a ticket solved long enough"))
SAVE_CANNED_REPLY = define("support.save_canned_reply", _("Saved a canned reply"))
DELETE_CANNED_REPLY = define("support.delete_canned_reply", _("Deleted a canned reply"))
UPDATE_SLA_POLICY = define("support.update_sla_policy", _("Changed an SLA policy"))
CREATE_HELP_ARTICLE = define("help.create_article", _("Wrote a help article"))
UPDATE_HELP_ARTICLE = define("help.update_article", _("Edited a help article"))
PUBLISH_HELP_ARTICLE = define("help.publish_article", _("Published a help article"))
UNPUBLISH_HELP_ARTICLE = define(
    "help.unpublish_article", _("Took a help article off the help centre")
)
DECIDE_DISPUTE = define("support.decide_dispute", _("Decided a dispute"))
DECIDE_WARRANTY_CLAIM = define(
    "support.decide_warranty_claim", _("Decided a warranty claim")
)
DECIDE_GUARANTEE_CLAIM = define(
    "support.decide_guarantee_claim", _("Decided a guarantee claim")
)
