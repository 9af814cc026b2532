"""Values every page's layout needs."""

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from doorstep.marketplace.queries import branding


def site(request: HttpRequest) -> dict[str, object]:
    # The operator's name, logo and colours (``/ops/settings/branding/``), read
    # when a template first uses them: one settings query per request at most.
    brand = SimpleLazyObject(branding)
    return {
        "site_name": SimpleLazyObject(lambda: brand.name),
        "site_branding": brand,
    }
