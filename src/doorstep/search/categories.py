"""The category tree as search sees it: small, read whole, walked in Python.

A few hundred rows at most, so one query per search (or per indexing call) is
cheaper than recursive SQL and gives the same answer on both databases: a slug
resolves to the set of its descendants' ids, which the search then filters with
``category_id IN (…)`` on an indexed column. Inactive categories, and everything
under them, do not exist for search (as in ``catalog.queries.category_tree``).
"""

from collections.abc import Mapping
from dataclasses import dataclass

from django.db import connection
from django.utils.translation import gettext as _

from doorstep.catalog.models import Category
from doorstep.core.errors import DomainError

_NAME_FIELDS = {"en": "name_en", "zh-hans": "name_zh_hans", "zh-hant": "name_zh_hant"}


@dataclass(frozen=True)
class CategoryInfo:
    id: int
    parent_id: int | None
    slug: str
    names: Mapping[str, str]  # language code → name; "en" always present
    position: int

    def name(self, language: str) -> str:
        return self.names.get(language.lower()) or self.names["en"]

    @property
    def all_names(self) -> list[str]:
        return [name for name in self.names.values() if name]


def _category_sql() -> str:
    meta = Category._meta
    columns = ", ".join(
        meta.get_field(name).column
        for name in ("id", "parent", "slug", "position", "is_active")
    )
    names = ", ".join(meta.get_field(name).column for name in _NAME_FIELDS.values())
    order = ", ".join(meta.get_field(name).column for name in meta.ordering)
    return f"SELECT {columns}, {names} FROM {meta.db_table} ORDER BY {order}"  # noqa: S608 - ours


def load_categories() -> dict[int, CategoryInfo]:
    """Every active category whose ancestors are all active, by id.

    Read afresh on every call, so an edit in the back office shows at once; in
    plain SQL, because building the ORM query cost more than running it."""
    with connection.cursor() as cursor:
        cursor.execute(_CATEGORY_SQL)
        rows = cursor.fetchall()
    nodes: dict[int, CategoryInfo] = {}
    active: dict[int, bool] = {}
    parents: dict[int, int | None] = {}
    for row in rows:
        category_id, parent_id, slug, position, is_active, *names = row
        nodes[category_id] = CategoryInfo(
            id=category_id,
            parent_id=parent_id,
            slug=slug,
            names=dict(zip(_NAME_FIELDS, names, strict=True)),
            position=position,
        )
        active[category_id] = is_active
        parents[category_id] = parent_id

    def reachable(category_id: int) -> bool:
        seen = set()
        node: int | None = category_id
        while node is not None:
            if node in seen or not active.get(node, False):
                return False  # inactive, missing or (corrupt) cyclic
            seen.add(node)
            node = parents.get(node)
        return True

    return {key: node for key, node in nodes.items() if reachable(key)}


_CATEGORY_SQL = _category_sql()


def subtree_ids(categories: Mapping[int, CategoryInfo], root_id: int) -> set[int]:
    children: dict[int | None, list[int]] = {}
    for node in categories.values():
        children.setdefault(node.parent_id, []).append(node.id)
    found, stack = set(), [root_id]
    while stack:
        node_id = stack.pop()
        if node_id not in found:
            found.add(node_id)
            stack.extend(children.get(node_id, []))
    return found


def lineage(
    categories: Mapping[int, CategoryInfo], category_id: int
) -> list[CategoryInfo]:
    """The category and its ancestors, nearest first."""
    out = []
    node = categories.get(category_id)
    while node is not None and len(out) < 50:
        out.append(node)
        node = categories.get(node.parent_id) if node.parent_id else None
    return out


def resolve_category(
    categories: Mapping[int, CategoryInfo], slug: str | None
) -> CategoryInfo | None:
    """The category a search asks for; ``DomainError`` (400) if there is none."""
    if slug is None:
        return None
    for node in categories.values():
        if node.slug == slug:
            return node
    message = _("Unknown category.")
    raise DomainError(
        "invalid_search",
        _("Some search filters are not valid."),
        status=400,
        fields={"category": [message]},
    )
