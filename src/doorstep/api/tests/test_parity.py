"""Parity stays honest: every web route of ours that takes a POST has an entry
in ``doorstep.api.parity.PARITY`` (an API operation, an exemption with its
reason, or a named gap), every operation named there exists, and
``docs/api-parity.md`` is the table as it is."""

import inspect
from collections.abc import Callable, Iterator

from django.urls import URLPattern, URLResolver, get_resolver

from doorstep.api.parity import DOC, PARITY, Api, render_markdown
from doorstep.api.site import api

HOW_TO_FIX = (
    "add an entry to doorstep.api.parity.PARITY (the API operation that does the "
    "same, or an Exempt/Gap saying why there is none), then regenerate "
    "docs/api-parity.md (see that module's docstring)"
)


def _routes(patterns, prefix: str = "", namespace: str = "") -> Iterator:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
            yield from _routes(
                pattern.url_patterns, prefix + str(pattern.pattern), inner
            )
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield (
                prefix + str(pattern.pattern),
                namespace + pattern.name,
                pattern.callback,
            )


def _allowed_methods(view: Callable) -> list[str] | None:
    """The methods ``require_http_methods`` (or ``require_POST``/``_GET``)
    around ``view`` allows, if it has such a decorator."""
    layer = view
    while layer is not None:
        for cell in getattr(layer, "__closure__", None) or ():
            try:
                value = cell.cell_contents
            except ValueError:
                continue
            if (
                isinstance(value, list | tuple)
                and value
                and all(isinstance(item, str) and item.isupper() for item in value)
            ):
                return list(value)
        layer = getattr(layer, "__wrapped__", None)
    return None


def _takes_post(view: Callable) -> bool:
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        return hasattr(view_class, "post")
    allowed = _allowed_methods(view)
    if allowed is not None:
        return "POST" in allowed
    try:
        source = inspect.getsource(inspect.unwrap(view))
    except (OSError, TypeError):
        return False
    return "POST" in source


def _module_of(view: Callable) -> str:
    view_class = getattr(view, "view_class", None)
    return (view_class or inspect.unwrap(view)).__module__


def web_post_routes() -> dict[str, str]:
    """``{route name: route}`` of every web view of ours that takes a POST."""
    found = {}
    for route, name, view in _routes(get_resolver().url_patterns):
        module = _module_of(view)
        if not module.startswith("doorstep.") or module.startswith("doorstep.api"):
            continue
        if route.startswith("api/"):
            continue
        if _takes_post(view):
            found[name] = route
    return found


def _operations() -> set[str]:
    return {
        f"{method.upper()} {path.removeprefix('/api/v1')}"
        for path, operation in api.operations()
        for method in operation.methods
    }


def test_every_web_post_route_has_an_entry():
    missing = sorted(set(web_post_routes()) - set(PARITY))

    assert not missing, (
        f"POST web routes without a parity entry: {missing}; {HOW_TO_FIX}"
    )


def test_no_entry_is_left_for_a_route_that_is_gone():
    stale = sorted(set(PARITY) - set(web_post_routes()))

    assert not stale, f"parity entries for routes that no longer take a POST: {stale}"


def test_every_named_operation_exists():
    operations = _operations()

    unknown = [
        (name, operation)
        for name, entry in PARITY.items()
        if isinstance(entry, Api)
        for operation in entry.operations
        if operation not in operations
    ]

    assert not unknown, f"parity entries name operations that do not exist: {unknown}"


def test_the_published_table_is_current():
    assert DOC.read_text() == render_markdown(), (
        "docs/api-parity.md is stale: regenerate it (doorstep.api.parity)"
    )


def test_the_discovery_sees_posts_and_ignores_get_only_pages():
    routes = web_post_routes()

    assert routes["orders:book"] == "book/<str:listing_id>/"
    assert "orders:detail" not in routes
