from django.utils.translation import gettext_lazy as _

from doorstep.audit.actions import define

CREATE_HELP_ARTICLE = define("help.create_article", _("Wrote a help article"))
UPDATE_HELP_ARTICLE = define("help.update_article", _("Edited a help article"))
PUBLISH_HELP_ARTICLE = define("help.publish_article", _("Published a help article"))
UNPUBLISH_HELP_ARTICLE = define(
    "help.unpublish_article", _("Took a help article off the help centre")
)
