from django import template

from doorstep.messaging.models import Conversation

register = template.Library()


@register.filter
def other_party(conversation: Conversation, viewer) -> str:
    """The name of the person ``viewer`` is talking to."""
    return conversation.other_party_name(viewer)
