"""``{% heart listing_id=… %}`` / ``{% heart provider_id=… %}``: the save
button, knowing what the signed-in customer saved with one query per page."""

from django import template

from doorstep.recommendations.queries import saved_targets

register = template.Library()


@register.inclusion_tag("recommendations/_heart.html", takes_context=True)
def heart(context, *, listing=None, provider=None) -> dict:
    """``listing``/``provider``: a model instance or a search hit."""
    request = context.get("request")
    user = getattr(request, "user", None)
    target = listing or provider
    pk = getattr(target, "listing_id", None) or getattr(target, "pk", None)
    saved = False
    if user is not None and user.is_authenticated:
        cached = getattr(request, "_saved_targets", None)
        if cached is None:
            cached = request._saved_targets = saved_targets(user)
        saved = pk in (cached[0] if listing is not None else cached[1])
    return {
        "listing_id": target.public_id if listing is not None else "",
        "provider_id": target.public_id if provider is not None else "",
        "saved": saved,
        "signed_in": bool(user and user.is_authenticated),
        "next": request.get_full_path() if request else "",
        "request": request,
    }
