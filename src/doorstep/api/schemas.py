"""Base classes for request bodies, shared by every app's ``…In`` schemas."""

from typing import Annotated, Any

from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import AliasChoices, ConfigDict, Field, field_validator

# An object's id as clients see it: read from the model's ``public_id`` (never the
# integer primary key), written out as ``id``.
PublicId = Annotated[
    str,
    Field(
        validation_alias=AliasChoices("public_id", "id"),
        description="Opaque id, e.g. usr_5Kq8GmT1xY2pQ9aB.",
    ),
]


class InputSchema(Schema):
    """A request body. Unknown fields are refused, so a typo ("langauge") is a
    400 naming the field instead of a change that silently did not happen."""

    model_config = ConfigDict(extra="forbid")


def _drop_null_from_properties(schema: dict[str, Any]) -> None:
    # Fields are typed ``X | None`` only so that they may be left out; the
    # published schema must not invite clients (or schemathesis) to send null.
    for prop in schema.get("properties", {}).values():
        if "anyOf" not in prop:
            continue
        variants = [kind for kind in prop["anyOf"] if kind != {"type": "null"}]
        if len(variants) == 1:
            del prop["anyOf"]
            prop.update(variants[0])
        else:
            prop["anyOf"] = variants


class PatchSchema(InputSchema):
    """A partial update: every field is optional, but a field that is sent must
    hold a value. ``null`` is refused because "clear this" and "leave this alone"
    must not look the same; handlers read ``model_dump(exclude_unset=True)``."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra=_drop_null_from_properties
    )

    @field_validator("*", mode="before")
    @classmethod
    def _refuse_null(cls, value: Any) -> Any:
        # Runs only for fields the client sent: defaults are not validated.
        if value is None:
            raise ValueError(_("This field cannot be null; leave it out instead."))
        return value
