"""Keyset ("cursor") pagination for every list the API returns.

A list endpoint takes ``?limit=&cursor=`` and answers ``{"items": [...], "next": …}``.
The cursor is opaque to clients: URL-safe base64 of the last item's sort key
``(created_at, public_id)``. Keyset pages stay correct while rows are added or
removed (an offset would skip or repeat rows) and cost the same on page 1 and 1000.
"""

import base64
import binascii
import json
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Schema
from ninja.pagination import PaginationBase

from doorstep.core.errors import DomainError

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


def encode_cursor(created_at: datetime, public_id: str) -> str:
    raw = json.dumps([created_at.isoformat(), public_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def encode_id_cursor(public_id: str) -> str:
    """The cursor of a list in id order (rows without a creation time)."""
    raw = json.dumps([None, public_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, *, by_id: bool = False) -> tuple[datetime | None, str]:
    """The sort key a cursor stands for; ``DomainError`` (400) if it is not ours.
    ``by_id``: a cursor of ``encode_id_cursor`` (no time, ``None``)."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        created_at, public_id = json.loads(base64.urlsafe_b64decode(padded))
        if not isinstance(public_id, str):
            raise ValueError(cursor)
        if by_id:
            if created_at is not None:
                raise ValueError(cursor)
            return None, public_id
        moment = datetime.fromisoformat(created_at)
        if moment.tzinfo is None:
            raise ValueError(cursor)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError) as error:
        message = _("This cursor is not valid. Start again from the first page.")
        raise DomainError(
            "invalid_cursor", message, status=400, fields={"cursor": [message]}
        ) from error
    return moment, public_id


class CursorPageIn(Schema):
    limit: int = Field(
        DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="How many items to return."
    )
    cursor: str | None = Field(
        None,
        max_length=200,
        description="The `next` value of the previous page; omit for the first.",
    )


class CursorPageOut(Schema):
    items: list[Any]
    next: str | None = Field(
        description="Pass as `cursor` to get the next page; null on the last page."
    )


class CursorPagination(PaginationBase):
    """Newest first, by ``created_at`` then ``public_id`` (unique, so no ties).

    The queryset's model must have both fields; any ordering it had is replaced.
    ``field`` names another aware date-time field to page by (``None``: by
    ``public_id`` alone, for rows without one), and ``ascending`` turns the
    order round (the soonest first).
    """

    Input = CursorPageIn
    Output = CursorPageOut
    items_attribute: str = "items"

    def __init__(
        self,
        *,
        field: str | None = "created_at",
        ascending: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.field = field
        self.ascending = ascending

    def paginate_queryset(
        self,
        queryset: QuerySet,
        pagination: CursorPageIn,
        request: HttpRequest,
        **params: Any,
    ) -> dict[str, Any]:
        field, beyond = self.field, "gt" if self.ascending else "lt"
        if pagination.cursor:
            moment, public_id = decode_cursor(pagination.cursor, by_id=field is None)
            after = Q(**{f"public_id__{beyond}": public_id})
            if field is not None:
                after = Q(**{f"{field}__{beyond}": moment}) | (
                    Q(**{field: moment}) & after
                )
            queryset = queryset.filter(after)
        sign = "" if self.ascending else "-"
        keys = [f"{sign}public_id"] if field is None else [f"{sign}{field}"]
        if field is not None:
            keys.append(f"{sign}public_id")
        # One extra row tells us whether another page exists without a COUNT.
        rows = list(queryset.order_by(*keys)[: pagination.limit + 1])
        items = rows[: pagination.limit]
        next_cursor = None
        if len(rows) > pagination.limit:
            last = items[-1]
            next_cursor = (
                encode_id_cursor(last.public_id)
                if field is None
                else encode_cursor(getattr(last, field), last.public_id)
            )
        return {"items": items, "next": next_cursor}
